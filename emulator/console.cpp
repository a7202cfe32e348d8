#include "emulator/console.hpp"

#include <openssl/crypto.h>
#include <nlohmann/json.hpp>

#include <charconv>

#include "emulator/console_assets.hpp"
#include "emulator/encoding.hpp"

namespace fogbank {

namespace {

constexpr std::string_view kUi = "/_fogbank/ui";
constexpr std::string_view kRequests = "/_fogbank/requests";
constexpr const char* kCookie = "fogbank_console";

// Scripts, styles and images from the console itself only; images also from blob: URLs (the
// objects it previews); fetches only to fogbank; no frames, forms, plugins or base tags.
constexpr const char* kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

bool is_loopback(const std::string& host) {
    return host == "127.0.0.1" || host == "::1" || host == "localhost" ||
           host.rfind("127.", 0) == 0;
}

std::string_view content_type(std::string_view path) {
    auto ends = [&](std::string_view s) {
        return path.size() >= s.size() && path.substr(path.size() - s.size()) == s;
    };
    if (ends(".html")) return "text/html; charset=utf-8";
    if (ends(".js")) return "text/javascript; charset=utf-8";
    if (ends(".css")) return "text/css; charset=utf-8";
    if (ends(".svg")) return "image/svg+xml";
    if (ends(".png")) return "image/png";
    return "application/octet-stream";
}

Response secured(int status, std::string_view type, std::string body) {
    Response res;
    res.status = status;
    res.headers.set("Content-Type", std::string(type));
    res.headers.set("Content-Security-Policy", kPolicy);
    res.headers.set("X-Content-Type-Options", "nosniff");
    res.headers.set("X-Frame-Options", "DENY");
    res.headers.set("Referrer-Policy", "no-referrer");
    res.headers.set("Cache-Control", "no-store");
    res.body = std::move(body);
    return res;
}

Response json_answer(int status, const nlohmann::json& body) {
    return secured(status, "application/json",
                   body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

bool same_secret(std::string_view a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::optional<std::string_view> cookie(const RequestHead& req, std::string_view name) {
    auto header = req.header_view("cookie");
    if (!header) return std::nullopt;
    std::string_view rest = *header;
    while (!rest.empty()) {
        size_t semi = rest.find(';');
        std::string_view part = rest.substr(0, semi);
        rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
        while (!part.empty() && part.front() == ' ')
            part.remove_prefix(1);
        if (part.size() > name.size() && part.substr(0, name.size()) == name &&
            part[name.size()] == '=')
            return part.substr(name.size() + 1);
    }
    return std::nullopt;
}

uint64_t number_or(const std::optional<std::string>& s, uint64_t fallback) {
    if (!s) return fallback;
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
    if (ec != std::errc() || end != s->data() + s->size())
        throw AwsError("InvalidParameterValue", "Expected a number, got \"" + *s + "\"", 400);
    return v;
}

}  // namespace

ConsoleService::ConsoleService(const Config& cfg, RequestLog& log)
    : log_(log),
      enabled_(cfg.console && (is_loopback(cfg.host) || !cfg.console_token.empty())),
      token_(cfg.console_token) {}

bool ConsoleService::owns(std::string_view path) {
    auto under = [&](std::string_view base) {
        return path == base || (path.size() > base.size() && path.substr(0, base.size()) == base &&
                                path[base.size()] == '/');
    };
    return under(kUi) || under(kRequests);
}

bool ConsoleService::cross_origin(const RequestHead& req) {
    if (auto site = req.header_view("sec-fetch-site"); site && *site == "cross-site") return true;
    auto origin = req.header_view("origin");
    if (!origin) return false;
    auto host = req.header_view("host");
    if (!host) return true;
    // Origin is scheme://host[:port]; Host is host[:port].
    std::string_view o = *origin;
    size_t scheme = o.find("://");
    if (scheme == std::string_view::npos) return true;  // "null" and the like
    return o.substr(scheme + 3) != *host;
}

bool ConsoleService::authorised(const RequestHead& req) const {
    if (token_.empty()) return true;
    if (auto h = req.header_view("x-fogbank-console-token"); h && same_secret(*h, token_))
        return true;
    if (auto c = cookie(req, kCookie); c && same_secret(*c, token_)) return true;
    return false;
}

Response ConsoleService::handle(Request& req) {
    req.operation = "Console";
    if (!enabled_)
        throw AwsError("ConsoleDisabled",
                       "The console is off: fogbank listens on a non-loopback address and no "
                       "console token is set (console.token, FOGBANK_CONSOLE_TOKEN)",
                       404);
    bool changes = req.method != http::verb::get && req.method != http::verb::head;
    if (changes && cross_origin(req))
        throw AwsError("Forbidden", "Cross-origin requests may not change fogbank's state", 403);
    if (req.path.substr(0, kUi.size()) == kUi) return asset(req);
    if (!authorised(req)) throw AwsError("Unauthorized", "The console token is missing", 401);
    return requests(req);
}

Response ConsoleService::asset(Request& req) {
    if (req.method != http::verb::get && req.method != http::verb::head)
        throw AwsError("MethodNotAllowed", "GET " + req.path, 405);
    bool set_cookie = false;
    if (!authorised(req)) {
        auto given = req.query_param("token");
        if (!given || !same_secret(*given, token_))
            throw AwsError("Unauthorized",
                           "Open the console as /_fogbank/ui/?token=<console token>", 401);
        set_cookie = true;
    }
    if (req.path == kUi) {
        Response res = secured(302, "text/plain", "");
        res.headers.set("Location", std::string(kUi) + "/");
        return res;
    }
    std::string_view file = std::string_view(req.path).substr(kUi.size() + 1);
    if (file.empty()) file = "index.html";
    for (auto& a : console_assets()) {
        if (a.path != file) continue;
        Response res = secured(200, content_type(file), std::string(a.bytes));
        if (set_cookie)
            res.headers.set("Set-Cookie", std::string(kCookie) + "=" + token_ +
                                              "; Path=/_fogbank/; HttpOnly; SameSite=Strict");
        return res;
    }
    throw AwsError("NotFound", "No console file " + std::string(file), 404);
}

Response ConsoleService::requests(Request& req) {
    std::string_view rest = std::string_view(req.path).substr(kRequests.size());
    if (rest.empty() || rest == "/") {
        if (req.method == http::verb::delete_) {
            log_.clear();
            return json_answer(200, {{"cleared", true}});
        }
        if (req.method != http::verb::get)
            throw AwsError("MethodNotAllowed", "GET or DELETE " + req.path, 405);
        uint64_t after = number_or(req.query_param("after"), 0);
        size_t limit =
            static_cast<size_t>(std::min<uint64_t>(number_or(req.query_param("limit"), 500), 500));
        return json_answer(200, {{"requests", log_.after(after, limit)}, {"last", log_.last_id()}});
    }
    if (req.method != http::verb::get) throw AwsError("MethodNotAllowed", "GET " + req.path, 405);
    if (rest == "/events") {
        // Each answer carries what is new since Last-Event-ID and ends; the browser's
        // EventSource reconnects at once (retry: 100) with the last id it saw, so every record
        // reaches it once and in order, and no answer holds a connection past a long poll.
        uint64_t after =
            number_or(req.header("last-event-id"), number_or(req.query_param("after"), 0));
        auto poll = std::make_shared<LongPoll>();
        poll->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
        poll->attempt = [this, after](const std::shared_ptr<Waker>& waker, bool last,
                                      SteadyTime&) -> std::optional<Response> {
            auto records = log_.after(after, 500, last ? nullptr : waker);
            if (records.empty() && !last) return std::nullopt;
            std::string body = "retry: 100\n\n";
            for (auto& r : records)
                body += "id: " + std::to_string(r["id"].get<uint64_t>()) + "\ndata: " +
                        r.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n\n";
            if (records.empty()) body += ": nothing new\n\n";
            Response res = secured(200, "text/event-stream", std::move(body));
            res.close = true;
            return res;
        };
        Response res;
        res.long_poll = std::move(poll);
        return res;
    }
    uint64_t id = number_or(std::string(rest.substr(1)), 0);
    auto d = log_.detail(id);
    if (d.is_null())
        throw AwsError("NotFound", "No request " + std::to_string(id) + " in the log", 404);
    return json_answer(200, d);
}

Response ConsoleService::error_response(const AwsError& err, const RequestHead&) const {
    return json_answer(err.status(), {{"error", err.code()}, {"message", err.what()}});
}

}  // namespace fogbank
