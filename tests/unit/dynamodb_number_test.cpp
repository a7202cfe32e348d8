// DynamoDB numbers: parsing and range rules, canonical text, exact comparison and arithmetic.
#include <gtest/gtest.h>

#include "emulator/aws_error.hpp"
#include "services/dynamodb/number.hpp"

using fogbank::AwsError;
using fogbank::dynamodb::Number;

namespace {
std::string error_of(const char* text) {
    try {
        Number::parse(text);
    } catch (const AwsError& e) {
        return e.what();
    }
    return "ok";
}
}  // namespace

TEST(DynamoNumber, CanonicalText) {
    struct Case {
        std::string in;
        std::string out;
    };
    for (auto c : std::initializer_list<Case>{
             {"0", "0"},
             {"-0", "0"},
             {"000.000", "0"},
             {"1", "1"},
             {"+1", "1"},
             {"100", "100"},
             {"1e2", "100"},
             {"1E+2", "100"},
             {"12.50", "12.5"},
             {"-0012.500", "-12.5"},
             {".5", "0.5"},
             {"5.", "5"},
             {"1e-3", "0.001"},
             {"123.456e1", "1234.56"},
             {"123.456e-4", "0.0123456"},
             {"1E-130", "0." + std::string(129, '0') + "1"},
             {"99999999999999999999999999999999999999", "99999999999999999999999999999999999999"}})
        EXPECT_EQ(Number::parse(c.in).str(), c.out) << c.in;
}

TEST(DynamoNumber, Rejects) {
    for (auto bad : {"", "-", ".", "e5", "1e", "1e+", "abc", "1.2.3", "1 ", " 1", "0x10", "NaN",
                     "Infinity", "1,5"})
        EXPECT_EQ(error_of(bad), "A value provided cannot be converted into a number") << bad;
    EXPECT_EQ(error_of("123456789012345678901234567890123456789"),
              "Attempting to store more than 38 significant digits in a Number");
    // Trailing zeros are not significant.
    EXPECT_EQ(error_of("12345678901234567890123456789012345678000"), "ok");
    EXPECT_NE(error_of("1E+126").find("overflow"), std::string::npos);
    EXPECT_EQ(error_of("9.9999999999999999999999999999999999999E+125"), "ok");
    EXPECT_NE(error_of("1E-131").find("underflow"), std::string::npos);
    EXPECT_EQ(error_of("1E-130"), "ok");
}

TEST(DynamoNumber, ComparesExactly) {
    auto cmp = [](const char* a, const char* b) {
        return Number::parse(a).compare(Number::parse(b));
    };
    EXPECT_EQ(cmp("1", "1.0"), 0);
    EXPECT_EQ(cmp("-0", "0"), 0);
    EXPECT_LT(cmp("2", "10"), 0);
    EXPECT_LT(cmp("-10", "-2"), 0);
    EXPECT_LT(cmp("-1", "0"), 0);
    EXPECT_LT(cmp("0", "0.0000001"), 0);
    EXPECT_LT(cmp("0.1", "0.11"), 0);
    EXPECT_GT(cmp("1e2", "99.999"), 0);
    // Beyond double's 17 digits.
    EXPECT_LT(
        cmp("12345678901234567890123456789012345678", "12345678901234567890123456789012345679"), 0);
}

TEST(DynamoNumber, AddsExactly) {
    auto add = [](const char* a, const char* b) {
        return (Number::parse(a) + Number::parse(b)).str();
    };
    auto sub = [](const char* a, const char* b) {
        return (Number::parse(a) - Number::parse(b)).str();
    };
    EXPECT_EQ(add("0.1", "0.2"), "0.3");
    EXPECT_EQ(add("1", "-1"), "0");
    EXPECT_EQ(add("999", "1"), "1000");
    EXPECT_EQ(add("-5", "3"), "-2");
    EXPECT_EQ(add("3", "-5"), "-2");
    EXPECT_EQ(add("1e10", "1e-10"), "10000000000.0000000001");
    EXPECT_EQ(sub("10", "0.001"), "9.999");
    EXPECT_EQ(sub("-1.5", "-1.5"), "0");
    EXPECT_EQ(add("99999999999999999999999999999999999998", "1"),
              "99999999999999999999999999999999999999");
    EXPECT_THROW(add("99999999999999999999999999999999999999", "0.1"), AwsError);
}
