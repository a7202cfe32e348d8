// Word-at-a-time scans over text that is mostly printable ASCII: message bodies, JSON strings.
// A scan stops at the first word that may hold a byte it does not pass; the caller goes on
// byte by byte from there, so a word taken for suspect by a borrow is only slower, never wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace fogbank {

namespace ascii_scan_detail {

constexpr uint64_t kOnes = 0x0101010101010101ull;
constexpr uint64_t kTops = 0x8080808080808080ull;

// Top bit of each byte that is below `n` (n ≤ 0x80), for a word with no top bit set.
constexpr uint64_t below(uint64_t w, unsigned n) {
    return (w - n * kOnes) & ~w & kTops;
}
// Top bit of each byte equal to `b`, for a word with no top bit set.
constexpr uint64_t equal(uint64_t w, unsigned char b) {
    return below(w ^ (b * kOnes), 1);
}

inline uint64_t word_at(const char* p) {
    uint64_t w;
    std::memcpy(&w, p, sizeof w);
    return w;
}

}  // namespace ascii_scan_detail

// How many leading bytes of [p, p + n), in whole 8-byte words, are all in 0x20-0x7F.
inline size_t printable_ascii_words(const char* p, size_t n) {
    using namespace ascii_scan_detail;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = word_at(p + i);
        if ((w & kTops) || below(w, 0x20)) break;
    }
    return i;
}

// The same, also stopping at a word with '"' or '\\': the bytes a JSON string copies as they are.
inline size_t plain_json_string_words(const char* p, size_t n) {
    using namespace ascii_scan_detail;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w = word_at(p + i);
        if ((w & kTops) || below(w, 0x20) || equal(w, '"') || equal(w, '\\')) break;
    }
    return i;
}

}  // namespace fogbank
