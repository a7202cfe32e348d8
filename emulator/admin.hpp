// fogbank's own API under /_fogbank/: health (version and per-service status), reset (wipe
// all state between tests) and clock (read or advance the service clock). Under /_localstack/,
// what harnesses written for LocalStack wait on: health in LocalStack's shape, and the state
// of the init hooks.
#pragma once

#include "emulator/init_hooks.hpp"
#include "emulator/router.hpp"
#include "emulator/service.hpp"

namespace fogbank {

class AdminService : public Service {
  public:
    AdminService(const Router& router, const InitHooks* hooks = nullptr)
        : router_(router), hooks_(hooks) {}
    std::string_view name() const override { return "admin"; }
    Response handle(Request& req) override;
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override {}
    bool signed_requests() const override { return false; }

  private:
    Response localstack(Request& req);

    const Router& router_;
    const InitHooks* hooks_;
};

}  // namespace fogbank
