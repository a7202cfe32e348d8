#include "emulator/encoding.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace fogbank {

namespace {
constexpr char kHex[] = "0123456789abcdef";
constexpr char kHexUpper[] = "0123456789ABCDEF";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool unreserved(unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

// timegm without the locale and TZ pitfalls of mktime.
std::time_t utc_time(int year, int mon, int day, int h, int m, int s) {
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = day;
    tm.tm_hour = h;
    tm.tm_min = m;
    tm.tm_sec = s;
    return timegm(&tm);
}

std::string format_tm(TimePoint t, const char* fmt) {
    std::time_t secs =
        std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, fmt, &tm);
    return buf;
}

int month_index(std::string_view m) {
    static constexpr std::array<std::string_view, 12> names = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    for (int i = 0; i < 12; ++i)
        if (iequals(names[i], m)) return i;
    return -1;
}
}  // namespace

std::string to_hex(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() * 2);
    for (unsigned char c : bytes) {
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
    }
    return out;
}

std::optional<std::string> from_hex(std::string_view hex) {
    if (hex.size() % 2) return std::nullopt;
    std::string out;
    out.reserve(hex.size() / 2);
    for (size_t i = 0; i < hex.size(); i += 2) {
        int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out.push_back(static_cast<char>(hi * 16 + lo));
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3), '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4) return std::nullopt;
    if (text.empty()) return std::string{};
    std::string out(3 * text.size() / 4, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n < 0) return std::nullopt;
    // EVP_DecodeBlock counts padding as zero bytes; drop them.
    size_t pad = 0;
    if (text.back() == '=') ++pad;
    if (text.size() > 1 && text[text.size() - 2] == '=') ++pad;
    out.resize(static_cast<size_t>(n) - pad);
    return out;
}

std::string uri_encode(std::string_view s, bool keep_slash) {
    std::string out;
    out.reserve(s.size() * 3 / 2);
    for (unsigned char c : s) {
        if (unreserved(c) || (keep_slash && c == '/')) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(kHexUpper[c >> 4]);
            out.push_back(kHexUpper[c & 15]);
        }
    }
    return out;
}

std::optional<std::string> uri_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> parse_form(std::string_view rest,
                                                            bool* malformed) {
    std::vector<std::pair<std::string, std::string>> out;
    auto decode = [&](std::string_view part) {
        auto d = uri_decode(part, true);
        if (!d && malformed) *malformed = true;
        return d.value_or(std::string(part));
    };
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        auto eq = pair.find('=');
        std::string_view k = pair.substr(0, eq);
        std::string_view v =
            eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
        if (!k.empty()) out.emplace_back(decode(k), decode(v));
        if (amp == std::string_view::npos) break;
        rest.remove_prefix(amp + 1);
    }
    return out;
}

bool xml_safe(std::string_view s) {
    for (unsigned char c : s)
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return false;
    return true;
}

bool valid_utf8(std::string_view s) {
    size_t i = 0;
    while (i < s.size()) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        size_t n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
        if (n == 0 || c > 0xF4 || i + n >= s.size()) return false;  // stray or cut short
        uint32_t cp = c & (0x3F >> n);
        for (size_t k = 1; k <= n; ++k) {
            unsigned char t = static_cast<unsigned char>(s[i + k]);
            if ((t & 0xC0) != 0x80) return false;
            cp = cp << 6 | (t & 0x3F);
        }
        // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
        static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
        if (cp < kMin[n] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
        i += n + 1;
    }
    return true;
}

std::string format_iso8601_ms(TimePoint t) {
    auto ms = t.time_since_epoch().count() % 1000;
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms < 0 ? ms + 1000 : ms));
    return format_tm(t, "%Y-%m-%dT%H:%M:%S") + frac;
}

