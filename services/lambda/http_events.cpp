#include "services/lambda/http_events.hpp"

#include <map>
#include <vector>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "emulator/json_limits.hpp"

namespace fogbank::lambda {

namespace {

std::string body_of(const Request& req, bool& base64) {
    std::string body = req.body.text();
    base64 = !body.empty() && !is_text(req.header("content-type").value_or(""));
    return base64 ? base64_encode(body) : body;
}

// "22/Nov/2026:17:40:00 +0000"
std::string clf_time() {
    auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[40];
    std::strftime(buf, sizeof buf, "%d/%b/%Y:%H:%M:%S +0000", &tm);
    return buf;
}

int64_t epoch_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

Response json_message(int status, const std::string& key, const std::string& message) {
    Response res;
    res.status = status;
    res.headers.set("Content-Type", "application/json");
    res.body = json{{key, message}}.dump();
    return res;
}

// Applies a {statusCode, headers, multiValueHeaders, body, isBase64Encoded, cookies} object.
Response from_object(const json& out) {
    Response res;
    res.status = out["statusCode"].is_number_integer() ? out["statusCode"].get<int>() : 200;
    if (out.contains("headers") && out["headers"].is_object())
        for (auto& [k, v] : out["headers"].items())
            res.headers.set(k, v.is_string() ? v.get<std::string>() : v.dump());
    if (out.contains("multiValueHeaders") && out["multiValueHeaders"].is_object())
        for (auto& [k, vs] : out["multiValueHeaders"].items())
            if (vs.is_array())
                for (auto& v : vs)
                    res.headers.insert(k, v.is_string() ? v.get<std::string>() : v.dump());
    if (out.contains("cookies") && out["cookies"].is_array())
        for (auto& c : out["cookies"])
            if (c.is_string()) res.headers.insert("Set-Cookie", c.get<std::string>());
    if (out.contains("body") && !out["body"].is_null()) {
        std::string body =
            out["body"].is_string() ? out["body"].get<std::string>() : out["body"].dump();
        if (out.value("isBase64Encoded", false)) {
            auto decoded = base64_decode(body);
            if (!decoded) return json_message(502, "message", "Internal server error");
            body = *decoded;
        }
        res.body = std::move(body);
    }
    if (!res.headers.count(http::field::content_type))
        res.headers.set("Content-Type", "application/json");
    return res;
}

json headers_of(const Request& req, json* multi) {
    json single = json::object();
    for (auto& f : req.headers) {
        std::string name = to_lower(f.name_string());
        std::string value(f.value());
        if (single.contains(name))
            single[name] = single[name].get<std::string>() + "," + value;
        else
            single[name] = value;
        if (multi) (*multi)[name].push_back(value);
    }
    return single;
}

}  // namespace

bool is_text(std::string_view content_type) {
    std::string ct = to_lower(content_type);
    if (ct.empty()) return true;
    for (const char* t : {"text/", "application/json", "application/javascript", "application/xml",
                          "application/x-www-form-urlencoded", "+json", "+xml", "application/yaml"})
        if (ct.find(t) != std::string::npos) return true;
    return false;
}

json url_event(const Request& req, const HttpOrigin& origin) {
    json headers = headers_of(req, nullptr);
    json cookies = json::array();
    if (headers.contains("cookie")) {
        std::string all = headers["cookie"];
        headers.erase("cookie");
        size_t start = 0;
        while (start < all.size()) {
            auto end = all.find(';', start);
            std::string c = all.substr(start, end == std::string::npos ? end : end - start);
            while (!c.empty() && c.front() == ' ')
                c.erase(0, 1);
            if (!c.empty()) cookies.push_back(c);
            if (end == std::string::npos) break;
            start = end + 1;
        }
    }
    json query = json::object();
    for (auto& [k, v] : req.query)
        query[k] = query.contains(k) ? query[k].get<std::string>() + "," + v : v;
    bool base64 = false;
    std::string body = body_of(req, base64);
    std::string request_id = req.request_id;
    json event = {{"version", "2.0"},
                  {"routeKey", "$default"},
                  {"rawPath", req.raw_path},
                  {"rawQueryString", req.raw_query},
                  {"headers", headers},
                  {"requestContext",
                   {{"accountId", "anonymous"},
                    {"apiId", origin.api_id},
                    {"domainName", origin.domain},
                    {"domainPrefix", origin.api_id},
                    {"http",
                     {{"method", req.method_name},
                      {"path", req.path},
                      {"protocol", "HTTP/1.1"},
                      {"sourceIp", "127.0.0.1"},
                      {"userAgent", req.header("user-agent").value_or("")}}},
                    {"requestId", request_id},
                    {"routeKey", "$default"},
                    {"stage", "$default"},
                    {"time", clf_time()},
                    {"timeEpoch", epoch_ms()}}},
                  {"isBase64Encoded", base64}};
    if (!cookies.empty()) event["cookies"] = cookies;
    if (!query.empty()) event["queryStringParameters"] = query;
    if (!body.empty()) event["body"] = body;
    return event;
}

Response url_response(const InvocationResult& r) {
    if (!r.function_error.empty()) return json_message(502, "Message", "Internal Server Error");
    auto out = fogbank::parse_json(r.payload);
    if (out.is_discarded()) return json_message(502, "Message", "Internal Server Error");
    // A result without statusCode is the body itself.
    if (!out.is_object() || !out.contains("statusCode")) {
        Response res;
        res.headers.set("Content-Type", "application/json");
        res.body = out.is_string() ? out.get<std::string>() : out.dump();
        return res;
    }
    return from_object(out);
}

json proxy_event(const Request& req, const HttpOrigin& origin, const ProxyRoute& route) {
    json multi = json::object();
    json headers = headers_of(req, &multi);
    json query = nullptr, multi_query = nullptr;
    for (auto& [k, v] : req.query) {
        if (query.is_null()) {
            query = json::object();
            multi_query = json::object();
        }
        query[k] = v;  // the last value wins, as API Gateway sends it
        multi_query[k].push_back(v);
    }
    bool base64 = false;
    std::string body = body_of(req, base64);
    return {{"resource", route.resource},
            {"path", route.path},
            {"httpMethod", req.method_name},
            {"headers", headers},
            {"multiValueHeaders", multi},
            {"queryStringParameters", query},
            {"multiValueQueryStringParameters", multi_query},
            {"pathParameters", route.path_parameters},
            {"stageVariables", nullptr},
            {"requestContext",
             {{"resourceId", route.resource_id},
              {"resourcePath", route.resource},
              {"httpMethod", req.method_name},
              {"extendedRequestId", req.request_id},
              {"requestTime", clf_time()},
              {"path", "/" + route.stage + route.path},
              {"accountId", origin.account},
              {"protocol", "HTTP/1.1"},
              {"stage", route.stage},
              {"domainPrefix", origin.api_id},
              {"requestTimeEpoch", epoch_ms()},
              {"requestId", random_uuid()},
              {"identity",
               {{"sourceIp", "127.0.0.1"}, {"userAgent", req.header("user-agent").value_or("")}}},
              {"domainName", origin.domain},
              {"apiId", origin.api_id}}},
            {"body", body.empty() ? json(nullptr) : json(body)},
            {"isBase64Encoded", base64}};
}

Response proxy_response(const InvocationResult& r) {
    if (!r.function_error.empty()) return json_message(502, "message", "Internal server error");
    auto out = fogbank::parse_json(r.payload);
    if (out.is_discarded() || !out.is_object() || !out.contains("statusCode") ||
        !out["statusCode"].is_number_integer())
        return json_message(502, "message", "Internal server error");
    return from_object(out);
}

}  // namespace fogbank::lambda
