#include "emulator/protocol/rest_json.hpp"

#include "emulator/json_limits.hpp"

#include "emulator/protocol/aws_json.hpp"

namespace fogbank::rest_json {

namespace {

std::string_view trim_slash(std::string_view s) {
    while (s.size() > 1 && s.back() == '/')
        s.remove_suffix(1);
    return s;
}

}  // namespace

bool match(std::string_view pattern, std::string_view path, PathParams& params) {
    pattern = trim_slash(pattern);
    path = trim_slash(path);
    params.clear();
    while (!pattern.empty()) {
        if (path.empty() || path.front() != '/' || pattern.front() != '/') return false;
        pattern.remove_prefix(1);
        path.remove_prefix(1);
        auto pe = pattern.find('/');
        std::string_view label = pattern.substr(0, pe);
        pattern = pe == std::string_view::npos ? std::string_view{} : pattern.substr(pe);
        if (label.size() > 2 && label.front() == '{' && label.back() == '}') {
            std::string_view name = label.substr(1, label.size() - 2);
            if (name.back() == '+') {
                if (path.empty()) return false;
                params.emplace(std::string(name.substr(0, name.size() - 1)), std::string(path));
                return pattern.empty();
            }
            auto se = path.find('/');
            std::string_view segment = path.substr(0, se);
            if (segment.empty()) return false;
            params.emplace(std::string(name), std::string(segment));
            path = se == std::string_view::npos ? std::string_view{} : path.substr(se);
        } else {
            auto se = path.find('/');
            if (path.substr(0, se) != label) return false;
            path = se == std::string_view::npos ? std::string_view{} : path.substr(se);
        }
    }
    return path.empty();
}

nlohmann::json parse(const Request& req, std::string_view bad_body_code) {
    const std::string text = req.body.text();
    if (text.empty()) return nlohmann::json::object();
    return parse_request_json(text, std::string(bad_body_code),
                              "The request body is not a JSON object");
}

Response empty(int status) {
    Response res;
    res.status = status;
    return res;
}

Response response(int status, const nlohmann::json& out) {
    Response res;
    res.status = status;
    res.headers.set("Content-Type", "application/json");
    res.body = out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return res;
}

Response error_response(const AwsError& err, const RequestHead& head) {
    Response res;
    res.status = err.status();
    res.headers.set("Content-Type", "application/json");
    res.headers.set("x-amzn-RequestId", head.request_id);
    res.headers.set("X-Amzn-ErrorType", err.code());
    nlohmann::json body{{"Type", err.status() >= 500 ? "Service" : "User"},
                        {"message", err.what()}};
    aws_json::add_error_fields(body, err);
    res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return res;
}

}  // namespace fogbank::rest_json
