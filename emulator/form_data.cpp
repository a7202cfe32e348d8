#include "emulator/form_data.hpp"

#include <algorithm>
#include <functional>

#include "emulator/encoding.hpp"

namespace fogbank::form_data {

namespace {

// A parameter of a header value: `name=token` or `name="quoted \" string"`.
std::optional<std::string> parameter(std::string_view value, std::string_view name) {
    size_t i = value.find(';');
    while (i != std::string_view::npos && i < value.size()) {
        ++i;
        while (i < value.size() && (value[i] == ' ' || value[i] == '\t'))
            ++i;
        size_t eq = value.find('=', i);
        if (eq == std::string_view::npos) return std::nullopt;
        auto key = trim(value.substr(i, eq - i));
        size_t j = eq + 1;
        std::string v;
        if (j < value.size() && value[j] == '"') {
            ++j;
            while (j < value.size() && value[j] != '"') {
                if (value[j] == '\\' && j + 1 < value.size()) ++j;
                v += value[j++];
            }
            if (j >= value.size()) return std::nullopt;  // unterminated
            ++j;
        } else {
            size_t end = value.find(';', j);
            v = std::string(trim(value.substr(j, end == std::string_view::npos ? end : end - j)));
            j = end == std::string_view::npos ? value.size() : end;
        }
        if (iequals(key, name)) return v;
        i = value.find(';', j);
    }
    return std::nullopt;
}

bool read_headers(std::string_view block, Part& part) {
    bool disposition = false;
    while (!block.empty()) {
        size_t eol = block.find("\r\n");
        auto line = block.substr(0, eol);
        block.remove_prefix(eol == std::string_view::npos ? block.size() : eol + 2);
        if (line.empty()) continue;
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) return false;
        auto name = trim(line.substr(0, colon));
        auto value = trim(line.substr(colon + 1));
        if (iequals(name, "Content-Disposition")) {
            auto semi = value.find(';');
            if (!iequals(trim(value.substr(0, semi)), "form-data")) return false;
            auto n = parameter(value, "name");
            if (!n) return false;
            part.name = *n;
            part.filename = parameter(value, "filename");
            disposition = true;
        } else if (iequals(name, "Content-Type")) {
            part.content_type = std::string(value);
        }
    }
    return disposition;
}

}  // namespace

std::optional<std::string> boundary_of(std::string_view content_type) {
    auto semi = content_type.find(';');
    if (!iequals(trim(content_type.substr(0, semi)), "multipart/form-data")) return std::nullopt;
    auto b = parameter(content_type, "boundary");
    if (!b || b->empty() || b->size() > 70) return std::nullopt;
    return b;
}

Form parse(std::string_view body, std::string_view boundary, const Limits& limits) {
    Form form;
    const std::string dash = "--" + std::string(boundary);
    const std::string delimiter = "\r\n" + dash;
    const std::boyer_moore_horspool_searcher find_delimiter(delimiter.begin(), delimiter.end());
    auto malformed = [&form] {
        form.parts.clear();
        form.error = Error::malformed;
        return form;
    };
    // The first delimiter opens the body or follows a preamble.
    size_t pos;
    if (body.substr(0, dash.size()) == dash) {
        pos = dash.size();
    } else {
        auto it = std::search(body.begin(), body.end(), find_delimiter);
        if (it == body.end()) return malformed();
        pos = static_cast<size_t>(it - body.begin()) + delimiter.size();
    }
    for (;;) {
        // After a delimiter: "--" closes the body; otherwise optional padding and CRLF.
        if (pos >= body.size() || body.substr(pos, 2) == "--") return form;
        while (pos < body.size() && (body[pos] == ' ' || body[pos] == '\t'))
            ++pos;
        if (body.substr(pos, 2) != "\r\n") return malformed();
        pos += 2;
        if (form.parts.size() == limits.max_parts) {
            form.parts.clear();
            form.error = Error::too_many_parts;
            return form;
        }
        // A part with no headers starts its content at once ("\r\n" right after the line).
        size_t header_end;
        if (body.substr(pos, 2) == "\r\n") {
            header_end = pos;
        } else {
            auto window = body.substr(pos, limits.max_header_block + 4);
            auto blank = window.find("\r\n\r\n");
            if (blank == std::string_view::npos) return malformed();
            header_end = pos + blank + 2;
        }
        Part part;
        if (!read_headers(body.substr(pos, header_end - pos), part)) return malformed();
        size_t content = header_end + 2;
        auto it = std::search(body.begin() + static_cast<std::ptrdiff_t>(content), body.end(),
                              find_delimiter);
        if (it == body.end()) return malformed();
        size_t end = static_cast<size_t>(it - body.begin());
        part.offset = content;
        part.length = end - content;
        form.parts.push_back(std::move(part));
        pos = end + delimiter.size();
    }
}

}  // namespace fogbank::form_data
