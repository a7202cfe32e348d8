// multipart/form-data bodies through the parser, and through S3's POST Object handler on an
// in-memory store holding one bucket: the input's first byte picks parser-only or the
// handler; the rest is the body, framed by a fixed boundary.
#include "emulator/form_data.hpp"
#include "tests/fuzz/s3_world.hpp"

using namespace fogbank;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::string body(fuzz::bytes(data + 1, size - 1));
    auto form = form_data::parse(body, "fuzzb");
    for (auto& p : form.parts)
        fuzz::check(p.offset <= body.size() && p.length <= body.size() - p.offset,
                    "a part lies within the body");
    if (data[0] % 2 == 0) return 0;
    auto& w = fuzz::world<fuzz::S3World>(256);
    w.call("POST /fuzz HTTP/1.1\r\nContent-Type: multipart/form-data; boundary=fuzzb\r\n", body);
    return 0;
}