std::string format_http_date(TimePoint t) {
    // Field by field from the civil calendar: Last-Modified goes out with every GET, and
    // strftime consults the locale on each call. Years of other widths take strftime's way.
    using namespace std::chrono;
    auto secs = sys_seconds{duration_cast<seconds>(t.time_since_epoch())};
    auto day = floor<days>(secs);
    year_month_day ymd{day};
    int year = static_cast<int>(ymd.year());
    if (year < 1000 || year > 9999) return format_tm(t, "%a, %d %b %Y %H:%M:%S GMT");
    static constexpr char kDays[] = "SunMonTueWedThuFriSat";
    static constexpr char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    hh_mm_ss hms{secs - day};
    std::string out = "Www, DD Mmm YYYY HH:MM:SS GMT";
    auto two = [&](size_t at, unsigned v) {
        out[at] = static_cast<char>('0' + v / 10);
        out[at + 1] = static_cast<char>('0' + v % 10);
    };
    out.replace(0, 3, kDays + 3 * weekday{day}.c_encoding(), 3);
    two(5, static_cast<unsigned>(ymd.day()));
    out.replace(8, 3, kMonths + 3 * (static_cast<unsigned>(ymd.month()) - 1), 3);
    two(12, static_cast<unsigned>(year / 100));
    two(14, static_cast<unsigned>(year % 100));
    two(17, static_cast<unsigned>(hms.hours().count()));
    two(20, static_cast<unsigned>(hms.minutes().count()));
    two(23, static_cast<unsigned>(hms.seconds().count()));
    return out;
}

std::string format_amz_date(TimePoint t) {
    return format_tm(t, "%Y%m%dT%H%M%SZ");
}

std::optional<TimePoint> parse_amz_date(std::string_view s) {
    int Y, M, D, h, m, sec;
    std::string str(s);
    if (str.size() != 16 || str[8] != 'T' || str[15] != 'Z') return std::nullopt;
    if (std::sscanf(str.c_str(), "%4d%2d%2dT%2d%2d%2dZ", &Y, &M, &D, &h, &m, &sec) != 6)
        return std::nullopt;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60) return std::nullopt;
    return TimePoint{std::chrono::seconds{utc_time(Y, M - 1, D, h, m, sec)}};
}

std::optional<TimePoint> parse_http_date(std::string_view s) {
    std::string str(trim(s));
    char wd[16], mon[8];
    int d, Y, h, m, sec;
    // RFC 1123: Sun, 06 Nov 1994 08:49:37 GMT
    if (std::sscanf(str.c_str(), "%15[A-Za-z], %d %7s %d %d:%d:%d", wd, &d, mon, &Y, &h, &m,
                    &sec) == 7) {
        int mi = month_index(mon);
        if (mi < 0) return std::nullopt;
        return TimePoint{std::chrono::seconds{utc_time(Y, mi, d, h, m, sec)}};
    }
    // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    if (std::sscanf(str.c_str(), "%15[A-Za-z], %d-%3s-%d %d:%d:%d", wd, &d, mon, &Y, &h, &m,
                    &sec) == 7) {
        int mi = month_index(mon);
        if (mi < 0) return std::nullopt;
        if (Y < 100) Y += Y < 70 ? 2000 : 1900;
        return TimePoint{std::chrono::seconds{utc_time(Y, mi, d, h, m, sec)}};
    }
    // asctime: Sun Nov  6 08:49:37 1994
    if (std::sscanf(str.c_str(), "%15s %7s %d %d:%d:%d %d", wd, mon, &d, &h, &m, &sec, &Y) == 7) {
        int mi = month_index(mon);
        if (mi < 0) return std::nullopt;
        return TimePoint{std::chrono::seconds{utc_time(Y, mi, d, h, m, sec)}};
    }
    return parse_iso8601(s);
}

std::optional<TimePoint> parse_iso8601(std::string_view s) {
    std::string str(trim(s));
    int Y, M, D, h = 0, m = 0;
    double sec = 0;
    if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%lf", &Y, &M, &D, &h, &m, &sec) >= 5 ||
        std::sscanf(str.c_str(), "%4d-%2d-%2d", &Y, &M, &D) == 3) {
        if (M < 1 || M > 12 || D < 1 || D > 31) return std::nullopt;
        auto whole = static_cast<int>(sec);
        auto base = std::chrono::seconds{utc_time(Y, M - 1, D, h, m, whole)};
        auto ms = std::chrono::milliseconds{static_cast<long long>((sec - whole) * 1000)};
        return TimePoint{std::chrono::duration_cast<std::chrono::milliseconds>(base) + ms};
    }
    return std::nullopt;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string to_upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

std::vector<std::string> split_list(std::string_view s) {
    std::vector<std::string> out;
    while (!s.empty()) {
        auto comma = s.find(',');
        auto item = trim(s.substr(0, comma));
        if (!item.empty()) out.emplace_back(item);
        if (comma == std::string_view::npos) break;
        s.remove_prefix(comma + 1);
    }
    return out;
}

size_t utf8_characters(std::string_view s) {
    return static_cast<size_t>(std::count_if(
        s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace fogbank
