// multipart/form-data (RFC 7578) as browsers send it, for S3's POST Object form. Parsed in
// place: a part is its headers' name, filename and type and an offset and length into the body,
// so a 5 GB file is never copied to be parsed. Bounded: part count, header block size.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::form_data {

struct Part {
    std::string name;                     // Content-Disposition's name
    std::optional<std::string> filename;  // present for file parts
    std::string content_type;             // the part's Content-Type, if any
    size_t offset = 0;                    // of the content within the body
    size_t length = 0;
};

struct Limits {
    size_t max_parts = 1000;
    size_t max_header_block = 16 * 1024;
};

enum class Error { none, malformed, too_many_parts };

struct Form {
    std::vector<Part> parts;
    Error error = Error::none;
};

// The boundary of a `multipart/form-data; boundary=...` Content-Type (quoted or not); nullopt
// for any other type or a boundary RFC 2046 does not allow (1-70 characters).
std::optional<std::string> boundary_of(std::string_view content_type);

Form parse(std::string_view body, std::string_view boundary, const Limits& limits = {});

}  // namespace fogbank::form_data
