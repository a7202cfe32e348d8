// fogbank-ceiling: the HTTP ceiling of this machine. A bare Boost.Beast keep-alive server that
// reads each request whole and answers the same fixed body, with the same threading as fogbank
// (one single-threaded event loop per I/O thread, connections dealt to them in turn). The bench
// measures fogbank's rate as a fraction of this one's, under the same load generator in the
// same run: what fogbank spends beyond parsing and writing HTTP is the difference.
#include <CLI/CLI.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

struct Answer {
    std::string body;
    std::string content_type;
};

asio::awaitable<void> session(tcp::socket socket, const Answer& answer) {
    beast::flat_buffer buffer;
    for (;;) {
        http::request<http::string_body> req;
        auto [rec, _r] = co_await http::async_read(socket, buffer, req, nothrow);
        if (rec) break;
        http::response<http::string_body> res{http::status::ok, req.version()};
        res.set(http::field::server, "ceiling");
        res.set(http::field::content_type, answer.content_type);
        res.body() = answer.body;
        res.keep_alive(req.keep_alive());
        res.prepare_payload();
        auto [wec, _w] = co_await http::async_write(socket, res, nothrow);
        if (wec || !req.keep_alive()) break;
    }
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
}

asio::awaitable<void> accept_loop(tcp::acceptor& acceptor,
                                  std::vector<std::unique_ptr<asio::io_context>>& loops,
                                  const Answer& answer) {
    for (size_t next = 0;; ++next) {
        auto& loop = *loops[next % loops.size()];
        auto [ec, socket] = co_await acceptor.async_accept(loop, nothrow);
        if (ec) continue;
        socket.set_option(tcp::no_delay(true));
        auto ex = socket.get_executor();
        asio::co_spawn(ex, session(std::move(socket), answer), asio::detached);
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1", body_file;
    uint16_t port = 0;
    unsigned hw = std::thread::hardware_concurrency();
    unsigned threads = hw > 1 ? hw - 1 : 1;  // fogbank's default
    Answer answer{std::string(1024, 'c'), "application/octet-stream"};
    CLI::App app{"fogbank-ceiling: a bare Beast server answering one fixed body"};
    app.add_option("--host", host);
    app.add_option("--port", port)->required();
    app.add_option("--threads", threads, "I/O threads (fogbank's default: one per core but one)");
    app.add_option("--body-file", body_file, "the body to answer (default: 1 KiB of 'c')");
    app.add_option("--content-type", answer.content_type);
    CLI11_PARSE(app, argc, argv);
    if (!body_file.empty()) {
        std::ifstream in(body_file, std::ios::binary);
        if (!in) {
            std::cerr << "cannot read " << body_file << "\n";
            return 1;
        }
        answer.body.assign(std::istreambuf_iterator<char>(in), {});
    }

    asio::io_context main_loop{1};
    tcp::acceptor acceptor(main_loop, {asio::ip::make_address(host), port});
    std::vector<std::unique_ptr<asio::io_context>> loops;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
    for (unsigned i = 0; i < threads; ++i) {
        loops.push_back(std::make_unique<asio::io_context>(1));
        guards.push_back(asio::make_work_guard(*loops.back()));
    }
    std::vector<std::thread> pool;
    for (auto& loop : loops)
        pool.emplace_back([&loop] { loop->run(); });
    asio::co_spawn(main_loop, accept_loop(acceptor, loops, answer), asio::detached);
    std::cout << "listening on " << acceptor.local_endpoint() << std::endl;
    main_loop.run();
    for (auto& t : pool)
        t.join();
}
