#include "emulator/event_pattern.hpp"

#include <algorithm>
#include <cctype>

#include "emulator/json_limits.hpp"

namespace fogbank {

namespace {

using json = nlohmann::json;

constexpr size_t kMaxPatternSize = 4096;
constexpr size_t kMaxPatternDepth = 16;

bool valid_numeric(const json& spec) {
    // [op, n] or [op, n, op, n] with a lower bound then an upper one.
    if (!spec.is_array() || (spec.size() != 2 && spec.size() != 4)) return false;
    for (size_t i = 0; i < spec.size(); i += 2) {
        if (!spec[i].is_string() || !spec[i + 1].is_number()) return false;
        auto op = spec[i].get<std::string>();
        if (op != "=" && op != "<" && op != "<=" && op != ">" && op != ">=") return false;
    }
    return true;
}

bool valid_matcher(const json& m) {
    if (!m.is_object()) return m.is_primitive();
    if (m.size() != 1) return false;
    // Through the iterator: a structured binding of *items().begin() would outlive its proxy.
    auto it = m.begin();
    const std::string& name = it.key();
    const json& v = it.value();
    if (name == "prefix" || name == "suffix" || name == "equals-ignore-case") return v.is_string();
    if (name == "exists") return v.is_boolean();
    if (name == "numeric") return valid_numeric(v);
    if (name == "anything-but") {
        if (v.is_primitive()) return true;
        if (v.is_array())
            return !v.empty() &&
                   std::all_of(v.begin(), v.end(), [](const json& x) { return x.is_primitive(); });
        return v.is_object() && v.size() == 1 && v.contains("prefix") && v["prefix"].is_string();
    }
    return false;
}

bool valid_pattern(const json& p) {
    if (!p.is_object() || p.empty()) return false;
    for (auto& [key, v] : p.items()) {
        if (v.is_object()) {
            if (!valid_pattern(v)) return false;
        } else if (v.is_array()) {
            if (v.empty() || !std::all_of(v.begin(), v.end(), valid_matcher)) return false;
        } else {
            return false;
        }
    }
    return true;
}

bool iequal(const std::string& a, const std::string& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

bool same_value(const json& m, const json& v) {
    if (m.is_number() && v.is_number()) return m.get<double>() == v.get<double>();
    return m == v;
}

bool numeric_holds(const json& spec, double x) {
    for (size_t i = 0; i < spec.size(); i += 2) {
        auto op = spec[i].get<std::string>();
        double n = spec[i + 1].get<double>();
        bool ok = op == "="    ? x == n
                  : op == "<"  ? x < n
                  : op == "<=" ? x <= n
                  : op == ">"  ? x > n
                               : x >= n;
        if (!ok) return false;
    }
    return true;
}

// One matcher against one (non-array) value of the event.
bool matcher_holds(const json& m, const json& v) {
    if (!m.is_object()) return same_value(m, v);
    auto it = m.begin();
    const std::string& name = it.key();
    const json& spec = it.value();
    if (name == "prefix")
        return v.is_string() &&
               v.get_ref<const std::string&>().rfind(spec.get<std::string>(), 0) == 0;
    if (name == "suffix") {
        if (!v.is_string()) return false;
        const auto& s = v.get_ref<const std::string&>();
        const auto& suf = spec.get_ref<const std::string&>();
        return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
    }
    if (name == "equals-ignore-case")
        return v.is_string() && iequal(v.get<std::string>(), spec.get<std::string>());
    if (name == "numeric") return v.is_number() && numeric_holds(spec, v.get<double>());
    if (name == "anything-but") {
        if (spec.is_object())
            return !(v.is_string() && v.get_ref<const std::string&>().rfind(
                                          spec["prefix"].get<std::string>(), 0) == 0);
        if (spec.is_array())
            return std::none_of(spec.begin(), spec.end(),
                                [&](const json& x) { return same_value(x, v); });
        return !same_value(spec, v);
    }
    return false;  // exists is decided by the caller
}

bool field_matches(const json& matchers, const json* value) {
    for (auto& m : matchers) {
        if (m.is_object() && m.contains("exists")) {
            if (m["exists"].get<bool>() == (value != nullptr)) return true;
            continue;
        }
        if (!value) continue;
        if (value->is_array()) {
            for (auto& element : *value)
                if (matcher_holds(m, element)) return true;
        } else if (matcher_holds(m, *value)) {
            return true;
        }
    }
    return false;
}

bool pattern_matches(const json& pattern, const json& event) {
    for (auto& [key, expected] : pattern.items()) {
        const json* value = nullptr;
        if (event.is_object())
            if (auto it = event.find(key); it != event.end()) value = &*it;
        if (expected.is_object()) {
            if (!value || !pattern_matches(expected, *value)) return false;
        } else if (!field_matches(expected, value)) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::optional<EventPattern> EventPattern::parse(std::string_view text) {
    if (text.size() > kMaxPatternSize) return std::nullopt;
    json p = parse_json(text, kMaxPatternDepth);
    if (p.is_discarded() || !valid_pattern(p)) return std::nullopt;
    return EventPattern(std::move(p));
}

bool EventPattern::matches(const json& event) const {
    return pattern_matches(pattern_, event);
}

}  // namespace fogbank
