// The Lambda Runtime API as fogbank serves it to its sandboxes:
//   GET  /_lambda/<sandbox>/2018-06-01/runtime/invocation/next
//   POST /_lambda/<sandbox>/2018-06-01/runtime/invocation/<request-id>/response
//   POST /_lambda/<sandbox>/2018-06-01/runtime/invocation/<request-id>/error
//   POST /_lambda/<sandbox>/2018-06-01/runtime/init/error
// The sandbox prefix is part of AWS_LAMBDA_RUNTIME_API, so runtimes that append the API's
// paths to it (every AWS runtime interface client but Node's) work unchanged on one port.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "emulator/json_limits.hpp"
#include "services/lambda/sandboxes.hpp"

namespace fogbank::lambda {

namespace {

using nlohmann::json;
constexpr size_t kMaxResponse = 6291556;  // bytes, as AWS counts its 6 MB

Response runtime_reply(int status, json body) {
    Response res;
    res.status = status;
    res.headers.set("Content-Type", "application/json");
    res.body = body.dump();
    return res;
}

AwsError runtime_error(std::string code, std::string message, int status) {
    return AwsError(std::move(code), std::move(message), status);
}

std::string trace_id() {
    auto t = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
    return fmt::format("Root=1-{:08x}-{};Parent={};Sampled=0", t, random_hex(12), random_hex(8));
}

}  // namespace

std::optional<Response> Sandboxes::next(const std::shared_ptr<Sandbox>& sb,
                                        const std::shared_ptr<Waker>& waker, bool last) {
    std::lock_guard lock(mu_);
    if (sb->dying || stopping_)
        return runtime_reply(410, {{"errorType", "SandboxStopped"},
                                   {"errorMessage", "This sandbox is being stopped"}});
    auto now = std::chrono::steady_clock::now();
    double init_ms = 0;
    if (!sb->initialized) {
        sb->initialized = true;
        init_ms = std::chrono::duration<double, std::milli>(now - sb->spawned).count();
    }
    auto& pool = pools_[sb->spec->pool];
    if (pool.queue.empty() || sb->current) {
        if (last)
            return runtime_reply(504, {{"errorType", "NoInvocation"},
                                       {"errorMessage", "No invocation arrived; ask again"}});
        sb->waiting = true;
        if (sb->idle_since == std::chrono::steady_clock::time_point{}) sb->idle_since = now;
        if (waker) pool.idle.add(waker);
        return std::nullopt;
    }
    auto inv = pool.queue.front();
    pool.queue.pop_front();
    sb->waiting = false;
    sb->current = inv;
    inv->init_ms = init_ms;
    inv->output = std::move(sb->pending_output) + inv->output;
    sb->pending_output.clear();
    inv->deadline = now + std::chrono::seconds(inv->spec->timeout_seconds);
    auto deadline_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count() +
                       inv->spec->timeout_seconds * 1000LL;
    Response res;
    res.headers.set("Content-Type", "application/json");
    res.headers.set("Lambda-Runtime-Aws-Request-Id", inv->id);
    res.headers.set("Lambda-Runtime-Deadline-Ms", std::to_string(deadline_ms));
    res.headers.set("Lambda-Runtime-Invoked-Function-Arn", inv->spec->arn);
    res.headers.set("Lambda-Runtime-Trace-Id", trace_id());
    if (!inv->client_context.empty())
        res.headers.set("Lambda-Runtime-Client-Context", inv->client_context);
    res.body = inv->payload;
    return res;
}

Response Sandboxes::runtime_api(Request& req) {
    // /_lambda/<sandbox>/2018-06-01/runtime/<rest>
    std::string_view path = req.path;
    path.remove_prefix(std::string_view("/_lambda/").size());
    auto slash = path.find('/');
    std::string id(path.substr(0, slash));
    std::string_view rest = slash == std::string_view::npos ? "" : path.substr(slash);
    constexpr std::string_view kBase = "/2018-06-01/runtime/";
    if (rest.rfind(kBase, 0) != 0) throw runtime_error("NotFound", "Unknown Runtime API path", 404);
    rest.remove_prefix(kBase.size());

    std::shared_ptr<Sandbox> sb;
    {
        std::lock_guard lock(mu_);
        sb = find(id);
    }
    if (!sb) throw runtime_error("SandboxNotFound", "No sandbox " + id + " is running", 403);

    if (rest == "invocation/next") {
        req.operation = "Runtime.Next";
        if (req.method != http::verb::get)
            throw runtime_error("MethodNotAllowed", "GET /invocation/next", 405);
        Response res;
        res.long_poll = std::make_shared<LongPoll>();
        res.long_poll->deadline = std::chrono::steady_clock::now() + std::chrono::hours(12);
        res.long_poll->attempt = [this, sb](const std::shared_ptr<Waker>& waker, bool last,
                                            SteadyTime&) { return next(sb, waker, last); };
        return res;
    }
    if (req.method != http::verb::post)
        throw runtime_error("MethodNotAllowed", "POST expected", 405);

    if (rest == "init/error") {
        req.operation = "Runtime.InitError";
        std::string body = req.body.text();
        auto parsed = fogbank::parse_json(body);
        std::string type = req.header("Lambda-Runtime-Function-Error-Type")
                               .value_or(parsed.is_object() ? parsed.value("errorType", "") : "");
        std::lock_guard lock(mu_);
        read_output(*sb);
        auto& q = pools_[sb->spec->pool].queue;
        if (!q.empty()) q.front()->output = std::move(sb->pending_output) + q.front()->output;
        sb->pending_output.clear();
        // The invocation this cold start was for gets the init error, as AWS answers it.
        fail_front(sb->spec->pool, body.empty() ? "{}" : body, type);
        kill_sandbox(*sb);
        return runtime_reply(202, {{"status", "OK"}});
    }

    // invocation/<request-id>/response|error
    constexpr std::string_view kInv = "invocation/";
    if (rest.rfind(kInv, 0) != 0) throw runtime_error("NotFound", "Unknown Runtime API path", 404);
    rest.remove_prefix(kInv.size());
    auto s2 = rest.find('/');
    std::string request_id(rest.substr(0, s2));
    std::string_view what = s2 == std::string_view::npos ? "" : rest.substr(s2 + 1);
    if (what != "response" && what != "error")
        throw runtime_error("NotFound", "Unknown Runtime API path", 404);
    req.operation = what == "response" ? "Runtime.Response" : "Runtime.Error";

    std::lock_guard lock(mu_);
    auto inv = sb->current;
    if (!inv || inv->id != request_id || inv->done)
        throw runtime_error("InvalidRequestID",
                            "Invalid request ID: " + request_id + " is not running here", 400);
    // Whatever the handler printed before answering is in the pipe: take it into this log.
    read_output(*sb);
    std::string body = req.body.text();
    if (what == "response") {
        if (body.size() > kMaxResponse) {
            complete(*inv,
                     json{{"errorMessage",
                           "Response payload size exceeded maximum allowed payload size (" +
                               std::to_string(kMaxResponse) + " bytes)."},
                          {"errorType", "Function.ResponseSizeTooLarge"}}
                         .dump(),
                     "Unhandled", "Function.ResponseSizeTooLarge");
            return runtime_reply(413, {{"errorType", "RequestEntityTooLarge"},
                                       {"errorMessage", "Response payload too large"}});
        }
        complete(*inv, std::move(body), "", "");
    } else {
        auto parsed = fogbank::parse_json(body);
        std::string type = req.header("Lambda-Runtime-Function-Error-Type")
                               .value_or(parsed.is_object() ? parsed.value("errorType", "") : "");
        complete(*inv, body.empty() ? "{}" : std::move(body), "Unhandled", type);
    }
    return runtime_reply(202, {{"status", "OK"}});
}

}  // namespace fogbank::lambda
