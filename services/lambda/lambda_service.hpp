// Lambda on the wire: REST-JSON under /2015-03-31/ (and the later dated prefixes), errors in
// X-Amzn-ErrorType. A second, unsigned service answers the Runtime API that fogbank's own
// sandboxes call (/_lambda/<sandbox>/2018-06-01/runtime/...) and serves function code for
// GetFunction's Code.Location.
#pragma once

#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "emulator/service.hpp"
#include "services/lambda/backend.hpp"

namespace fogbank::lambda {

class LambdaService : public Service {
  public:
    LambdaService(const Config& cfg, Database& db, std::filesystem::path work_dir, s3::Store& s3)
        : backend_(cfg, db, std::move(work_dir), s3) {}
    std::string_view name() const override { return "lambda"; }
    BodyPlan body_plan(const RequestHead& head) const override;
    Response handle(Request& req) override;
    // Control-plane work is in memory plus one SQLite write; code uploads unpack a zip and go
    // to the worker pool. Invoke waits as a long poll, not on a thread.
    bool quick(const RequestHead& head) const override;
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override { backend_.reset(); }
    nlohmann::json health() const override { return backend_.status(); }
    Backend& backend() { return backend_; }

  private:
    Backend backend_;
};

// Requests to function URLs (Host <url-id>.lambda-url.<region>.*): unsigned, any method.
class FunctionUrlService : public Service {
  public:
    explicit FunctionUrlService(Backend& backend) : backend_(backend) {}
    std::string_view name() const override { return "lambda-url"; }
    BodyPlan body_plan(const RequestHead&) const override;
    Response handle(Request& req) override { return backend_.invoke_url(req); }
    bool quick(const RequestHead&) const override { return true; }
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override {}
    bool signed_requests() const override { return false; }

  private:
    Backend& backend_;
};

class LambdaRuntimeService : public Service {
  public:
    explicit LambdaRuntimeService(Backend& backend) : backend_(backend) {}
    std::string_view name() const override { return "lambda-runtime"; }
    BodyPlan body_plan(const RequestHead& head) const override;
    Response handle(Request& req) override;
    bool quick(const RequestHead&) const override { return true; }
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override {}
    // Sandboxes call it without AWS credentials, as Lambda's runtimes do.
    bool signed_requests() const override { return false; }

  private:
    Backend& backend_;
};

}  // namespace fogbank::lambda
