// SQS on the wire: AWS JSON 1.0 when X-Amz-Target says AmazonSQS.<Op>, the query protocol
// otherwise; both decoded into the same input shapes for the Backend.
#pragma once

#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "emulator/service.hpp"
#include "services/sqs/backend.hpp"

namespace fogbank::sqs {

class SqsService : public Service {
  public:
    SqsService(const Config& cfg, Database& db) : cfg_(cfg), backend_(cfg, db) {}
    std::string_view name() const override { return "sqs"; }
    Response handle(Request& req) override;
    // In-memory work and at most one small SQLite transaction; long polls wait on timers.
    bool quick(const RequestHead&) const override { return true; }
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override { backend_.reset(); }
    // Other services send to queues through it (S3 notifications, Lambda destinations).
    Backend& backend() { return backend_; }

  private:
    Response peek(Request& req);
    Response encode(const RequestHead& head, const std::string& op, const json& out) const;

    const Config& cfg_;
    Backend backend_;
};

}  // namespace fogbank::sqs
