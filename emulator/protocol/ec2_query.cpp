#include "emulator/protocol/ec2_query.hpp"

#include <charconv>

#include "emulator/protocol/xml_text.hpp"

namespace fogbank::ec2_query {

namespace {

// EC2 accepts at most 1000 values in a list parameter (InstanceId.N, Filter.N.Value.M).
constexpr long kMaxIndex = 1000;

// The N of `prefix.N` or `prefix.N.rest`, or -1 when `key` is not one; `rest` gets what
// follows `prefix.N.` (empty for `prefix.N`).
long index_of(std::string_view key, std::string_view prefix, std::string_view* rest) {
    if (key.size() <= prefix.size() + 1 || key.substr(0, prefix.size()) != prefix ||
        key[prefix.size()] != '.')
        return -1;
    std::string_view tail = key.substr(prefix.size() + 1);
    size_t dot = tail.find('.');
    std::string_view digits = tail.substr(0, dot);
    long n = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || end != digits.data() + digits.size())
        return -1;  // `prefix.Something`: another parameter that shares the prefix
    if (n < 1 || n > kMaxIndex)
        throw AwsError("InvalidParameterValue",
                       "The parameter " + std::string(key) + " has an index out of range", 400);
    *rest = dot == std::string_view::npos ? std::string_view() : tail.substr(dot + 1);
    return n;
}

}  // namespace

std::vector<std::string> list(const Params& params, std::string_view prefix) {
    std::map<long, std::string> by_index;
    for (auto it = params.lower_bound(std::string(prefix)); it != params.end(); ++it) {
        if (it->first.compare(0, prefix.size(), prefix) != 0) break;
        std::string_view rest;
        long n = index_of(it->first, prefix, &rest);
        if (n > 0 && rest.empty()) by_index[n] = it->second;
    }
    std::vector<std::string> out;
    for (auto& [n, v] : by_index)
        out.push_back(v);
    return out;
}

std::vector<Params> structures(const Params& params, std::string_view prefix) {
    std::map<long, Params> by_index;
    for (auto it = params.lower_bound(std::string(prefix)); it != params.end(); ++it) {
        if (it->first.compare(0, prefix.size(), prefix) != 0) break;
        std::string_view rest;
        long n = index_of(it->first, prefix, &rest);
        if (n > 0 && !rest.empty()) by_index[n][std::string(rest)] = it->second;
    }
    std::vector<Params> out;
    for (auto& [n, p] : by_index)
        out.push_back(std::move(p));
    return out;
}

pugi::xml_node add(pugi::xml_node parent, const char* name, std::string_view text) {
    auto n = parent.append_child(name);
    n.append_child(pugi::node_pcdata).set_value(std::string(text).c_str());
    return n;
}

pugi::xml_node add_struct(pugi::xml_node parent, const char* name,
                          std::initializer_list<std::pair<const char*, std::string>> members) {
    auto n = parent.append_child(name);
    for (const auto& [k, v] : members)
        add(n, k, v);
    return n;
}

pugi::xml_node add_list(pugi::xml_node parent, const char* name) {
    return parent.append_child(name);
}

pugi::xml_node item(pugi::xml_node list) {
    return list.append_child("item");
}

ResultDocument::ResultDocument(std::string_view action, std::string_view request_id) {
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    root = doc.append_child((std::string(action) + "Response").c_str());
    root.append_attribute("xmlns") = std::string(kNamespace).c_str();
    add(root, "requestId", request_id);
}

Response ResultDocument::response() const {
    Response res;
    res.headers.set("Content-Type", "text/xml;charset=UTF-8");
    res.body = xml_text(doc);
    return res;
}

Response error_response(const AwsError& err, const RequestHead& head) {
    pugi::xml_document doc;
    auto decl = doc.append_child(pugi::node_declaration);
    decl.append_attribute("version") = "1.0";
    decl.append_attribute("encoding") = "UTF-8";
    auto root = doc.append_child("Response");
    auto e = root.append_child("Errors").append_child("Error");
    add(e, "Code", err.code());
    add(e, "Message", err.what());
    add(root, "RequestID", head.request_id);
    Response res;
    res.status = err.status();
    res.headers.set("Content-Type", "text/xml;charset=UTF-8");
    res.body = xml_text(doc);
    return res;
}

}  // namespace fogbank::ec2_query
