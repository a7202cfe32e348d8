// Untrusted JSON, parsed with a nesting bound. nlohmann's parser and destructor do not recurse,
// but copying, comparing and dumping a value do, and so does every handler that walks one: a
// request nested 100,000 deep must be refused before any of that runs. The bound is checked by
// a linear scan of the text, before a single value is built.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace fogbank {

// Deep enough for any AWS input shape (a DynamoDB item nested to its 32-level limit is ~70 JSON
// levels), shallow enough that recursion over a value of this depth costs a few hundred KiB of
// stack even in a sanitiser build.
inline constexpr size_t kMaxJsonDepth = 256;

// The deepest nesting of arrays and objects in `text` (strings skipped, escapes honoured),
// stopping early once `limit` is exceeded. Malformed text is the parser's to reject.
size_t json_depth(std::string_view text, size_t limit = kMaxJsonDepth);

// A request body's JSON nests no deeper than kMaxJsonDepth, or AwsError(code) says it does.
void check_request_depth(std::string_view text, const std::string& code);

// nlohmann::json::parse without exceptions, discarded (is_discarded()) when the text is not
// JSON or nests deeper than `max_depth`.
nlohmann::json parse_json(std::string_view text, size_t max_depth = kMaxJsonDepth);

// A request body that must be a JSON object: AwsError(code) with `not_json` when it is not one,
// or with the depth message when it nests deeper than kMaxJsonDepth.
nlohmann::json parse_request_json(std::string_view text, const std::string& code,
                                  const std::string& not_json);

}  // namespace fogbank
