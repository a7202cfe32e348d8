// The HTTP front door: an Asio acceptor and one coroutine per connection, each on one of the
// I/O threads' own event loops. Keep-alive and pipelining come from reading requests in
// order off one buffer; bodies stream in bounded chunks in both directions; idle connections
// time out. SIGINT/SIGTERM stop accepting, let in-flight requests finish, then return. With a
// database that groups commits, a request that touched the shared transaction is answered only
// once it has committed (see database.hpp).
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>

#include "emulator/authenticator.hpp"
#include "emulator/config.hpp"
#include "emulator/router.hpp"

namespace fogbank {

class Database;
class RequestLog;

class Server {
  public:
    // `grouped`: the database whose group commits answers wait for (null: none to wait for).
    Server(const Config& cfg, Router& router, std::filesystem::path spool_dir,
           Database* grouped = nullptr);
    ~Server();
    // Binds and listens; returns the bound port (useful with port 0).
    uint16_t listen();
    // Serves until SIGINT/SIGTERM, then drains in-flight requests and returns. `on_stop`, when
    // given, runs first (on a thread of its own, while requests are still served).
    void run(std::function<void()> on_stop = {});
    // Records every answered request in `log` (the console's own requests excepted). Call before
    // listen().
    void record_requests(RequestLog* log);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace fogbank
