#include "emulator/server.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/socket.h>
#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "emulator/clock.hpp"
#include "emulator/crypto.hpp"
#include "emulator/database.hpp"
#include "emulator/encoding.hpp"
#include "emulator/request_log.hpp"

namespace fogbank {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr size_t kChunk = 256 * 1024;
constexpr size_t kHeadRead = 16 * 1024;  // per read while a request head arrives

// The parser's refusals of what the client sent, as against the connection ending or stalling.
bool is_framing_error(const beast::error_code& ec) {
    return ec.category() == beast::http::make_error_code(http::error::bad_method).category() &&
           ec != http::error::end_of_stream && ec != http::error::partial_message &&
           ec != http::error::need_more && ec != http::error::need_buffer &&
           ec != http::error::header_limit && ec != http::error::body_limit;
}

// Wakes a parked long poll by cancelling its timer on the connection's event loop. Posting (not
// cancelling in place) keeps the timer on its loop's thread, and a wake that arrives while the poll
// is still deciding runs only after the coroutine is suspended on the timer, so it is never lost.
class TimerWaker : public Waker, public std::enable_shared_from_this<TimerWaker> {
  public:
    explicit TimerWaker(asio::any_io_executor ex) : timer(ex) {}
    bool wake() override {
        if (!armed.exchange(false)) return false;
        asio::post(timer.get_executor(), [self = shared_from_this()] { self->timer.cancel(); });
        return true;
    }
    asio::steady_timer timer;
    std::atomic<bool> armed{false};
};

// One synchronous stretch of a request's handling (a handler, a long poll's attempt): what it
// touched of the database's shared transaction is added to the request's ticket.
class CommitScope {
  public:
    CommitScope(Database* db, uint64_t& ticket) : db_(db), ticket_(ticket) {
        if (db_) db_->begin_scope();
    }
    ~CommitScope() {
        if (db_) ticket_ = std::max(ticket_, db_->scope_ticket());
    }
    CommitScope(const CommitScope&) = delete;
    CommitScope& operator=(const CommitScope&) = delete;

  private:
    Database* db_;
    uint64_t& ticket_;
};

}  // namespace

FileSlice& FileSlice::operator=(FileSlice&& o) noexcept {
    if (this != &o) {
        if (fd >= 0) ::close(fd);
        fd = std::exchange(o.fd, -1);
        offset = o.offset;
        length = o.length;
    }
    return *this;
}

FileSlice::~FileSlice() {
    if (fd >= 0) ::close(fd);
}

struct Server::Impl {
    const Config& cfg;
    Router& router;
    Authenticator auth;
    std::filesystem::path spool_dir;
    Database* grouped;
    RequestLog* request_log = nullptr;
    // The main loop accepts connections and handles signals; each connection then lives on one
    // of `loops`, an event loop per I/O thread. A loop run by one thread needs no locking in its
    // scheduler and never wakes another thread to hand work over, which a single io_context
    // shared by all I/O threads does on every completion. The loops are declared first so that
    // they outlive the main loop: an accept aborted at shutdown still holds a socket of one.
    std::vector<std::unique_ptr<asio::io_context>> loops;
    std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep_loops;
    size_t next_loop = 0;
    asio::io_context ioc{1};
    // Bulk handlers run here, not on the I/O threads (Service::quick says which): a multipart
    // completion copies gigabytes, and an I/O thread must never wait on that.
    asio::thread_pool workers;
    tcp::acceptor acceptor{ioc};
    asio::signal_set signals{ioc, SIGINT, SIGTERM};
    std::atomic<int> in_flight{0};
    std::atomic<bool> stopping{false};

    Impl(const Config& c, Router& r, std::filesystem::path spool, Database* g)
        : cfg(c),
          router(r),
          auth(c),
          spool_dir(std::move(spool)),
          grouped(g),
          workers(std::max(4u, 2 * std::thread::hardware_concurrency())) {}

    asio::awaitable<void> accept_loop() {
        while (!stopping) {
            auto& loop = *loops[next_loop++ % loops.size()];
            auto [ec, socket] = co_await acceptor.async_accept(loop, use_nothrow);
            if (ec) {
                if (stopping || ec == asio::error::operation_aborted) break;
                spdlog::warn("accept: {}", ec.message());
                continue;
            }
            socket.set_option(tcp::no_delay(true));
            auto ex = socket.get_executor();
            asio::co_spawn(ex, session(beast::tcp_stream(std::move(socket))), asio::detached);
        }
    }

