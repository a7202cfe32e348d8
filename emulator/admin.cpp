#include "emulator/admin.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iterator>

#include "emulator/console.hpp"
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
        if (hooks_ && !hooks_->empty()) {
            body["init"] = hooks_->describe();
            body["init"]["failed"] = hooks_->failed();
        }
        return json_response(200, body);
    }
    if (req.path.rfind("/_localstack/", 0) == 0) return localstack(req);
    // A page on another site must not reset fogbank or move its clock from a browser tab.
    if (req.method != http::verb::get && req.method != http::verb::head &&
        ConsoleService::cross_origin(req))
        throw AwsError("Forbidden", "Cross-origin requests may not change fogbank's state", 403);
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

Response AdminService::localstack(Request& req) {
    if (req.method != http::verb::get && req.method != http::verb::head)
        throw AwsError("MethodNotAllowed", "GET " + req.path, 405);
    if (req.path == "/_localstack/health") {
        req.operation = "Health";
        // LocalStack's shape: the AWS services only, each "running".
        static const char* const internal[] = {"admin",       "console",        "ec2-metadata",
                                               "execute-api", "lambda-runtime", "lambda-url"};
        nlohmann::json services = nlohmann::json::object();
        for (auto* s : router_.services()) {
            std::string_view name = s->name();
            if (name.rfind("unknown-", 0) == 0 ||
                std::find(std::begin(internal), std::end(internal), name) != std::end(internal))
                continue;
            services[std::string(name)] = std::string(s->status());
        }
        return json_response(
            200, {{"services", services}, {"edition", "fogbank"}, {"version", FOGBANK_VERSION}});
    }
    if (req.path == "/_localstack/init" || req.path.rfind("/_localstack/init/", 0) == 0) {
        req.operation = "Init";
        InitHooks empty({}, {}, std::chrono::milliseconds(0));
        const InitHooks& hooks = hooks_ ? *hooks_ : empty;
        if (req.path == "/_localstack/init") return json_response(200, hooks.describe());
        std::string stage = to_lower(req.path.substr(std::string("/_localstack/init/").size()));
        InitHooks::Stage s;
        if (!InitHooks::parse_stage(stage, s))
            throw AwsError("NotFound", "No init stage " + stage, 404);
        return json_response(200, hooks.describe(s));
    }
    throw AwsError("NotFound", "No endpoint " + req.method_name + " " + req.path, 404);
}

Response AdminService::error_response(const AwsError& err, const RequestHead&) const {
    return json_response(err.status(), {{"error", err.code()}, {"message", err.what()}});
}

}  // namespace fogbank
