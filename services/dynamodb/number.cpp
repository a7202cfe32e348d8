#include "services/dynamodb/number.hpp"

#include <algorithm>
#include <cctype>

#include "emulator/aws_error.hpp"
#include "services/dynamodb/errors.hpp"

namespace fogbank::dynamodb {

namespace {

constexpr int kMaxDigits = 38;
// 1E-130 = 0.1E-129 is the smallest magnitude; 9.99..E+125 = 0.999..E+126 the largest.
constexpr int kMinExponent = -129;
constexpr int kMaxExponent = 126;

}  // namespace

std::optional<Number> Number::try_parse(std::string_view s) {
    Number n;
    size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) n.negative_ = s[i++] == '-';
    std::string mantissa;
    int point = -1;
    bool any = false;
    for (; i < s.size(); ++i) {
        char c = s[i];
        if (std::isdigit(static_cast<unsigned char>(c))) {
            mantissa.push_back(c);
            any = true;
        } else if (c == '.' && point < 0) {
            point = static_cast<int>(mantissa.size());
        } else {
            break;
        }
    }
    if (!any) return std::nullopt;
    long exp10 = 0;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        bool neg = false;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
        size_t start = i;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) && i - start < 9)
            exp10 = exp10 * 10 + (s[i++] - '0');
        if (i == start) return std::nullopt;
        if (neg) exp10 = -exp10;
    }
    if (i != s.size()) return std::nullopt;
    if (point < 0) point = static_cast<int>(mantissa.size());
    // 0.mantissa * 10^(point + exp10) before stripping leading zeros.
    n.digits_ = mantissa;
    n.exponent_ = static_cast<int>(point + exp10);
    return n;
}

Number Number::parse(std::string_view text) {
    auto n = try_parse(text);
    if (!n) throw validation("A value provided cannot be converted into a number");
    n->normalize();
    return *n;
}