    asio::awaitable<void> session(beast::tcp_stream stream) {
        try {
            co_await serve_connection(stream);
        } catch (const std::exception& e) {
            // Whatever went wrong, it ends this connection, never the server.
            spdlog::error("connection dropped: {}", e.what());
        }
        beast::error_code ignored;
        stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    }

    asio::awaitable<void> serve_connection(beast::tcp_stream& stream) {
        beast::flat_buffer buffer;
        std::vector<char> chunk(kChunk);
        for (;;) {
            http::request_parser<http::buffer_body> parser;
            parser.header_limit(cfg.header_limit);
            // Size limits are per operation (BodyPlan), checked against Content-Length below.
            parser.body_limit(boost::none);
            stream.expires_after(std::chrono::seconds(cfg.idle_timeout_seconds));
            beast::error_code ec = co_await read_head(stream, buffer, parser);
            if (ec) {
                if (ec == http::error::header_limit) {
                    Response res;
                    res.status = 431;
                    res.close = true;
                    co_await write_response(stream, res, http::verb::get, 11, false);
                } else if (is_framing_error(ec)) {
                    co_await answer_unreadable(stream, buffer);
                }
                break;  // eof, timeout, reset: nothing to answer
            }
            ++in_flight;
            struct Done {
                std::atomic<int>& n;
                ~Done() { --n; }
            } done{in_flight};
            bool keep_going = co_await serve_one(stream, buffer, parser, chunk);
            if (!keep_going || stopping) break;
        }
    }

    // Reads until the parser has the whole request head. Beast's async_read_header would do the
    // same, but it consumes what the parser used even when the parser then fails, and the head
    // of a refused request is what says which protocol its 400 must speak: here the buffer is
    // consumed only once the head parsed, so a refused one is still there whole.
    asio::awaitable<beast::error_code> read_head(beast::tcp_stream& stream,
                                                 beast::flat_buffer& buffer,
                                                 http::request_parser<http::buffer_body>& parser) {
        for (;;) {
            beast::error_code ec;
            if (buffer.size() > 0) {
                size_t used = parser.put(buffer.data(), ec);
                if (ec && ec != http::error::need_more) co_return ec;  // the head stays whole
                // Until the head is complete the parser takes nothing but blank lines before it.
                buffer.consume(used);
                if (!ec && parser.is_header_done()) co_return ec;
            }
            auto [rec, n] = co_await stream.async_read_some(buffer.prepare(kHeadRead), use_nothrow);
            if (rec) co_return rec;
            buffer.commit(n);
        }
    }

    // A request the HTTP parser refused (a bad Content-Length, a malformed line or field): the
    // answer is 400 and the connection closes, since where the next request starts is unknown.
    // read_head leaves the refused head in `buffer`; without its framing fields it usually parses,
    // which says which service was asked and so which protocol's error body the client can read. A
    // request line that does not parse either gets the 400 with no body.
    asio::awaitable<void> answer_unreadable(beast::tcp_stream& stream, beast::flat_buffer& buffer) {
        auto bytes = buffer.data();
        std::string_view raw(static_cast<const char*>(bytes.data()), bytes.size());
        Response res;
        res.status = 400;
        http::verb method = http::verb::get;
        unsigned version = 11;
        try {
            if (auto head = head_without_framing(raw, cfg.header_limit)) {
                Request req;
                static_cast<RequestHead&>(req) = std::move(*head);
                Service& service = router.pick(req);
                req.service = std::string(service.name());
                res = service.error_response(bad_request(), req);
                res.headers.set("x-amz-request-id", req.request_id);
                method = req.method;
                version = req.version;
                spdlog::info("{} - 400 unreadable request: {} {}", req.service, req.method_name,
                             req.target);
            }
        } catch (const std::exception& e) {
            spdlog::warn("unreadable request: {}", e.what());
        }
        res.close = true;
        co_await write_response(stream, res, method, version, false);
    }

