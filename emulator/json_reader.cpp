#include "emulator/json_reader.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "emulator/ascii_scan.hpp"

namespace fogbank {

namespace {

using json = nlohmann::json;

// The length of the well-formed UTF-8 sequence at `p` (Unicode's table 3-7: no overlong forms,
// no surrogates, nothing past U+10FFFF), 0 when it is not one.
size_t utf8_length(const unsigned char* p, const unsigned char* end) {
    auto in = [&](size_t i, unsigned char lo, unsigned char hi) {
        return p + i < end && p[i] >= lo && p[i] <= hi;
    };
    unsigned char c = p[0];
    if (c >= 0xC2 && c <= 0xDF) return in(1, 0x80, 0xBF) ? 2 : 0;
    if (c == 0xE0) return in(1, 0xA0, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
    if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF)
        return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) ? 3 : 0;
    if (c == 0xED) return in(1, 0x80, 0x9F) && in(2, 0x80, 0xBF) ? 3 : 0;
    if (c == 0xF0) return in(1, 0x90, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    if (c >= 0xF1 && c <= 0xF3)
        return in(1, 0x80, 0xBF) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    if (c == 0xF4) return in(1, 0x80, 0x8F) && in(2, 0x80, 0xBF) && in(3, 0x80, 0xBF) ? 4 : 0;
    return 0;
}

void append_utf8(std::string& s, uint32_t cp) {
    if (cp < 0x80) {
        s.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        s.push_back(static_cast<char>(0xC0 | cp >> 6));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        s.push_back(static_cast<char>(0xE0 | cp >> 12));
        s.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        s.push_back(static_cast<char>(0xF0 | cp >> 18));
        s.push_back(static_cast<char>(0x80 | (cp >> 12 & 0x3F)));
        s.push_back(static_cast<char>(0x80 | (cp >> 6 & 0x3F)));
        s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

class JsonTextReader {
  public:
    JsonTextReader(std::string_view text, size_t max_depth)
        : p_(reinterpret_cast<const unsigned char*>(text.data())),
          end_(p_ + text.size()),
          max_depth_(max_depth) {}

    JsonRead read(json& root) {
        // nlohmann skips a UTF-8 byte-order mark, and nothing else that starts with 0xEF.
        if (end_ - p_ >= 3 && p_[0] == 0xEF && p_[1] == 0xBB && p_[2] == 0xBF) p_ += 3;
        std::vector<json*> open;  // the arrays and objects not yet closed, innermost last
        json* slot = &root;
        for (;;) {
            // A value into *slot: a scalar, or the start of a container.
            space();
            if (p_ == end_) return JsonRead::malformed;
            bool closed = true;
            switch (*p_) {
                case '{':
                case '[': {
                    const bool object = *p_ == '{';
                    ++p_;
                    *slot = object ? json::object() : json::array();
                    open.push_back(slot);
                    if (open.size() > max_depth_) return JsonRead::too_deep;
                    space();
                    if (p_ < end_ && *p_ == (object ? '}' : ']')) {
                        ++p_;
                        open.pop_back();
                    } else if (object) {
                        if (!(slot = member(*open.back()))) return JsonRead::malformed;
                        closed = false;
                    } else {
                        slot = &open.back()->emplace_back();
                        closed = false;
                    }
                    break;
                }
                case '"': {
                    std::string s;
                    if (!string(s)) return JsonRead::malformed;
                    *slot = std::move(s);
                    break;
                }
                case 't':
                    if (!word("true")) return JsonRead::malformed;
                    *slot = true;
                    break;
                case 'f':
                    if (!word("false")) return JsonRead::malformed;
                    *slot = false;
                    break;
                case 'n':
                    if (!word("null")) return JsonRead::malformed;
                    *slot = nullptr;
                    break;
                default:
                    if (!number(*slot)) return JsonRead::malformed;
                    break;
            }
            if (!closed) continue;
            // After a whole value: the enclosing containers continue or close.
            for (;;) {
                space();
                // nlohmann's lexer takes a NUL byte for the end of its input, and so ignores
                // whatever follows one after the value.
                if (open.empty())
                    return p_ == end_ || *p_ == '\0' ? JsonRead::ok : JsonRead::malformed;
                json& top = *open.back();
                if (p_ == end_) return JsonRead::malformed;
                const unsigned char c = *p_++;
                if (c == (top.is_object() ? '}' : ']')) {
                    open.pop_back();
                    continue;
                }
                if (c != ',') return JsonRead::malformed;
                if (top.is_object()) {
                    space();
                    if (!(slot = member(top))) return JsonRead::malformed;
                } else {
                    slot = &top.emplace_back();
                }
                break;
            }
        }
    }

  private:
    void space() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r'))
            ++p_;
    }

    // `"key" :` at p_ (after any space), and the object's slot for it: the last of duplicate
    // keys wins, as in nlohmann.
    json* member(json& object) {
        std::string key;
        if (p_ == end_ || *p_ != '"' || !string(key)) return nullptr;
        space();
        if (p_ == end_ || *p_ != ':') return nullptr;
        ++p_;
        return &object[key];
    }

    bool word(std::string_view w) {
        if (static_cast<size_t>(end_ - p_) < w.size() ||
            std::string_view(reinterpret_cast<const char*>(p_), w.size()) != w)
            return false;
        p_ += w.size();
        return true;
    }

    bool hex4(uint32_t& cp) {
        if (end_ - p_ < 4) return false;
        cp = 0;
        for (int i = 0; i < 4; ++i) {
            unsigned char c = *p_++;
            uint32_t d = c >= '0' && c <= '9'   ? c - '0'
                         : c >= 'a' && c <= 'f' ? c - 'a' + 10
                         : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                : 16;
            if (d == 16) return false;
            cp = cp << 4 | d;
        }
        return true;
    }

    bool escape(std::string& s) {
        if (p_ == end_) return false;
        switch (*p_++) {
            case '"':
                s.push_back('"');
                return true;
            case '\\':
                s.push_back('\\');
                return true;
            case '/':
                s.push_back('/');
                return true;
            case 'b':
                s.push_back('\b');
                return true;
            case 'f':
                s.push_back('\f');
                return true;
            case 'n':
                s.push_back('\n');
                return true;
            case 'r':
                s.push_back('\r');
                return true;
            case 't':
                s.push_back('\t');
                return true;
            case 'u':
                break;
            default:
                return false;
        }
        uint32_t cp;
        if (!hex4(cp)) return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate alone
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t low;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        append_utf8(s, cp);
        return true;
    }

    // The string at p_ (its opening quote), unescaped. Plain characters are copied a run at a
    // time: this is where a base64 image spends its parse.
    bool string(std::string& s) {
        ++p_;
        const unsigned char* run = p_;
        auto flush = [&] { s.append(reinterpret_cast<const char*>(run), p_ - run); };
        while (p_ < end_) {
            p_ += plain_json_string_words(reinterpret_cast<const char*>(p_),
                                          static_cast<size_t>(end_ - p_));
            if (p_ == end_) break;
            const unsigned char c = *p_;
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                ++p_;
                continue;
            }
            flush();
            if (c == '"') {
                ++p_;
                return true;
            }
            if (c < 0x20) return false;
            if (c == '\\') {
                ++p_;
                if (!escape(s)) return false;
            } else {
                size_t n = utf8_length(p_, end_);
                if (n == 0) return false;
                s.append(reinterpret_cast<const char*>(p_), n);
                p_ += n;
            }
            run = p_;
        }
        return false;
    }

    // RFC 8259's number at p_, typed as nlohmann types it: an integer is unsigned when it has
    // no sign and signed when it has, and becomes a float when it does not fit; a float that
    // overflows is refused.
    bool number(json& out) {
        const unsigned char* start = p_;
        auto digits = [&] {
            const unsigned char* from = p_;
            while (p_ < end_ && *p_ >= '0' && *p_ <= '9')
                ++p_;
            return p_ > from;
        };
        bool negative = p_ < end_ && *p_ == '-';
        if (negative) ++p_;
        if (p_ == end_) return false;
        if (*p_ == '0') {
            ++p_;
        } else if (!digits()) {
            return false;
        }
        bool integer = true;
        if (p_ < end_ && *p_ == '.') {
            ++p_;
            if (!digits()) return false;
            integer = false;
        }
        if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
            ++p_;
            if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
            if (!digits()) return false;
            integer = false;
        }
        token_.assign(reinterpret_cast<const char*>(start), p_ - start);
        char* stop = nullptr;
        if (integer) {
            errno = 0;
            if (negative) {
                long long v = std::strtoll(token_.c_str(), &stop, 10);
                if (errno == 0 && stop == token_.c_str() + token_.size()) {
                    out = static_cast<json::number_integer_t>(v);
                    return true;
                }
            } else {
                unsigned long long v = std::strtoull(token_.c_str(), &stop, 10);
                if (errno == 0 && stop == token_.c_str() + token_.size()) {
                    out = static_cast<json::number_unsigned_t>(v);
                    return true;
                }
            }
        }
        double d = std::strtod(token_.c_str(), &stop);
        if (!std::isfinite(d)) return false;
        out = d;
        return true;
    }

    const unsigned char* p_;
    const unsigned char* end_;
    size_t max_depth_;
    std::string token_;
};

}  // namespace

JsonRead read_json(std::string_view text, nlohmann::json& out, size_t max_depth) {
    return JsonTextReader(text, max_depth).read(out);
}

}  // namespace fogbank
