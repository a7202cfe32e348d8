// Reading an EC2 request's parameters: required and typed values, filters (Filter.N.Name with
// Filter.N.Value.M, values with EC2's * and ? wildcards), tags (Tag.N.Key/Value), and paging.
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "emulator/http_message.hpp"
#include "emulator/protocol/ec2_query.hpp"

namespace fogbank::ec2 {

using Params = ec2_query::Params;

// The URL query and a form body (the body wins), as the query protocols read them.
Params request_params(const Request& req);
// MissingParameter when absent or empty.
const std::string& required(const Params& p, const std::string& name);
bool flag(const Params& p, const std::string& name);
// InvalidParameterValue outside [lo, hi]; MissingParameter when required and absent.
long integer(const Params& p, const std::string& name, long lo, long hi, bool needed);

struct Filter {
    std::string name;
    std::vector<std::string> values;
};
// Filter.N.* of the request; a name outside `known` (or tag:<key> when `tags` is set) is
// InvalidParameterValue, whether or not any resource would be looked at.
std::vector<Filter> parse_filters(const Params& p, const std::vector<std::string>& known,
                                  bool tags = false);
// Every filter has a value that one of the resource's values matches (EC2's AND of ORs).
bool matches(const std::vector<Filter>& filters,
             const std::function<std::vector<std::string>(const std::string&)>& values_of);
// EC2's filter wildcards: * any run, ? one character, \ escapes.
bool wildcard_match(std::string_view pattern, std::string_view text);

// Tag.N.Key / Tag.N.Value under `prefix` of a structure (or the whole request).
std::vector<std::pair<std::string, std::string>> tags_of(const Params& p,
                                                         const std::string& prefix);

// The tags of TagSpecification.N whose ResourceType is `resource_type`, as {key: value}; a
// specification for any other type is InvalidParameterValue (the operation makes one kind).
nlohmann::json spec_tags(const Params& p, const std::string& resource_type);
// A resource's values for the tag filters: tag:<key>, tag-key and tag-value.
std::vector<std::string> tag_filter_values(const nlohmann::json& tags, const std::string& name);

struct Page {
    size_t start = 0;
    size_t max = 0;  // 0: all
    // One past the last of `total` items this page shows (the next page's token).
    size_t end(size_t total) const { return max ? std::min(total, start + max) : total; }
};
// MaxResults/NextToken; MaxResults cannot be combined with named ids.
Page paging(const Params& p, bool ids_given, long lo, long hi);

// A stable id suffix from a name (upper-case hex-like), for ids EC2 derives.
std::string hash_id(const std::string& name, size_t length);

}  // namespace fogbank::ec2
