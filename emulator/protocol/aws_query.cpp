#include "emulator/protocol/aws_query.hpp"

#include "emulator/protocol/xml_text.hpp"

#include "emulator/encoding.hpp"

namespace fogbank::aws_query {

std::map<std::string, std::string> params(const Request& req) {
    std::map<std::string, std::string> out;
    for (auto& [k, v] : req.query)
        out[k] = v;
    // Some hand-rolled clients post the form without saying so; take an untyped body as one.
    auto ct = to_lower(req.header("content-type").value_or(""));
    if (!ct.empty() && ct.rfind("application/x-www-form-urlencoded", 0) != 0) return out;
    bool malformed = false;
    for (auto& [k, v] : parse_form(req.body.text(), &malformed))
        out[k] = v;
    if (malformed)
        throw AwsError("MalformedQueryString", "The form body is not correctly URL-encoded", 400);
    return out;
}

void require_utf8(const std::map<std::string, std::string>& params) {
    for (const auto& [k, v] : params)
        if (!valid_utf8(k) || !valid_utf8(v))
            throw AwsError("MalformedQueryString",
                           "The query string contains bytes that are not UTF-8", 400);
}

pugi::xml_node add(pugi::xml_node parent, const char* name, std::string_view text) {
    auto n = parent.append_child(name);
    n.append_child(pugi::node_pcdata).set_value(std::string(text).c_str());
    return n;
}

ResultDocument::ResultDocument(std::string_view action, std::string_view ns,
                               std::string_view request_id, bool with_result) {
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    auto root = doc.append_child((std::string(action) + "Response").c_str());
    root.append_attribute("xmlns") = std::string(ns).c_str();
    if (with_result) result = root.append_child((std::string(action) + "Result").c_str());
    add(root.append_child("ResponseMetadata"), "RequestId", request_id);
}

Response ResultDocument::response() const {
    Response res;
    res.headers.set("Content-Type", "text/xml");
    res.body = xml_text(doc);
    return res;
}

Response error_response(const AwsError& err, std::string_view code, const RequestHead& head,
                        std::string_view ns) {
    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    auto root = doc.append_child("ErrorResponse");
    root.append_attribute("xmlns") = std::string(ns).c_str();
    auto e = root.append_child("Error");
    add(e, "Type", err.status() >= 500 ? "Receiver" : "Sender");
    add(e, "Code", code);
    add(e, "Message", err.what());
    e.append_child("Detail");
    add(root, "RequestId", head.request_id);
    Response res;
    res.status = err.status();
    res.headers.set("Content-Type", "text/xml");
    res.body = xml_text(doc);
    return res;
}

}  // namespace fogbank::aws_query
