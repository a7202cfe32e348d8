// fogbank's own API under /_fogbank/: health (version and per-service status), reset (wipe
// all state between tests) and clock (read or advance the service clock).
#pragma once

#include "emulator/router.hpp"
#include "emulator/service.hpp"

namespace fogbank {

class AdminService : public Service {
  public:
    explicit AdminService(const Router& router) : router_(router) {}
    std::string_view name() const override { return "admin"; }
    Response handle(Request& req) override;
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override {}
    bool signed_requests() const override { return false; }

  private:
    const Router& router_;
};

}  // namespace fogbank
