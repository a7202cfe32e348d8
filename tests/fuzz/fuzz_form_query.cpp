// The form decoder (URL queries and query-protocol bodies) and percent-decoding of paths.
#include "emulator/encoding.hpp"
#include "emulator/protocol/aws_query.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace fogbank;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto in = fuzz::bytes(data, size);
    bool malformed = false;
    auto pairs = parse_form(in, &malformed);
    size_t total = 0;
    for (auto& [k, v] : pairs)
        total += k.size() + v.size();
    fuzz::check(total <= in.size(), "decoding never grows the text");
    for (bool plus : {false, true})
        if (auto d = uri_decode(in, plus))
            fuzz::check(d->size() <= in.size(), "uri_decode shrinks");
    // Round trip: whatever decodes, encodes back to something that decodes to the same bytes.
    std::string enc = uri_encode(in);
    auto back = uri_decode(enc);
    fuzz::check(back && *back == in, "uri_encode round-trips");
    Request req = fuzz::request_with_body(in);
    try {
        (void)aws_query::params(req);
    } catch (const AwsError&) {
    }
    return 0;
}
