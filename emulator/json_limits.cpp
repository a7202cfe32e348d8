#include "emulator/json_limits.hpp"

#include "emulator/aws_error.hpp"

namespace fogbank {

size_t json_depth(std::string_view text, size_t limit) {
    size_t depth = 0, deepest = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;  // the escaped character cannot end the string
            else if (c == '"')
                in_string = false;
            continue;
        }
        switch (c) {
            case '"':
                in_string = true;
                break;
            case '[':
            case '{':
                if (++depth > deepest) {
                    deepest = depth;
                    if (deepest > limit) return deepest;
                }
                break;
            case ']':
            case '}':
                if (depth > 0) --depth;
                break;
            default:
                break;
        }
    }
    return deepest;
}

void check_request_depth(std::string_view text, const std::string& code) {
    if (json_depth(text) > kMaxJsonDepth)
        throw AwsError(
            code,
            "The request is nested more than " + std::to_string(kMaxJsonDepth) + " levels deep",
            400);
}

nlohmann::json parse_json(std::string_view text, size_t max_depth) {
    if (json_depth(text, max_depth) > max_depth)
        return nlohmann::json(nlohmann::json::value_t::discarded);
    return nlohmann::json::parse(text, nullptr, false);
}

}  // namespace fogbank
