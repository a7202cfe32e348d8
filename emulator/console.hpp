// The web console (console/ in the source tree, compiled in) under /_fogbank/ui/, and the
// request log it shows under /_fogbank/requests. The console itself reads and changes state
// only through fogbank's public APIs (the AWS protocols, signed in the browser, and the
// /_fogbank/ endpoints), so what it shows is what any client would see.
//
//   GET /_fogbank/ui/...                the console's files
//   GET /_fogbank/requests?after=N      records after id N (the newest 500 at most)
//   GET /_fogbank/requests/<id>         one record with its headers and bodies, masked
//   GET /_fogbank/requests/events       server-sent events: each record as it is answered
//   DELETE /_fogbank/requests           forgets the log
//
// Safety on a shared machine: every answer carries a strict Content-Security-Policy and is
// never framed; state-changing requests from another origin are refused (Origin and
// Sec-Fetch-Site); bound to a non-loopback address, the console answers only with its token
// (header X-Fogbank-Console-Token, or the cookie that /_fogbank/ui/?token=T sets).
#pragma once

#include "emulator/config.hpp"
#include "emulator/request_log.hpp"
#include "emulator/service.hpp"

namespace fogbank {

class ConsoleService : public Service {
  public:
    ConsoleService(const Config& cfg, RequestLog& log);
    std::string_view name() const override { return "console"; }
    Response handle(Request& req) override;
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override {}
    bool signed_requests() const override { return false; }
    bool quick(const RequestHead&) const override { return true; }
    std::string_view status() const override { return enabled_ ? "running" : "disabled"; }

    // Whether a path is the console's (the router sends it here rather than to admin).
    static bool owns(std::string_view path);
    // Whether a state-changing browser request comes from another origin: its Origin names
    // another host:port than it was sent to, or Sec-Fetch-Site says cross-site. Requests
    // without either (SDKs, curl) are not a browser's and pass.
    static bool cross_origin(const RequestHead& req);

  private:
    Response asset(Request& req);
    Response requests(Request& req);
    bool authorised(const RequestHead& req) const;

    RequestLog& log_;
    bool enabled_;
    std::string token_;
};

}  // namespace fogbank
