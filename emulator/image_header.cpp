#include "emulator/image_header.hpp"

namespace fogbank {

namespace {

uint32_t be16(std::string_view b, size_t at) {
    return static_cast<uint32_t>(static_cast<unsigned char>(b[at])) << 8 |
           static_cast<unsigned char>(b[at + 1]);
}
uint32_t be32(std::string_view b, size_t at) {
    return be16(b, at) << 16 | be16(b, at + 2);
}

std::optional<ImageHeader> png(std::string_view b) {
    // Signature (8), then the first chunk, which must be IHDR: length (4), type (4), width (4),
    // height (4).
    if (b.size() < 24 || b.substr(12, 4) != "IHDR") return std::nullopt;
    ImageHeader h{ImageHeader::Format::png, be32(b, 16), be32(b, 20)};
    // PNG caps each dimension at 2^31 - 1.
    if (h.width == 0 || h.height == 0 || h.width > 0x7fffffffu || h.height > 0x7fffffffu)
        return std::nullopt;
    return h;
}

std::optional<ImageHeader> jpeg(std::string_view b) {
    size_t i = 2;  // past SOI
    while (i + 1 < b.size()) {
        if (static_cast<unsigned char>(b[i]) != 0xFF) return std::nullopt;
        unsigned char marker = static_cast<unsigned char>(b[i + 1]);
        if (marker == 0xFF) {  // fill byte before a marker
            ++i;
            continue;
        }
        i += 2;
        // Markers without a length: TEM, RSTn, SOI, EOI.
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) continue;
        if (marker == 0xD9 || marker == 0xDA) return std::nullopt;  // EOI/SOS before a frame
        if (i + 2 > b.size()) return std::nullopt;
        uint32_t length = be16(b, i);
        if (length < 2) return std::nullopt;
        bool frame =
            marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (frame) {
            // length (2), precision (1), height (2), width (2)
            if (length < 7 || i + 7 > b.size()) return std::nullopt;
            ImageHeader h{ImageHeader::Format::jpeg, be16(b, i + 5), be16(b, i + 3)};
            // A height of 0 means "given by a DNL marker later"; no decoder Rekognition-side
            // takes that, nor do we.
            if (h.width == 0 || h.height == 0) return std::nullopt;
            return h;
        }
        i += length;
    }
    return std::nullopt;
}

}  // namespace

std::optional<ImageHeader> read_image_header(std::string_view bytes) {
    if (bytes.size() >= 8 && bytes.substr(0, 8) == "\x89PNG\r\n\x1A\n") return png(bytes);
    if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xFF\xD8\xFF") return jpeg(bytes);
    return std::nullopt;
}

}  // namespace fogbank
