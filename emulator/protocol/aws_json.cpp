#include "emulator/protocol/aws_json.hpp"

#include "emulator/json_limits.hpp"
#include "emulator/json_writer.hpp"

namespace fogbank::aws_json {

std::string operation(const RequestHead& head) {
    auto target = head.header_view("x-amz-target").value_or("");
    auto dot = target.rfind('.');
    return dot == std::string_view::npos ? std::string() : std::string(target.substr(dot + 1));
}

nlohmann::json parse(const Request& req) {
    // A body in memory is read where it lies; only a spooled one is read in.
    std::string spooled;
    if (req.body.spooled()) spooled = req.body.text();
    std::string_view text = req.body.spooled() ? std::string_view(spooled) : req.body.memory();
    if (text.empty()) return nlohmann::json::object();
    return parse_request_json(text, "SerializationException",
                              "Start of structure or map found where not expected");
}

Response response(const nlohmann::json& out, std::string_view content_type) {
    Response res;
    res.headers.set("Content-Type", content_type);
    // Invalid UTF-8 cannot reach here from a JSON client, but a query-protocol client may have
    // stored it; replace rather than throw while writing a response.
    res.body = json_text(out, JsonErrorHandler::replace);
    return res;
}

void add_error_fields(nlohmann::json& body, const AwsError& err) {
    for (auto& [k, v] : err.fields())
        body[k] = v;
    for (auto& [k, v] : err.json_fields())
        body[k] = nlohmann::json::parse(v, nullptr, false);  // our own text
}

Response error_response(const AwsError& err, const RequestHead& head, std::string_view ns,
                        std::string_view content_type) {
    Response res;
    res.status = err.status();
    res.headers.set("Content-Type", content_type);
    res.headers.set("x-amzn-RequestId", head.request_id);
    // Without a namespace the code stands alone (Rekognition: "InvalidParameterException").
    std::string type = ns.empty() || err.code().find('#') != std::string::npos
                           ? err.code()
                           : std::string(ns) + "#" + err.code();
    nlohmann::json body{{"__type", type}, {"message", err.what()}};
    add_error_fields(body, err);
    res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return res;
}

}  // namespace fogbank::aws_json
