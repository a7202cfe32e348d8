// STS, as far as set-up scripts need it: GetCallerIdentity (the account and identity of the
// calling key — `aws sts get-caller-identity --query Account` is how scripts build ARNs) and
// AssumeRole (temporary credentials for the same account; not enforced). Query protocol.
#pragma once

#include "emulator/config.hpp"
#include "emulator/service.hpp"

namespace fogbank::iam {

class StsService : public Service {
  public:
    explicit StsService(const Config&) {}
    std::string_view name() const override { return "sts"; }
    Response handle(Request& req) override;
    bool quick(const RequestHead&) const override { return true; }
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override {}
};

}  // namespace fogbank::iam
