// HTTP Range and conditional-request rules as S3 applies them: pure functions over header
// values, so the table of cases lives in unit tests.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/encoding.hpp"
#include "emulator/http_message.hpp"

namespace fogbank::s3 {

struct ByteRange {
    uint64_t first = 0;
    uint64_t last = 0;  // inclusive
    uint64_t length() const { return last - first + 1; }
};

enum class RangeStatus { whole, partial, unsatisfiable };
struct RangeDecision {
    RangeStatus status = RangeStatus::whole;
    ByteRange range;
};

// "bytes=a-b", "bytes=a-", "bytes=-n". A header S3 would not honour (bad syntax, several
// ranges, last < first) means the whole object, as S3 does; a start past the end is
// unsatisfiable (416 InvalidRange).
RangeDecision decide_range(std::string_view header, uint64_t size);

struct Preconditions {
    std::optional<std::string> if_match;
    std::optional<std::string> if_none_match;
    std::optional<TimePoint> if_modified_since;
    std::optional<TimePoint> if_unmodified_since;
};

enum class Outcome { proceed, not_modified, failed };

// From If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since, or with
// prefix "x-amz-copy-source-" the copy-source variants.
Preconditions read_preconditions(const RequestHead& head, std::string_view prefix = "");
// RFC 7232 order, with S3's documented pairings: a true If-Match overrides a false
// If-Unmodified-Since, a false If-None-Match overrides a true If-Modified-Since.
Outcome evaluate(const Preconditions& p, std::string_view etag, TimePoint last_modified,
                 TimePoint now);

// Does an If-Match / If-None-Match list ("a", "b" or *) name this etag?
bool etag_list_matches(std::string_view list, std::string_view etag);

}  // namespace fogbank::s3
