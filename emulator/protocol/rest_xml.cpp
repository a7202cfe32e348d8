#include "emulator/protocol/rest_xml.hpp"

#include "emulator/encoding.hpp"
#include "emulator/protocol/xml_text.hpp"

namespace fogbank::rest_xml {

Document::Document(const char* root_name, bool with_namespace) {
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    root = doc.append_child(root_name);
    if (with_namespace) root.append_attribute("xmlns") = std::string(kS3Namespace).c_str();
}

std::string Document::str() const {
    return xml_text(doc);
}

pugi::xml_node add(pugi::xml_node parent, const char* name, std::string_view text) {
    auto n = parent.append_child(name);
    n.append_child(pugi::node_pcdata).set_value(std::string(text).c_str());
    return n;
}

Response xml_response(const Document& doc, int status) {
    Response res;
    res.status = status;
    res.headers.set("Content-Type", "application/xml");
    res.body = doc.str();
    return res;
}

Response error_response(const AwsError& err, const RequestHead& head) {
    Response res;
    res.status = err.status();
    for (auto& [k, v] : err.headers())
        res.headers.set(k, v);
    if (head.method == http::verb::head) {
        // HEAD responses carry no body; clients read the status alone.
        res.head_length = 0;
        return res;
    }
    Document d("Error", false);
    add(d.root, "Code", err.code());
    add(d.root, "Message", err.what());
    for (auto& [k, v] : err.fields())
        add(d.root, k.c_str(), v);
    add(d.root, "RequestId", head.request_id);
    add(d.root, "HostId", head.request_id);
    res.headers.set("Content-Type", "application/xml");
    res.body = d.str();
    return res;
}

AwsError malformed() {
    return AwsError(
        "MalformedXML",
        "The XML you provided was not well-formed or did not validate against our published schema",
        400);
}

pugi::xml_document parse(std::string_view body) {
    // An XML document is UTF-8 text; pugixml would pass other bytes through to the handlers.
    if (body.size() > kMaxXmlBody || !valid_utf8(body)) throw malformed();
    pugi::xml_document doc;
    // Whitespace-only text that is an element's only child is data (a DeleteObjects <Key> of
    // one space); whitespace between elements is layout and is dropped.
    auto ok =
        doc.load_buffer(body.data(), body.size(),
                        pugi::parse_default | pugi::parse_ws_pcdata_single, pugi::encoding_utf8);
    if (!ok || !doc.document_element()) throw malformed();
    // pugixml parses without recursion; the handlers that walk the tree bound their own loops,
    // but no S3 document nests deeper than a handful of levels, so a deeper one is refused
    // here, walked iteratively.
    const pugi::xml_node root = doc.document_element();
    size_t depth = 0;
    for (pugi::xml_node n = root;;) {
        if (n.first_child()) {
            n = n.first_child();
            if (++depth > kMaxXmlDepth) throw malformed();
            continue;
        }
        while (n != root && !n.next_sibling()) {
            n = n.parent();
            --depth;
        }
        if (n == root) break;
        n = n.next_sibling();
    }
    return doc;
}

std::string child_text(pugi::xml_node node, const char* name) {
    for (auto c : node.children()) {
        std::string_view n = c.name();
        if (auto colon = n.find(':'); colon != std::string_view::npos) n.remove_prefix(colon + 1);
        if (n == name) return c.text().get();
    }
    return {};
}

}  // namespace fogbank::rest_xml
