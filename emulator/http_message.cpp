#include "emulator/http_message.hpp"

namespace fogbank {

bool RequestHead::has_query(std::string_view name) const {
    for (auto& [k, _] : query)
        if (k == name) return true;
    return false;
}

std::optional<std::string> RequestHead::query_param(std::string_view name) const {
    for (auto& [k, v] : query)
        if (k == name) return v;
    return std::nullopt;
}

std::optional<std::string> RequestHead::header(std::string_view name) const {
    auto it = headers.find(name);
    if (it == headers.end()) return std::nullopt;
    return std::string(it->value());
}

}  // namespace fogbank
