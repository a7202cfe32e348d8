// Byte and text encodings shared by every protocol: hex, base64, percent-encoding, and the
// timestamp formats AWS uses on the wire.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/clock.hpp"

namespace fogbank {

std::string to_hex(std::string_view bytes);
std::optional<std::string> from_hex(std::string_view hex);
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// RFC 3986 unreserved characters pass through; everything else is %XX (upper case), which is
// what SigV4 canonicalisation wants. With keep_slash, '/' is left alone (S3 paths).
std::string uri_encode(std::string_view s, bool keep_slash = false);
// Decodes %XX; with plus_is_space, '+' becomes ' ' (form bodies). Returns nullopt on a
// malformed escape.
std::optional<std::string> uri_decode(std::string_view s, bool plus_is_space = false);

// "k=v&k2=v2" (a URL query or a form body), decoded with '+' as space. A part with a malformed
// escape is kept as sent and flags `malformed` (if given).
std::vector<std::pair<std::string, std::string>> parse_form(std::string_view s,
                                                            bool* malformed = nullptr);
// XML 1.0 cannot carry most control characters even escaped; S3 returns such keys only with
// encoding-type=url. This tells whether a string is safe to put in XML as text.
bool xml_safe(std::string_view s);
// Well-formed UTF-8: no stray continuation bytes, overlong forms, surrogates or code points
// past U+10FFFF.
bool valid_utf8(std::string_view s);
// The characters (code points) of UTF-8 text: its bytes less the continuation bytes. Limits
// AWS states "in characters" are counted so.
size_t utf8_characters(std::string_view s);

std::string format_iso8601_ms(TimePoint t);                    // 2026-11-22T05:51:14.000Z (S3 XML)
std::string format_http_date(TimePoint t);                     // Sun, 22 Nov 2026 05:51:14 GMT
std::string format_amz_date(TimePoint t);                      // 20261122T055114Z (SigV4)
std::optional<TimePoint> parse_http_date(std::string_view s);  // RFC 1123/850/asctime
std::optional<TimePoint> parse_amz_date(std::string_view s);   // 20261122T055114Z
std::optional<TimePoint> parse_iso8601(std::string_view s);

bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
std::string_view trim(std::string_view s);
// A comma-separated header value's items, trimmed, empty ones dropped ("a, b,,c").
std::vector<std::string> split_list(std::string_view s);

}  // namespace fogbank
