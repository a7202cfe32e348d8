// Lambda deployment packages: the zip reader must refuse any archive it cannot read with a
// ZipError, and never hand out more bytes than an entry's directory record declares.
#include "emulator/zip_archive.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        fogbank::zip::Archive archive(fogbank::fuzz::bytes(data, size));
        for (const auto& e : archive.entries()) {
            if (e.size > (16u << 20)) continue;  // inflating far is slow, not more coverage
            uint64_t got = 0;
            try {
                archive.extract(e, [&](std::string_view piece) { got += piece.size(); });
                fogbank::fuzz::check(got == e.size, "an extracted entry has its declared size");
            } catch (const fogbank::zip::ZipError&) {
            }
            fogbank::fuzz::check(got <= e.size, "no more bytes than declared");
        }
    } catch (const fogbank::zip::ZipError&) {
    }
    return 0;
}
