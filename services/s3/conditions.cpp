#include "services/s3/conditions.hpp"

#include <cctype>

namespace fogbank::s3 {

namespace {
std::optional<uint64_t> parse_u64(std::string_view s) {
    if (s.empty() || s.size() > 19) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    return v;
}

std::string_view unquote(std::string_view s) {
    s = trim(s);
    if (s.substr(0, 2) == "W/") s.remove_prefix(2);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return s;
}

TimePoint whole_seconds(TimePoint t) {
    return std::chrono::time_point_cast<std::chrono::seconds>(t);
}
}  // namespace

RangeDecision decide_range(std::string_view header, uint64_t size) {
    RangeDecision d;
    header = trim(header);
    constexpr std::string_view unit = "bytes=";
    if (header.substr(0, unit.size()) != unit) return d;
    std::string_view spec = trim(header.substr(unit.size()));
    if (spec.find(',') != std::string_view::npos) return d;
    auto dash = spec.find('-');
    if (dash == std::string_view::npos) return d;
    auto first_s = trim(spec.substr(0, dash));
    auto last_s = trim(spec.substr(dash + 1));
    if (first_s.empty()) {
        auto n = parse_u64(last_s);
        if (!n) return d;
        if (*n == 0 || size == 0) {
            d.status = RangeStatus::unsatisfiable;
            return d;
        }
        d.status = RangeStatus::partial;
        d.range = {size > *n ? size - *n : 0, size - 1};
        return d;
    }
    auto first = parse_u64(first_s);
    if (!first) return d;
    std::optional<uint64_t> last;
    if (!last_s.empty()) {
        last = parse_u64(last_s);
        if (!last || *last < *first) return d;
    }
    if (*first >= size) {
        d.status = RangeStatus::unsatisfiable;
        return d;
    }
    d.status = RangeStatus::partial;
    d.range = {*first, last ? std::min(*last, size - 1) : size - 1};
    return d;
}

Preconditions read_preconditions(const RequestHead& head, std::string_view prefix) {
    // Looked up on every GET: no name is built when there is no prefix.
    auto named = [&](std::string_view name) {
        if (prefix.empty()) return head.header_view(name);
        std::string full(prefix);
        full += name;
        return head.header_view(full);
    };
    Preconditions c;
    if (auto v = named("if-match")) c.if_match = std::string(*v);
    if (auto v = named("if-none-match")) c.if_none_match = std::string(*v);
    if (auto v = named("if-modified-since")) c.if_modified_since = parse_http_date(*v);
    if (auto v = named("if-unmodified-since")) c.if_unmodified_since = parse_http_date(*v);
    return c;
}

bool etag_list_matches(std::string_view list, std::string_view etag) {
    while (!list.empty()) {
        auto comma = list.find(',');
        auto item = unquote(list.substr(0, comma));
        if (item == "*" || item == unquote(etag)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

Outcome evaluate(const Preconditions& p, std::string_view etag, TimePoint last_modified,
                 TimePoint now) {
    auto lm = whole_seconds(last_modified);
    if (p.if_match) {
        if (!etag_list_matches(*p.if_match, etag)) return Outcome::failed;
    } else if (p.if_unmodified_since && lm > *p.if_unmodified_since) {
        return Outcome::failed;
    }
    if (p.if_none_match) {
        if (etag_list_matches(*p.if_none_match, etag)) return Outcome::not_modified;
    } else if (p.if_modified_since && *p.if_modified_since <= now && lm <= *p.if_modified_since) {
        return Outcome::not_modified;
    }
    return Outcome::proceed;
}

}  // namespace fogbank::s3
