#include "services/s3/bucket_name.hpp"

#include <array>

namespace fogbank::s3 {

namespace {
bool alnum_lower(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool looks_like_ipv4(std::string_view s) {
    int dots = 0, digits = 0;
    for (char c : s) {
        if (c == '.') {
            if (digits == 0) return false;
            ++dots;
            digits = 0;
        } else if (c >= '0' && c <= '9') {
            if (++digits > 3) return false;
        } else {
            return false;
        }
    }
    return dots == 3 && digits > 0;
}
}  // namespace

bool valid_bucket_name(std::string_view name) {
    if (name.size() < 3 || name.size() > 63) return false;
    if (!alnum_lower(name.front()) || !alnum_lower(name.back())) return false;
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        if (!alnum_lower(c) && c != '.' && c != '-') return false;
        if (c == '.' && i + 1 < name.size() && name[i + 1] == '.') return false;
    }
    if (looks_like_ipv4(name)) return false;
    for (std::string_view p : {"xn--", "sthree-", "amzn-s3-demo-"})
        if (name.substr(0, p.size()) == p) return false;
    for (std::string_view s : {"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"})
        if (ends_with(name, s)) return false;
    return true;
}

}  // namespace fogbank::s3
