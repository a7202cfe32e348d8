// JSON text to an nlohmann::json value in one pass: the request path's parser. nlohmann's own
// lexer copies a string character by character, and a 1 MB Rekognition image in base64 cost
// ~15 ms to parse plus a separate depth scan; this reader copies runs of plain characters at
// once and bounds nesting as it goes. It accepts exactly what nlohmann::json::parse accepts
// (RFC 8259, well-formed UTF-8, a leading byte-order mark) and builds the same value (integers
// as nlohmann types them, floats by strtod, the last of duplicate keys); the fuzz target
// json_reader checks the two against each other. Nothing recurses.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string_view>

namespace fogbank {

enum class JsonRead { ok, malformed, too_deep };

// Parses `text` into `out` (left unspecified unless ok). Arrays and objects nested deeper than
// `max_depth` are too_deep, found before the value is finished.
JsonRead read_json(std::string_view text, nlohmann::json& out, size_t max_depth);

}  // namespace fogbank
