// The aws-chunked decoder, fed the input in slices whose sizes come from its first byte, with
// and without chunk-signature verification.
#include "emulator/aws_chunked.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace fogbank;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    size_t slice = 1 + data[0] % 64;
    bool verify = data[0] & 0x80;
    std::string_view raw = fuzz::bytes(data + 1, size - 1);
    std::optional<ChunkSignatureChain> chain;
    if (verify)
        chain = ChunkSignatureChain{std::string(32, 'k'), "20261201T000000Z",
                                    "20261201/us-east-1/s3/aws4_request", std::string(64, '0')};
    AwsChunkedDecoder d(chain);
    uint64_t out = 0;
    try {
        for (size_t i = 0; i < raw.size(); i += slice)
            d.feed(raw.substr(i, slice), [&](std::string_view b) { out += b.size(); });
        d.finish();
        fuzz::check(out == d.decoded_size(), "decoded size counts what was handed out");
    } catch (const AwsError&) {
    }
    fuzz::check(out <= raw.size(), "decoding never grows the payload");
    return 0;
}
