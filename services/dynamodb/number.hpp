// DynamoDB numbers: decimals of up to 38 significant digits between 1E-130 and
// 9.99...E+125 in magnitude, compared and added exactly, never through double.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fogbank::dynamodb {

class Number {
  public:
    Number() = default;  // zero
    // ValidationException (AwsError) for text that is not a number or out of DynamoDB's range.
    static Number parse(std::string_view text);
    static std::optional<Number> try_parse(std::string_view text);

    // Plain decimal notation, as DynamoDB returns numbers ("-12.5", "100", "0.001").
    std::string str() const;
    bool is_zero() const { return digits_.empty(); }
    bool negative() const { return negative_; }

    // Bytes whose memcmp order is the numeric order: keys sort by it in SQLite.
    std::string sort_key() const;

    // DynamoDB's size accounting: one byte per two significant digits, plus one.
    size_t storage_size() const { return (digits_.size() + 1) / 2 + 1; }

    Number operator+(const Number& o) const;
    Number operator-(const Number& o) const;
    Number operator-() const;
    int compare(const Number& o) const;
    bool operator==(const Number& o) const { return compare(o) == 0; }
    bool operator<(const Number& o) const { return compare(o) < 0; }

  private:
    // value = (negative ? -1 : 1) * 0.d1d2...dn * 10^exponent, d1 != 0, dn != 0.
    bool negative_ = false;
    std::string digits_;
    int exponent_ = 0;

    void normalize();  // strips zeros, checks precision and range
    int compare_magnitude(const Number& o) const;
    static Number add_magnitudes(const Number& a, const Number& b);
    static Number subtract_magnitudes(const Number& a, const Number& b);  // |a| >= |b|
};

}  // namespace fogbank::dynamodb
