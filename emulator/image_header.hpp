// What an image's header says about it, read without decoding a pixel: the format and the
// dimensions. Decoding allocates width x height x 3 bytes whatever the file's size (an 854 KB
// PNG can claim 30000 x 30000), so the dimensions are checked against a limit first.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace fogbank {

struct ImageHeader {
    enum class Format { jpeg, png };
    Format format;
    uint32_t width = 0;
    uint32_t height = 0;
};

// JPEG (the first SOFn frame header) or PNG (IHDR); nullopt for anything else, for a header
// cut short, or for a zero dimension.
std::optional<ImageHeader> read_image_header(std::string_view bytes);

}  // namespace fogbank
