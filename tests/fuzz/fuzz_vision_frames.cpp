// What a vision worker sends back, as the server reads it: a byte stream split into frames
// (emulator/frame.hpp) under the server's limits, each frame's JSON read with its depth bound
// and decoded as an analysis result or request (models/vision/analysis.hpp). Anything may be
// refused; nothing may crash, and what decodes must encode and decode to the same JSON.
#include "emulator/frame.hpp"
#include "emulator/json_reader.hpp"
#include "models/vision/analysis.hpp"
#include "tests/fuzz/fuzz_support.hpp"

namespace {

template <typename T, typename Decode>
void round_trip(const nlohmann::json& j, Decode decode) {
    T value;
    try {
        value = decode(j);
    } catch (const std::runtime_error&) {
        return;
    }
    // Compared as text: a NaN (written null) is never equal to itself as a value.
    std::string again = fogbank::analysis::to_json(value).dump();
    fogbank::fuzz::check(
        fogbank::analysis::to_json(decode(nlohmann::json::parse(again))).dump() == again,
        "a decoded value encodes and decodes to itself");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view stream = fogbank::fuzz::bytes(data, size);
    fogbank::FrameReader reader(4096, 4096);
    // Fed in uneven pieces, as a socket delivers them.
    for (size_t at = 0, piece = 1; at < stream.size(); at += piece, piece = piece % 7 + 1) {
        if (!reader.feed(stream.substr(at, piece))) return 0;
        while (auto frame = reader.take()) {
            nlohmann::json j;
            if (fogbank::read_json(frame->meta, j, 8) != fogbank::JsonRead::ok) continue;
            round_trip<fogbank::analysis::Result>(j, fogbank::analysis::result_from);
            round_trip<fogbank::analysis::Request>(j, fogbank::analysis::request_from);
        }
    }
    return 0;
}
