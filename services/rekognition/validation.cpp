#include "services/rekognition/validation.hpp"

#include <cmath>
#include <regex>

namespace fogbank::rekognition {

namespace {

std::string shown(const nlohmann::json& v) {
    return v.is_string() ? v.get<std::string>() : v.dump();
}

AwsError constraint(const nlohmann::json& v, const char* name, const std::string& what) {
    return validation_error("1 validation error detected: Value '" + shown(v) + "' at '" +
                            wire_name(name) + "' failed to satisfy constraint: " + what);
}

}  // namespace

AwsError validation_error(const std::string& message) {
    return AwsError("ValidationException", message, 400);
}

AwsError missing_member(const char* name) {
    return validation_error("1 validation error detected: Value null at '" + wire_name(name) +
                            "' failed to satisfy constraint: Member must not be null");
}

AwsError invalid_parameter(const std::string& message) {
    return AwsError("InvalidParameterException", message, 400);
}

std::string wire_name(const char* name) {
    std::string out(name);
    if (!out.empty()) out[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(out[0])));
    return out;
}

std::optional<std::string> string_member(const nlohmann::json& in, const char* name,
                                         const char* pattern, size_t max_len, bool required) {
    auto it = in.find(name);
    if (it == in.end() || it->is_null()) {
        if (required) throw missing_member(name);
        return std::nullopt;
    }
    if (!it->is_string())
        throw AwsError("SerializationException",
                       std::string("Unexpected value type for ") + name + ": expected a string",
                       400);
    std::string v = it->get<std::string>();
    if (v.empty() || v.size() > max_len)
        throw constraint(*it, name,
                         "Member must have length less than or equal to " +
                             std::to_string(max_len) + " and greater than or equal to 1");
    if (pattern && !std::regex_match(v, std::regex(pattern)))
        throw constraint(*it, name,
                         std::string("Member must satisfy regular expression pattern: ") + pattern);
    return v;
}

std::optional<double> number_member(const nlohmann::json& in, const char* name, double lo,
                                    double hi) {
    auto it = in.find(name);
    if (it == in.end() || it->is_null()) return std::nullopt;
    if (!it->is_number())
        throw AwsError("SerializationException",
                       std::string("Unexpected value type for ") + name + ": expected a number",
                       400);
    double v = it->get<double>();
    if (!std::isfinite(v) || v < lo)
        throw constraint(*it, name, "Member must have value greater than or equal to " + shown(lo));
    if (v > hi)
        throw constraint(*it, name, "Member must have value less than or equal to " + shown(hi));
    return v;
}

std::optional<int64_t> integer_member(const nlohmann::json& in, const char* name, int64_t lo,
                                      int64_t hi) {
    auto it = in.find(name);
    if (it == in.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer())
        throw AwsError("SerializationException",
                       std::string("Unexpected value type for ") + name + ": expected an integer",
                       400);
    int64_t v = it->get<int64_t>();
    if (v < lo)
        throw constraint(*it, name,
                         "Member must have value greater than or equal to " + std::to_string(lo));
    if (v > hi)
        throw constraint(*it, name,
                         "Member must have value less than or equal to " + std::to_string(hi));
    return v;
}

std::optional<std::string> enum_member(const nlohmann::json& in, const char* name,
                                       const std::vector<std::string>& allowed) {
    auto it = in.find(name);
    if (it == in.end() || it->is_null()) return std::nullopt;
    std::string v = it->is_string() ? it->get<std::string>() : it->dump();
    for (const auto& a : allowed)
        if (v == a) return v;
    std::string set;
    for (const auto& a : allowed)
        set += (set.empty() ? "" : ", ") + a;
    throw constraint(*it, name, "Member must satisfy enum value set: [" + set + "]");
}

}  // namespace fogbank::rekognition
