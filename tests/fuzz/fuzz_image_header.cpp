// Image header sniffing: the dimensions Rekognition checks before it decodes a pixel.
#include "emulator/image_header.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto h = fogbank::read_image_header(fogbank::fuzz::bytes(data, size));
    if (h) fogbank::fuzz::check(h->width > 0 && h->height > 0, "a header has no zero dimension");
    return 0;
}
