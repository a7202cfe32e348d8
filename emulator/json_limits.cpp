#include "emulator/json_limits.hpp"

#include "emulator/aws_error.hpp"
#include "emulator/json_reader.hpp"

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
    nlohmann::json out;
    if (read_json(text, out, max_depth) != JsonRead::ok)
        return nlohmann::json(nlohmann::json::value_t::discarded);
    return out;
}

nlohmann::json parse_request_json(std::string_view text, const std::string& code,
                                  const std::string& not_json) {
    nlohmann::json out;
    if (read_json(text, out, kMaxJsonDepth) == JsonRead::ok && out.is_object()) return out;
    // The depth is judged over the whole text, before whether it is JSON, as it always was.
    check_request_depth(text, code);
    throw AwsError(code, not_json, 400);
}

}  // namespace fogbank