    // Reads the body, runs the handler, writes the response. Returns whether the connection
    // can carry another request.
    asio::awaitable<bool> serve_one(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                    http::request_parser<http::buffer_body>& parser,
                                    std::vector<char>& chunk) {
        auto started = std::chrono::steady_clock::now();
        Request req;
        static_cast<RequestHead&>(req) = take_head(parser.get());
        Service& service = router.pick(req);
        req.service = std::string(service.name());
        Response res;
        bool body_done = parser.is_done();
        // The group commit this request's answer waits for (0: none); the worker's is apart so
        // that no two threads write one variable.
        uint64_t ticket = 0, worker_ticket = 0;
        try {
            AuthState st = auth.begin(req, service);
            BodyPlan plan = service.body_plan(req);
            // Refuse an oversized body before reading it (aws-chunked framing is checked by the
            // sink as it decodes, since Content-Length counts the framing there).
            if (auto cl = parser.content_length(); cl && !st.streaming && *cl > plan.max_size)
                throw plan.too_large.value_or(
                    AwsError("RequestEntityTooLarge", "Request body is too large", 413));
            if (!body_done && iequals(req.header("expect").value_or(""), "100-continue")) {
                http::response<http::empty_body> cont{http::status::continue_, req.version};
                auto [wec, _] = co_await http::async_write(stream, cont, use_nothrow);
                if (wec) co_return false;
            }
            BodySink sink(plan, spool_dir, st.want_sha256, auth.decoder(st));
            bool read_ok =
                parser.content_length()
                    ? co_await read_sized_body(stream, buffer, *parser.content_length_remaining(),
                                               chunk, sink)
                    : co_await read_chunked_body(stream, buffer, parser, chunk, sink);
            if (!read_ok) co_return false;  // the client went away or stalled mid-body
            body_done = true;
            req.body = sink.finish();
            auth.finish(req, st, req.body, service);
            if (service.quick(req)) {
                CommitScope scope(grouped, ticket);
                res = service.handle(req);
            } else {
                // Runs on the worker pool; resumes here, on this connection's loop, with the
                // result or the handler's exception.
                res = co_await asio::co_spawn(
                    workers,
                    [&]() -> asio::awaitable<Response> {
                        CommitScope scope(grouped, worker_ticket);
                        co_return service.handle(req);
                    },
                    asio::use_awaitable);
            }
            if (res.long_poll) res = co_await wait_for_answer(stream, *res.long_poll, ticket);
        } catch (const AwsError& e) {
            res = service.error_response(e, req);
        } catch (const std::exception& e) {
            spdlog::error("{} {} {}: {}", req.service, req.method_name, req.target, e.what());
            res = service.error_response(
                AwsError("InternalError", "We encountered an internal error. Please try again.",
                         500),
                req);
        }
        // Acknowledged means durable: what the request touched commits before it is answered.
        ticket = std::max(ticket, worker_ticket);
        if (ticket && !grouped->settled(ticket) && !co_await committed(stream, ticket)) {
            spdlog::error("{} {} {}: its write was not committed", req.service, req.method_name,
                          req.target);
            res = service.error_response(
                AwsError("InternalError", "We encountered an internal error. Please try again.",
                         500),
                req);
        }
        // A body we did not read would be parsed as the next request: close instead.
        if (!body_done) res.close = true;
        res.headers.set("x-amz-request-id", req.request_id);
        res.headers.set("x-amz-id-2", req.request_id);
        if (!res.headers.count(http::field::server))
            res.headers.set(http::field::server, "fogbank");
        bool keep_alive = req.keep_alive && !res.close && !stopping;
        bool ok = co_await write_response(stream, res, req.method, req.version, keep_alive);
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
        spdlog::info("{} {} {} {:.3f}ms {} {}", req.service,
                     req.operation.empty() ? "-" : req.operation, res.status, us / 1000.0,
                     req.method_name, req.target);
        if (request_log && req.service != "console") record(req, res, us);
        co_return ok&& keep_alive;
    }

    // What the console's request log keeps of one exchange (it copies what it keeps).
    void record(const Request& req, const Response& res, int64_t us) {
        RequestView v;
        v.time_ms = wall_now_ms().time_since_epoch().count();
        v.service = req.service;
        v.operation = req.operation;
        v.account = req.account;
        v.region = req.region;
        v.method = req.method_name;
        v.target = req.target;
        v.request_id = req.request_id;
        v.status = res.status;
        v.latency_ms = us / 1000.0;
        v.request_size = req.body.size();
        if (!req.body.spooled()) v.request_body = req.body.memory();
        v.response_size = res.file ? res.file->length : res.body.size();
        if (!res.file) v.response_body = res.body;
        v.write_headers = [&req](std::string& out) {
            for (auto& f : req.headers)
                out.append(f.name_string()).append(": ").append(f.value()).push_back('\n');
        };
        request_log->add(v);
    }

