#include "emulator/json_writer.hpp"

#include <charconv>

#include "emulator/ascii_scan.hpp"

namespace fogbank {

namespace {

using json = nlohmann::json;

void write_string(const std::string& s, std::string& out, JsonErrorHandler on_bad_utf8) {
    // One pass says which of three ways the string is written.
    bool escapes = false;
    for (size_t i = plain_json_string_words(s.data(), s.size()); i < s.size(); ++i) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {  // UTF-8 (or not): nlohmann's checks and escapes
            out += json(s).dump(-1, ' ', false, on_bad_utf8);
            return;
        }
        escapes = escapes || c < 0x20 || c == '"' || c == '\\';
    }
    if (!escapes) {
        out += '"';
        out += s;
        out += '"';
        return;
    }
    // nlohmann's escapes: the short forms, then \u00xx in lower-case hex for other controls.
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    for (unsigned char c : s) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\b':
                out += "\\b";
                break;
            case '\f':
                out += "\\f";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += kHex[c >> 4];
                    out += kHex[c & 0xf];
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

template <typename Int>
void write_integer(Int n, std::string& out) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    out.append(buf, end);
}

}  // namespace

void write_json(const json& v, std::string& out, JsonErrorHandler on_bad_utf8) {
    switch (v.type()) {
        case json::value_t::null:
            out += "null";
            return;
        case json::value_t::boolean:
            out += v.get<bool>() ? "true" : "false";
            return;
        case json::value_t::number_integer:
            write_integer(v.get<json::number_integer_t>(), out);
            return;
        case json::value_t::number_unsigned:
            write_integer(v.get<json::number_unsigned_t>(), out);
            return;
        case json::value_t::string:
            write_string(v.get_ref<const std::string&>(), out, on_bad_utf8);
            return;
        case json::value_t::array: {
            out += '[';
            bool first = true;
            for (auto& e : v) {
                if (!first) out += ',';
                first = false;
                write_json(e, out, on_bad_utf8);
            }
            out += ']';
            return;
        }
        case json::value_t::object: {
            out += '{';
            bool first = true;
            for (auto& [k, e] : v.get_ref<const json::object_t&>()) {
                if (!first) out += ',';
                first = false;
                write_string(k, out, on_bad_utf8);
                out += ':';
                write_json(e, out, on_bad_utf8);
            }
            out += '}';
            return;
        }
        default:  // floating point, binary, discarded: nlohmann's own formatting
            out += v.dump(-1, ' ', false, on_bad_utf8);
    }
}

std::string json_text(const json& v, JsonErrorHandler on_bad_utf8) {
    std::string out;
    write_json(v, out, on_bad_utf8);
    return out;
}

}  // namespace fogbank
