#include "emulator/protocol/ec2_query.hpp"

#include <algorithm>
#include <cctype>
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

namespace {

// Flat names as a tree; a list's members are keyed "#<zero-padded index>", apart from names.
struct FlatNode {
    std::string text;
    std::map<std::string, FlatNode> members;
};

bool is_index(std::string_view s) {
    return !s.empty() && s.size() <= 8 &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_identifier(std::string_view s) {
    return !s.empty() && std::isalpha(static_cast<unsigned char>(s[0])) &&
           std::all_of(s.begin(), s.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)); });
}

std::vector<std::string_view> segments(std::string_view name) {
    std::vector<std::string_view> out;
    while (out.size() <= kMaxFlatDepth) {
        auto dot = name.find('.');
        out.push_back(name.substr(0, dot));
        if (dot == std::string_view::npos) break;
        name.remove_prefix(dot + 1);
    }
    return out;
}

std::string lower_first(std::string_view s) {
    std::string out(s);
    if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z')
        out[0] = static_cast<char>(out[0] - 'A' + 'a');
    return out;
}

void render(pugi::xml_node parent, const std::string& name, const FlatNode& n, size_t depth) {
    if (depth > kMaxFlatDepth) return;
    bool list = !n.members.empty() && n.members.begin()->first.front() == '#';
    if (list) {
        auto set = add_list(parent, (lower_first(name) + "Set").c_str());
        for (auto& [idx, member] : n.members) {
            if (idx.front() != '#') continue;
            auto it = item(set);
            if (member.members.empty()) it.text().set(member.text.c_str());
            for (auto& [k, v] : member.members)
                if (k.front() != '#') render(it, k, v, depth + 1);
        }
        return;
    }
    auto el = parent.append_child(lower_first(name).c_str());
    if (n.members.empty()) el.text().set(n.text.c_str());
    for (auto& [k, v] : n.members)
        if (k.front() != '#') render(el, k, v, depth + 1);
}

}  // namespace

bool flat_name_ok(std::string_view name) {
    auto segs = segments(name);
    if (segs.size() > kMaxFlatDepth || !is_identifier(segs.front())) return false;
    return std::all_of(segs.begin(), segs.end(),
                       [](std::string_view s) { return is_identifier(s) || is_index(s); });
}

void add_flattened(pugi::xml_node parent, const Params& flat) {
    FlatNode root;
    for (auto& [name, value] : flat) {
        if (!flat_name_ok(name)) continue;
        FlatNode* n = &root;
        for (auto seg : segments(name))
            n = &n->members[is_index(seg)
                                ? "#" + std::string(8 - seg.size(), '0') + std::string(seg)
                                : std::string(seg)];
        n->text = value;
    }
    for (auto& [k, v] : root.members)
        render(parent, k, v, 1);
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