    // Parks a long poll until the service can answer it. Each wait is capped at a second so that
    // a stopping server answers its long polls promptly and a missed wake-up costs at most that.
    asio::awaitable<Response> wait_for_answer(beast::tcp_stream& stream, LongPoll poll,
                                              uint64_t& ticket) {
        auto waker = std::make_shared<TimerWaker>(stream.get_executor());
        for (;;) {
            auto now = std::chrono::steady_clock::now();
            SteadyTime recheck = std::min(poll.deadline, now + std::chrono::seconds(1));
            waker->armed = true;
            std::optional<Response> answer;
            {
                CommitScope scope(grouped, ticket);
                answer = poll.attempt(waker, stopping || now >= poll.deadline, recheck);
            }
            if (answer) {
                waker->armed = false;
                co_return std::move(*answer);
            }
            waker->timer.expires_at(recheck);
            co_await waker->timer.async_wait(use_nothrow);
        }
    }

    // Commits once the group stops growing: each run of the posted handler comes after the
    // requests its loop had in hand, so while a run finds more waiters than the last, more
    // requests are joining, and the commit waits one more turn of the loop (at most kRounds).
    static void commit_soon(asio::any_io_executor ex, Database* db, size_t seen, int rounds) {
        constexpr int kRounds = 64;
        asio::post(ex, [ex, db, seen, rounds] {
            size_t now = db->waiting();
            if (now > seen && rounds < kRounds)
                commit_soon(ex, db, now, rounds + 1);
            else
                db->commit_pending();
        });
    }

    // Resumes once group commit `ticket` has ended: true when it committed. The commit runs on
    // this loop, after what the loop already has in hand, unless one is already on its way.
    asio::awaitable<bool> committed(beast::tcp_stream& stream, uint64_t ticket) {
        auto ex = stream.get_executor();
        Database* db = grouped;
        bool ok = co_await asio::async_initiate<decltype(asio::use_awaitable), void(bool)>(
            [db, ticket, ex](auto handler) {
                auto h = std::make_shared<decltype(handler)>(std::move(handler));
                db->when_committed(ticket, [h, ex](bool ok) {
                    asio::post(ex, [h, ok]() mutable { std::move (*h)(ok); });
                });
                if (db->claim_commit()) commit_soon(ex, db, 0, 0);
            },
            asio::use_awaitable);
        co_return ok;
    }

