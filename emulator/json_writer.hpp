// Compact JSON text of a nlohmann value, byte for byte what dump() writes, in a fraction of its
// time: answers and stored rows are mostly ASCII strings without escapes, which are copied
// whole here, where nlohmann's serializer decodes every byte as UTF-8. Strings with other bytes
// and floating-point numbers are left to nlohmann itself, so its UTF-8 checks and number
// formatting are kept exactly.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace fogbank {

using JsonErrorHandler = nlohmann::json::error_handler_t;

// Appends `v` as dump(-1, ' ', false, on_bad_utf8) would write it.
void write_json(const nlohmann::json& v, std::string& out,
                JsonErrorHandler on_bad_utf8 = JsonErrorHandler::strict);
std::string json_text(const nlohmann::json& v,
                      JsonErrorHandler on_bad_utf8 = JsonErrorHandler::strict);

}  // namespace fogbank
