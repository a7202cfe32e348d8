// The request path's JSON reader against nlohmann::json::parse on the same text: both accept or
// both refuse, and what they accept they build alike. Texts nested past the bound are the
// reader's alone to refuse. What is accepted is written back by write_json, which must give
// what dump() gives.
#include "emulator/json_limits.hpp"
#include "emulator/json_reader.hpp"
#include "emulator/json_writer.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text = fogbank::fuzz::bytes(data, size);
    nlohmann::json mine;
    fogbank::JsonRead r = fogbank::read_json(text, mine, 64);
    if (fogbank::json_depth(text, 64) > 64) {
        fogbank::fuzz::check(r != fogbank::JsonRead::ok, "too deep a text is refused");
        return 0;
    }
    nlohmann::json theirs = nlohmann::json::parse(text, nullptr, false);
    fogbank::fuzz::check((r == fogbank::JsonRead::ok) == !theirs.is_discarded(),
                         "the reader accepts what nlohmann accepts");
    if (r == fogbank::JsonRead::ok) {
        fogbank::fuzz::check(mine.dump() == theirs.dump(), "the reader builds nlohmann's value");
        fogbank::fuzz::check(fogbank::json_text(mine) == mine.dump(), "the writer writes dump()");
    }
    return 0;
}