    // Content-Length bodies bypass the parser: bytes go socket -> chunk -> sink with one
    // recvmsg per (up to) 256 KiB. SO_RCVLOWAT keeps epoll from waking us for every small TCP
    // segment, and one watchdog timer per request replaces a timer per read: together they cut
    // the syscalls per byte of an upload by an order of magnitude.
    asio::awaitable<bool> read_sized_body(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                          uint64_t remaining, std::vector<char>& chunk,
                                          BodySink& sink) {
        size_t buffered = static_cast<size_t>(std::min<uint64_t>(buffer.size(), remaining));
        if (buffered) {
            auto data = static_cast<const char*>(buffer.data().data());
            sink.write(std::string_view(data, buffered));
            buffer.consume(buffered);
            remaining -= buffered;
        }
        if (remaining == 0) co_return true;
        auto& socket = stream.socket();
        auto last_progress = std::chrono::steady_clock::now();
        bool finished = false, stalled = false;
        asio::steady_timer watchdog(stream.get_executor());
        auto idle = std::chrono::seconds(cfg.idle_timeout_seconds);
        std::function<void(beast::error_code)> check = [&](beast::error_code ec) {
            if (ec || finished) return;
            if (std::chrono::steady_clock::now() - last_progress >= idle) {
                stalled = true;
                beast::error_code ignored;
                socket.cancel(ignored);
                return;
            }
            watchdog.expires_at(last_progress + idle);
            watchdog.async_wait(check);
        };
        watchdog.expires_after(idle);
        watchdog.async_wait(check);
        int lowat = 1;
        bool ok = true;
        while (remaining > 0) {
            int want = static_cast<int>(std::min<uint64_t>(remaining, chunk.size() / 2));
            // Small bodies arrive in a segment or two; the two setsockopt calls would cost more
            // than the wake-ups they save.
            if (want < 64 * 1024) want = 1;
            if (want != lowat) {
                ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVLOWAT, &want, sizeof want);
                lowat = want;
            }
            auto [ec, n] = co_await socket.async_read_some(
                asio::buffer(chunk.data(),
                             static_cast<size_t>(std::min<uint64_t>(remaining, chunk.size()))),
                use_nothrow);
            if (ec || stalled) {
                ok = false;
                break;
            }
            last_progress = std::chrono::steady_clock::now();
            remaining -= n;
            sink.write(std::string_view(chunk.data(), n));
        }
        finished = true;
        watchdog.cancel();
        if (lowat != 1 && ok) {
            int one = 1;
            ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
        }
        // Let the cancelled watchdog handler run before its captures go out of scope.
        co_await asio::post(stream.get_executor(), asio::use_awaitable);
        co_return ok;
    }

    // Transfer-Encoding: chunked bodies go through Beast's parser, which removes the framing.
    asio::awaitable<bool> read_chunked_body(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                            http::request_parser<http::buffer_body>& parser,
                                            std::vector<char>& chunk, BodySink& sink) {
        while (!parser.is_done()) {
            parser.get().body().data = chunk.data();
            parser.get().body().size = chunk.size();
            stream.expires_after(std::chrono::seconds(cfg.idle_timeout_seconds));
            auto [ec, _] = co_await http::async_read(stream, buffer, parser, use_nothrow);
            if (ec == http::error::need_buffer) ec = {};
            // A bad chunk size or extension is the client's error and gets an answer; a peer
            // that went away does not.
            if (ec && is_framing_error(ec)) throw bad_request();
            if (ec) co_return false;
            sink.write(std::string_view(chunk.data(), chunk.size() - parser.get().body().size));
        }
        co_return true;
    }

    static void copy_headers(http::fields& to, const http::fields& from) {
        for (auto& f : from)
            to.insert(f.name_string(), f.value());
    }

    asio::awaitable<bool> write_response(beast::tcp_stream& stream, Response& res,
                                         http::verb method, unsigned version, bool keep_alive) {
        stream.expires_after(
            std::chrono::seconds(std::max<uint32_t>(cfg.idle_timeout_seconds, 300)));
        auto status = static_cast<http::status>(res.status);
        bool no_body =
            res.status == 304 || res.status == 204 || (res.status >= 100 && res.status < 200);
        if (res.file && method != http::verb::head && !no_body) {
            http::response<http::buffer_body> msg{status, version};
            copy_headers(msg, res.headers);
            msg.content_length(res.file->length);
            msg.keep_alive(keep_alive);
            msg.body().data = nullptr;
            msg.body().more = true;
            http::response_serializer<http::buffer_body> sr{msg};
            auto [hec, _h] = co_await http::async_write_header(stream, sr, use_nothrow);
            if (hec) co_return false;
            std::vector<char> buf(kChunk);
            uint64_t off = res.file->offset, left = res.file->length;
            while (left > 0) {
                ssize_t n = ::pread(res.file->fd, buf.data(),
                                    static_cast<size_t>(std::min<uint64_t>(left, buf.size())),
                                    static_cast<off_t>(off));
                if (n <= 0) co_return false;  // truncated file: the length was promised, so drop
                off += static_cast<uint64_t>(n);
                left -= static_cast<uint64_t>(n);
                msg.body().data = buf.data();
                msg.body().size = static_cast<size_t>(n);
                msg.body().more = left > 0;
                auto [wec, _w] = co_await http::async_write(stream, sr, use_nothrow);
                if (wec == http::error::need_buffer) wec = {};
                if (wec) co_return false;
            }
            if (!sr.is_done()) {
                msg.body().data = nullptr;
                msg.body().more = false;
                auto [wec, _w] = co_await http::async_write(stream, sr, use_nothrow);
                if (wec) co_return false;
            }
            co_return true;
        }
        if (res.head_length || no_body || method == http::verb::head) {
            http::response<http::empty_body> msg{status, version};
            copy_headers(msg, res.headers);
            msg.keep_alive(keep_alive);
            if (!no_body) {
                uint64_t len = res.head_length ? *res.head_length
                                               : (res.file ? res.file->length : res.body.size());
                msg.set(http::field::content_length, std::to_string(len));
            }
            http::response_serializer<http::empty_body> sr{msg};
            auto [wec, _] = co_await http::async_write_header(stream, sr, use_nothrow);
            co_return !wec;
        }
        // An answer held in memory (nearly all of them) is written as its head, formatted here
        // in one pass over the fields, and its body, in one gather write: Beast's serializer
        // costs several times that per small answer.
        std::string head = response_head(res, version, keep_alive);
        std::array<asio::const_buffer, 2> parts{asio::buffer(head), asio::buffer(res.body)};
        auto [wec, _] = co_await asio::async_write(stream, parts, use_nothrow);
        co_return !wec;
    }

    // The status line and fields of an answer with a body of res.body.size() bytes, framed as
    // Beast's prepare_payload() and keep_alive() would: the framing fields are ours to set.
    static std::string response_head(const Response& res, unsigned version, bool keep_alive) {
        std::string head;
        head.reserve(256);
        head += version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ";
        head += std::to_string(res.status);
        head += ' ';
        head += http::obsolete_reason(static_cast<http::status>(res.status));
        head += "\r\n";
        for (auto& f : res.headers) {
            auto name = f.name();
            if (name == http::field::content_length || name == http::field::transfer_encoding ||
                name == http::field::connection)
                continue;
            head += f.name_string();
            head += ": ";
            head += f.value();
            head += "\r\n";
        }
        head += "Content-Length: ";
        head += std::to_string(res.body.size());
        head += "\r\n";
        if (version == 10 && keep_alive) head += "Connection: keep-alive\r\n";
        if (version != 10 && !keep_alive) head += "Connection: close\r\n";
        head += "\r\n";
        return head;
    }

    asio::awaitable<void> drain_then_stop() {
        // In-flight requests finish; idle keep-alive connections are simply dropped.
        asio::steady_timer t(ioc);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (in_flight > 0 && std::chrono::steady_clock::now() < deadline) {
            t.expires_after(std::chrono::milliseconds(5));
            co_await t.async_wait(use_nothrow);
        }
        keep_loops.clear();
        for (auto& loop : loops)
            loop->stop();  // idle keep-alive connections are dropped with their loop
        ioc.stop();
    }
};

