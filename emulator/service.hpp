// What the server needs from a service: how to read a request's body, the operation itself,
// the service's own error format, and a way to wipe its state. Wire decoding and encoding
// live in the service's protocol codec, the logic in its operation handlers.
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

#include "emulator/aws_error.hpp"
#include "emulator/http_message.hpp"
#include "emulator/request_body.hpp"

namespace fogbank {

class Service {
  public:
    virtual ~Service() = default;
    virtual std::string_view name() const = 0;
    // Decided from the head alone, before any body byte is read. May throw AwsError.
    virtual BodyPlan body_plan(const RequestHead&) const { return {}; }
    virtual Response handle(Request& req) = 0;
    // Whether handle() is quick enough for the I/O thread: a few SQLite statements and at most
    // a rename, open or unlink. Anything that copies or deletes in bulk says no and runs on the
    // worker pool, so an I/O thread never waits on it.
    virtual bool quick(const RequestHead&) const { return false; }
    virtual Response error_response(const AwsError& err, const RequestHead& head) const = 0;
    virtual void reset() = 0;
    virtual std::string_view status() const { return "running"; }
    // Anything more /_fogbank/health reports for this service (Rekognition: its models).
    virtual nlohmann::json health() const { return nullptr; }
    // S3 signs its path encoded once and always carries x-amz-content-sha256.
    virtual bool s3_signing() const { return false; }
    // fogbank's own admin API is not an AWS API and carries no AWS signature.
    virtual bool signed_requests() const { return true; }
};

}  // namespace fogbank
