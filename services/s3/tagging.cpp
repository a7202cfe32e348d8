// Object and bucket tag sets: the x-amz-tagging header, the <Tagging> document, and S3's
// limits on both.
#include "emulator/encoding.hpp"
#include "services/s3/handlers.hpp"

namespace fogbank::s3 {

namespace {
using json = nlohmann::json;

AwsError invalid_tag(std::string message) {
    return AwsError("InvalidTag", std::move(message), 400);
}

void add_tag(json& tags, const std::string& key, const std::string& value) {
    if (key.empty() || key.size() > 128)
        throw invalid_tag("The TagKey you have provided is invalid");
    if (value.size() > 256) throw invalid_tag("The TagValue you have provided is invalid");
    if (key.rfind("aws:", 0) == 0) throw invalid_tag("Your TagKey cannot be prefixed with aws:");
    if (tags.contains(key)) throw invalid_tag("Cannot provide multiple Tags with the same key");
    tags[key] = value;
}
}  // namespace

json parse_tagging_header(const std::string& value) {
    json tags = json::object();
    std::string_view rest = value;
    while (!rest.empty()) {
        auto amp = rest.find('&');
        auto pair = rest.substr(0, amp);
        auto eq = pair.find('=');
        auto k = uri_decode(pair.substr(0, eq), true);
        auto v = uri_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1),
                            true);
        if (!k || !v || !valid_utf8(*k) || !valid_utf8(*v))
            throw invalid_argument(
                "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
                "parameters without tag name duplicates.",
                "x-amz-tagging", value);
        if (!k->empty()) add_tag(tags, *k, *v);
        if (amp == std::string_view::npos) break;
        rest.remove_prefix(amp + 1);
    }
    if (tags.size() > 10) throw invalid_tag("Object tags cannot be greater than 10");
    return tags;
}

json parse_tagging_xml(const std::string& body, bool object_tags) {
    auto doc = rest_xml::parse(body);
    auto root = doc.document_element();
    if (std::string_view(root.name()) != "Tagging") throw rest_xml::malformed();
    json tags = json::object();
    pugi::xml_node set;
    for (auto c : root.children())
        if (std::string_view(c.name()) == "TagSet") set = c;
    if (!set) throw rest_xml::malformed();
    for (auto tag : set.children()) {
        if (std::string_view(tag.name()) != "Tag") continue;
        if (!tag.child("Key")) throw rest_xml::malformed();
        add_tag(tags, rest_xml::child_text(tag, "Key"), rest_xml::child_text(tag, "Value"));
    }
    if (object_tags && tags.size() > 10) throw invalid_tag("Object tags cannot be greater than 10");
    if (!object_tags && tags.size() > 50)
        throw invalid_tag("Bucket tag count cannot be greater than 50");
    return tags;
}

Response tagging_response(const json& tags) {
    rest_xml::Document d("Tagging");
    auto set = d.root.append_child("TagSet");
    for (auto& [k, v] : tags.items()) {
        auto t = set.append_child("Tag");
        rest_xml::add(t, "Key", k);
        rest_xml::add(t, "Value", v.get<std::string>());
    }
    return rest_xml::xml_response(d);
}

}  // namespace fogbank::s3