Server::Server(const Config& cfg, Router& router, std::filesystem::path spool_dir,
               Database* grouped)
    : impl_(std::make_unique<Impl>(cfg, router, std::move(spool_dir), grouped)) {}

Server::~Server() = default;

void Server::record_requests(RequestLog* log) {
    impl_->request_log = log;
}

uint16_t Server::listen() {
    auto& a = impl_->acceptor;
    tcp::endpoint ep{asio::ip::make_address(impl_->cfg.host), impl_->cfg.port};
    a.open(ep.protocol());
    a.set_option(asio::socket_base::reuse_address(true));
    a.bind(ep);
    a.listen(asio::socket_base::max_listen_connections);
    return a.local_endpoint().port();
}

void Server::run(std::function<void()> on_stop) {
    auto& im = *impl_;
    asio::co_spawn(im.acceptor.get_executor(), im.accept_loop(), asio::detached);
    auto stop = [&im] {
        spdlog::info("stopping after {} in-flight request(s)", im.in_flight.load());
        im.stopping = true;
        beast::error_code ignored;
        im.acceptor.close(ignored);
        asio::co_spawn(im.ioc, im.drain_then_stop(), asio::detached);
    };
    // The stop hook (shutdown init scripts) may call fogbank, so it runs on a thread of its own
    // while the server goes on serving, and the drain begins when it returns.
    std::thread hook_thread;
    im.signals.async_wait([&im, &hook_thread, on_stop, stop](const beast::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("signal {}", sig);
        if (!on_stop) {
            stop();
            return;
        }
        hook_thread = std::thread([&im, on_stop, stop] {
            try {
                on_stop();
            } catch (const std::exception& e) {
                spdlog::error("stop hook: {}", e.what());
            }
            asio::post(im.ioc, stop);
        });
    });
    // By default one I/O thread per core but one. fogbank's clients (test suites, SDKs, the
    // functions it runs) share its machine. On 2 cores, two loops contending with them, and with
    // each other for the services' locks, answered up to a third fewer requests than one did
    // (bench/README.md: core_run.py --io-threads).
    unsigned hw = std::thread::hardware_concurrency();
    unsigned n = im.cfg.io_threads ? im.cfg.io_threads : (hw > 1 ? hw - 1 : 1);
    std::vector<std::thread> threads;
    for (unsigned i = 0; i < n; ++i) {
        im.loops.push_back(std::make_unique<asio::io_context>(1));
        im.keep_loops.push_back(asio::make_work_guard(*im.loops.back()));
    }
    for (auto& loop : im.loops)
        threads.emplace_back([&loop] { loop->run(); });
    im.ioc.run();
    for (auto& t : threads)
        t.join();
    if (hook_thread.joinable()) hook_thread.join();
    im.workers.join();
}

}  // namespace fogbank