void Number::normalize() {
    size_t lead = 0;
    while (lead < digits_.size() && digits_[lead] == '0')
        ++lead;
    digits_.erase(0, lead);
    exponent_ -= static_cast<int>(lead);
    while (!digits_.empty() && digits_.back() == '0')
        digits_.pop_back();
    if (digits_.empty()) {
        negative_ = false;
        exponent_ = 0;
        return;
    }
    if (static_cast<int>(digits_.size()) > kMaxDigits)
        throw validation("Attempting to store more than 38 significant digits in a Number");
    if (exponent_ > kMaxExponent)
        throw validation(
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range");
    if (exponent_ < kMinExponent)
        throw validation(
            "Number underflow. Attempting to store a number with magnitude smaller than supported "
            "range");
}

std::string Number::str() const {
    if (digits_.empty()) return "0";
    std::string out = negative_ ? "-" : "";
    int n = static_cast<int>(digits_.size());
    if (exponent_ <= 0) {
        out += "0." + std::string(static_cast<size_t>(-exponent_), '0') + digits_;
    } else if (exponent_ >= n) {
        out += digits_ + std::string(static_cast<size_t>(exponent_ - n), '0');
    } else {
        out += digits_.substr(0, static_cast<size_t>(exponent_)) + "." +
               digits_.substr(static_cast<size_t>(exponent_));
    }
    return out;
}

std::string Number::sort_key() const {
    // Zero between the negatives (0x40...) and the positives (0xC0...). Then the biased
    // exponent, then the digits; negatives invert both and end with 0xFF so that a longer
    // magnitude with the same prefix sorts lower.
    if (digits_.empty()) return std::string(1, '\x80');
    auto biased = static_cast<unsigned>(exponent_ - kMinExponent + 1);  // 1..256
    std::string out;
    if (!negative_) {
        out.push_back('\xC0');
        out.push_back(static_cast<char>(biased >> 8));
        out.push_back(static_cast<char>(biased & 0xFF));
        out += digits_;
        return out;
    }
    unsigned inv = 0xFFFF - biased;
    out.push_back('\x40');
    out.push_back(static_cast<char>(inv >> 8));
    out.push_back(static_cast<char>(inv & 0xFF));
    for (char d : digits_)
        out.push_back(static_cast<char>('9' - d + '0'));
    out.push_back('\xFF');
    return out;
}

int Number::compare_magnitude(const Number& o) const {
    if (digits_.empty() || o.digits_.empty())
        return digits_.empty() ? (o.digits_.empty() ? 0 : -1) : 1;
    if (exponent_ != o.exponent_) return exponent_ < o.exponent_ ? -1 : 1;
    int c = digits_.compare(o.digits_);  // same exponent: digit strings compare as decimals
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

int Number::compare(const Number& o) const {
    if (negative_ != o.negative_) {
        if (is_zero() && o.is_zero()) return 0;
        return negative_ ? -1 : 1;
    }
    int m = compare_magnitude(o);
    return negative_ ? -m : m;
}

Number Number::operator-() const {
    Number n = *this;
    if (!n.is_zero()) n.negative_ = !n.negative_;
    return n;
}

namespace {
// Both as integers over the same scale: digits followed by zeros so that the last digit of
// each stands for 10^(exponent - size) and both share the smaller of those.
std::pair<std::string, std::string> aligned(const std::string& ad, int ae, const std::string& bd,
                                            int be) {
    int a_low = ae - static_cast<int>(ad.size());
    int b_low = be - static_cast<int>(bd.size());
    int low = std::min(a_low, b_low);
    std::string a = ad + std::string(static_cast<size_t>(a_low - low), '0');
    std::string b = bd + std::string(static_cast<size_t>(b_low - low), '0');
    size_t width = std::max(a.size(), b.size());
    a.insert(0, width - a.size(), '0');
    b.insert(0, width - b.size(), '0');
    return {a, b};
}
}  // namespace

Number Number::add_magnitudes(const Number& a, const Number& b) {
    auto [x, y] = aligned(a.digits_, a.exponent_, b.digits_, b.exponent_);
    int low = std::min(a.exponent_ - static_cast<int>(a.digits_.size()),
                       b.exponent_ - static_cast<int>(b.digits_.size()));
    std::string sum(x.size() + 1, '0');
    int carry = 0;
    for (size_t k = x.size(); k-- > 0;) {
        int d = (x[k] - '0') + (y[k] - '0') + carry;
        sum[k + 1] = static_cast<char>('0' + d % 10);
        carry = d / 10;
    }
    sum[0] = static_cast<char>('0' + carry);
    Number r;
    r.digits_ = sum;
    r.exponent_ = low + static_cast<int>(sum.size());
    return r;
}

Number Number::subtract_magnitudes(const Number& a, const Number& b) {
    auto [x, y] = aligned(a.digits_, a.exponent_, b.digits_, b.exponent_);
    int low = std::min(a.exponent_ - static_cast<int>(a.digits_.size()),
                       b.exponent_ - static_cast<int>(b.digits_.size()));
    std::string diff(x.size(), '0');
    int borrow = 0;
    for (size_t k = x.size(); k-- > 0;) {
        int d = (x[k] - '0') - (y[k] - '0') - borrow;
        borrow = d < 0;
        diff[k] = static_cast<char>('0' + (d + 10) % 10);
    }
    Number r;
    r.digits_ = diff;
    r.exponent_ = low + static_cast<int>(diff.size());
    return r;
}

Number Number::operator+(const Number& o) const {
    if (is_zero()) return o;
    if (o.is_zero()) return *this;
    Number r;
    if (negative_ == o.negative_) {
        r = add_magnitudes(*this, o);
        r.negative_ = negative_;
    } else if (compare_magnitude(o) >= 0) {
        r = subtract_magnitudes(*this, o);
        r.negative_ = negative_;
    } else {
        r = subtract_magnitudes(o, *this);
        r.negative_ = o.negative_;
    }
    r.normalize();
    return r;
}

Number Number::operator-(const Number& o) const {
    return *this + (-o);
}

}  // namespace fogbank::dynamodb
