#include "services/ec2/request_params.hpp"

#include <algorithm>
#include <charconv>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "emulator/protocol/aws_query.hpp"

namespace fogbank::ec2 {

Params request_params(const Request& req) {
    return aws_query::params(req);
}

const std::string& required(const Params& p, const std::string& name) {
    auto it = p.find(name);
    if (it == p.end() || it->second.empty())
        throw AwsError("MissingParameter", "The request must contain the parameter " + name, 400);
    return it->second;
}

bool flag(const Params& p, const std::string& name) {
    auto it = p.find(name);
    return it != p.end() && to_lower(it->second) == "true";
}

long integer(const Params& p, const std::string& name, long lo, long hi, bool needed) {
    auto it = p.find(name);
    if (it == p.end()) {
        if (needed)
            throw AwsError("MissingParameter", "The request must contain the parameter " + name,
                           400);
        return lo;
    }
    long v = 0;
    auto [end, ec] = std::from_chars(it->second.data(), it->second.data() + it->second.size(), v);
    if (ec != std::errc() || end != it->second.data() + it->second.size() || v < lo || v > hi)
        throw AwsError("InvalidParameterValue",
                       "Invalid value '" + it->second + "' for " + name +
                           ": expected an integer "
                           "from " +
                           std::to_string(lo) + " to " + std::to_string(hi),
                       400);
    return v;
}

std::vector<Filter> parse_filters(const Params& p, const std::vector<std::string>& known,
                                  bool tags) {
    std::vector<Filter> out;
    for (auto& s : ec2_query::structures(p, "Filter")) {
        Filter f;
        if (!s.count("Name") || s.at("Name").empty())
            throw AwsError("InvalidParameterValue", "A filter must have a Name", 400);
        f.name = s.at("Name");
        bool tag = tags && f.name.rfind("tag:", 0) == 0 && f.name.size() > 4;
        if (!tag && std::find(known.begin(), known.end(), f.name) == known.end())
            throw AwsError("InvalidParameterValue", "The filter '" + f.name + "' is invalid", 400);
        std::map<long, std::string> values;
        for (auto& [k, v] : s)
            if (k.rfind("Value.", 0) == 0) {
                long n = 0;
                auto [end, ec] = std::from_chars(k.data() + 6, k.data() + k.size(), n);
                if (ec != std::errc() || end != k.data() + k.size() || n < 1 || n > 1000)
                    throw AwsError("InvalidParameterValue", "Invalid filter value index " + k, 400);
                values[n] = v;
            }
        for (auto& [n, v] : values)
            f.values.push_back(v);
        out.push_back(std::move(f));
    }
    return out;
}

bool wildcard_match(std::string_view pat, std::string_view text) {
    // Iterative glob with one backtrack point: linear in practice, never exponential.
    size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
    while (t < text.size()) {
        if (p < pat.size() && pat[p] == '\\' && p + 1 < pat.size() && pat[p + 1] == text[t]) {
            p += 2;
            ++t;
        } else if (p < pat.size() &&
                   (pat[p] == '?' || (pat[p] == text[t] && pat[p] != '*' && pat[p] != '\\'))) {
            ++p;
            ++t;
        } else if (p < pat.size() && pat[p] == '*') {
            star = p++;
            mark = t;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            t = ++mark;
        } else {
            return false;
        }
    }
    while (p < pat.size() && pat[p] == '*')
        ++p;
    return p == pat.size();
}

bool matches(const std::vector<Filter>& filters,
             const std::function<std::vector<std::string>(const std::string&)>& values_of) {
    for (auto& f : filters) {
        auto have = values_of(f.name);
        bool any = false;
        for (auto& want : f.values)
            for (auto& h : have)
                if (wildcard_match(want, h)) any = true;
        if (!any) return false;
    }
    return true;
}

std::vector<std::pair<std::string, std::string>> tags_of(const Params& p,
                                                         const std::string& prefix) {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto& t : ec2_query::structures(p, prefix)) {
        std::string key = t.count("Key") ? t.at("Key") : "";
        if (key.empty()) throw AwsError("InvalidParameterValue", "Tag keys must not be empty", 400);
        if (key.size() > 128)
            throw AwsError("InvalidParameterValue",
                           "Tag key exceeds the maximum length of 128 characters", 400);
        std::string value = t.count("Value") ? t.at("Value") : "";
        if (value.size() > 256)
            throw AwsError("InvalidParameterValue",
                           "Tag value exceeds the maximum length of 256 characters", 400);
        if (key.rfind("aws:", 0) == 0)
            throw AwsError("InvalidParameterValue",
                           "Tag keys starting with 'aws:' are reserved for internal use", 400);
        out.emplace_back(std::move(key), std::move(value));
    }
    return out;
}

Page paging(const Params& p, bool ids_given, long lo, long hi) {
    Page page;
    if (p.count("MaxResults")) {
        if (ids_given)
            throw AwsError("InvalidParameterCombination",
                           "The parameter instancesSet cannot be used with the parameter "
                           "maxResults",
                           400);
        page.max = static_cast<size_t>(integer(p, "MaxResults", lo, hi, false));
    }
    if (auto it = p.find("NextToken"); it != p.end() && !it->second.empty()) {
        size_t n = 0;
        auto [end, ec] =
            std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
        if (ec != std::errc() || end != it->second.data() + it->second.size())
            throw AwsError("InvalidParameterValue", "Invalid value for NextToken", 400);
        page.start = n;
    }
    return page;
}

std::string hash_id(const std::string& name, size_t length) {
    return to_upper(sha256_hex(name)).substr(0, length);
}

nlohmann::json spec_tags(const Params& p, const std::string& resource_type) {
    nlohmann::json tags = nlohmann::json::object();
    for (auto& spec : ec2_query::structures(p, "TagSpecification")) {
        std::string type = spec.count("ResourceType") ? spec.at("ResourceType") : "";
        if (type != resource_type)
            throw AwsError(
                "InvalidParameterValue",
                "'" + type + "' is not a valid taggable resource type for this operation.", 400);
        for (auto& [k, v] : tags_of(spec, "Tag"))
            tags[k] = v;
    }
    if (tags.size() > 50)
        throw AwsError("TagLimitExceeded",
                       "The maximum number of tags (50) for a resource was exceeded", 400);
    return tags;
}

std::vector<std::string> tag_filter_values(const nlohmann::json& tags, const std::string& name) {
    std::vector<std::string> out;
    if (name == "tag-key" || name == "tag-value") {
        for (auto& [k, v] : tags.items())
            out.push_back(name == "tag-key" ? k : v.get<std::string>());
    } else if (name.rfind("tag:", 0) == 0 && tags.contains(name.substr(4))) {
        out.push_back(tags[name.substr(4)]);
    }
    return out;
}

}  // namespace fogbank::ec2
