// HTTP requests as Lambda events and function results as HTTP responses: payload format 2.0
// (function URLs) and 1.0 (API Gateway REST proxy integrations), with their rules for
// base64 bodies, headers, cookies and results that are not a response object.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "emulator/http_message.hpp"
#include "services/lambda/sandboxes.hpp"

namespace fogbank::lambda {

using json = nlohmann::json;

// Whether a body of this Content-Type travels as text (otherwise base64, isBase64Encoded).
bool is_text(std::string_view content_type);

// Where the request came in: the URL id or API id, and the caller's account and region.
struct HttpOrigin {
    std::string api_id;
    std::string account;
    std::string region;
    std::string domain;  // the host name the request used
};

// Payload format 2.0, as function URLs send it. `path` is the request path.
json url_event(const Request& req, const HttpOrigin& origin);
// A function URL's answer: the function's {statusCode, headers, body, cookies,
// isBase64Encoded}, or any other JSON value as a 200 application/json body; a function error
// is a 502.
Response url_response(const InvocationResult& r);

// Payload format 1.0, as API Gateway REST proxy integrations send it.
struct ProxyRoute {
    std::string resource;  // "/items/{id}"
    std::string path;      // "/items/7"
    std::string stage;
    std::string resource_id;
    json path_parameters;  // null or {"id": "7"}
};
json proxy_event(const Request& req, const HttpOrigin& origin, const ProxyRoute& route);
// A proxy integration's answer: statusCode is required; anything else is a 502
// {"message": "Internal server error"}, as API Gateway answers a malformed proxy response.
Response proxy_response(const InvocationResult& r);

}  // namespace fogbank::lambda
