#include "emulator/admin.hpp"

#include <nlohmann/json.hpp>

#include "emulator/encoding.hpp"

namespace fogbank {

namespace {
Response json_response(int status, const nlohmann::json& body) {
    Response res;
    res.status = status;
    res.headers.set("Content-Type", "application/json");
    res.body = body.dump();
    return res;
}
}  // namespace

Response AdminService::handle(Request& req) {
    if (req.path == "/_fogbank/health" &&
        (req.method == http::verb::get || req.method == http::verb::head)) {
        req.operation = "Health";
        nlohmann::json services = nlohmann::json::object();
        nlohmann::json details = nlohmann::json::object();
        for (auto* s : router_.services()) {
            if (s->name() == "admin" || s->name().rfind("unknown-", 0) == 0) continue;
            services[std::string(s->name())] = std::string(s->status());
            if (auto more = s->health(); !more.is_null()) details[std::string(s->name())] = more;
        }
        nlohmann::json body{{"status", "ok"}, {"version", FOGBANK_VERSION}, {"services", services}};
        if (!details.empty()) body["details"] = details;
        return json_response(200, body);
    }
    if (req.path == "/_fogbank/reset" && req.method == http::verb::post) {
        req.operation = "Reset";
        reset_clock();
        nlohmann::json wiped = nlohmann::json::array();
        for (auto* s : router_.services()) {
            s->reset();
            if (s->status() == "running" && s->name() != "admin")
                wiped.push_back(std::string(s->name()));
        }
        return json_response(200, {{"reset", wiped}});
    }
    if (req.path == "/_fogbank/clock") {
        req.operation = "Clock";
        if (req.method == http::verb::post) {
            auto body = nlohmann::json::parse(req.body.text(), nullptr, false);
            if (body.is_discarded() || !body.is_object() || !body.contains("advance_seconds") ||
                !body["advance_seconds"].is_number() || body["advance_seconds"].get<double>() < 0)
                throw AwsError("InvalidRequest",
                               "Expected {\"advance_seconds\": N} with N >= 0 (time only moves "
                               "forward)",
                               400);
            advance_clock(std::chrono::milliseconds(
                static_cast<int64_t>(body["advance_seconds"].get<double>() * 1000)));
        } else if (req.method != http::verb::get) {
            throw AwsError("MethodNotAllowed", "GET or POST /_fogbank/clock", 405);
        }
        return json_response(200, {{"now", format_iso8601_ms(now_ms())},
                                   {"offset_seconds", clock_offset().count() / 1000.0}});
    }
    throw AwsError("NotFound", "No fogbank admin endpoint " + req.method_name + " " + req.path,
                   404);
}

Response AdminService::error_response(const AwsError& err, const RequestHead&) const {
    return json_response(err.status(), {{"error", err.code()}, {"message", err.what()}});
}

}  // namespace fogbank
