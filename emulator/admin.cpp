#include "emulator/admin.hpp"

#include <nlohmann/json.hpp>

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
        for (auto* s : router_.services()) {
            if (s->name() == "admin" || s->name().rfind("unknown-", 0) == 0) continue;
            services[std::string(s->name())] = std::string(s->status());
        }
        return json_response(
            200, {{"status", "ok"}, {"version", FOGBANK_VERSION}, {"services", services}});
    }
    if (req.path == "/_fogbank/reset" && req.method == http::verb::post) {
        req.operation = "Reset";
        nlohmann::json wiped = nlohmann::json::array();
        for (auto* s : router_.services()) {
            s->reset();
            if (s->status() == "running" && s->name() != "admin")
                wiped.push_back(std::string(s->name()));
        }
        return json_response(200, {{"reset", wiped}});
    }
    throw AwsError("NotFound", "No fogbank admin endpoint " + req.method_name + " " + req.path,
                   404);
}

Response AdminService::error_response(const AwsError& err, const RequestHead&) const {
    return json_response(err.status(), {{"error", err.code()}, {"message", err.what()}});
}

}  // namespace fogbank
