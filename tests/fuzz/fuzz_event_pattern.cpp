// Event filter patterns: the input up to the first NUL is a pattern, the rest an event. Any text
// is parsed or refused without throwing; an accepted pattern matches any JSON event without
// throwing, and matches the same way twice.
#include "emulator/event_pattern.hpp"
#include "emulator/json_limits.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto parts = fogbank::fuzz::split(fogbank::fuzz::bytes(data, size), 2);
    auto pattern = fogbank::EventPattern::parse(parts[0]);
    if (!pattern) return 0;
    nlohmann::json event = fogbank::parse_json(parts[1]);
    if (event.is_discarded()) return 0;
    bool first = pattern->matches(event);
    fogbank::fuzz::check(first == pattern->matches(event), "matching is deterministic");
    return 0;
}
