// The REST-JSON protocol (Lambda, API Gateway): the operation is the method and a path
// template, members come from path segments, the query, headers and a JSON body; errors carry
// their code in X-Amzn-ErrorType and a JSON body with the message.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/aws_error.hpp"
#include "emulator/http_message.hpp"

namespace fogbank::rest_json {

using PathParams = std::map<std::string, std::string, std::less<>>;

// Matches "/2015-03-31/functions/{FunctionName}/invocations" against a decoded path; a trailing
// slash on either side is ignored. A {Name+} label takes the rest of the path.
bool match(std::string_view pattern, std::string_view path, PathParams& params);

// An operation table entry: method and path template to a handler.
template <typename Handler>
struct Route {
    http::verb method;
    const char* pattern;
    const char* operation;
    Handler handler;
};

// The route a request takes, with its path members; nullptr when none matches.
template <typename Handler>
const Route<Handler>* find_route(const std::vector<Route<Handler>>& routes, const RequestHead& head,
                                 PathParams& params) {
    for (auto& r : routes)
        if (r.method == head.method && match(r.pattern, head.path, params)) return &r;
    return nullptr;
}

// A response with a status and no body (204 No Content, 202 Accepted).
Response empty(int status);

// The body as a JSON object (empty: {}). Anything else is `bad_body_code` (400).
nlohmann::json parse(const Request& req, std::string_view bad_body_code = "SerializationException");

Response response(int status, const nlohmann::json& out);

// {"Type": "User"|"Service", "message": ...} plus the error's fields; X-Amzn-ErrorType: code.
Response error_response(const AwsError& err, const RequestHead& head);

}  // namespace fogbank::rest_json
