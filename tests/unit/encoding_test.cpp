#include "emulator/encoding.hpp"

#include <gtest/gtest.h>

#include <ctime>

using namespace fogbank;

TEST(Encoding, HexRoundTrip) {
    EXPECT_EQ(to_hex(std::string("\x00\xff\x10", 3)), "00ff10");
    EXPECT_EQ(*from_hex("00FF10"), std::string("\x00\xff\x10", 3));
    EXPECT_FALSE(from_hex("abc"));
    EXPECT_FALSE(from_hex("zz"));
}

TEST(Encoding, Base64) {
    struct Case {
        const char* raw;
        const char* b64;
    };
    for (auto c : {Case{"", ""}, Case{"f", "Zg=="}, Case{"fo", "Zm8="}, Case{"foo", "Zm9v"},
                   Case{"foobar", "Zm9vYmFy"}}) {
        EXPECT_EQ(base64_encode(c.raw), c.b64);
        EXPECT_EQ(*base64_decode(c.b64), c.raw);
    }
    EXPECT_FALSE(base64_decode("abc"));
    EXPECT_FALSE(base64_decode("a!c="));
}

TEST(Encoding, UriEncodeIsSigV4Style) {
    EXPECT_EQ(uri_encode("a b+c/d~e"), "a%20b%2Bc%2Fd~e");
    EXPECT_EQ(uri_encode("a b/c", true), "a%20b/c");
    EXPECT_EQ(uri_encode("\xc3\xa9"), "%C3%A9");
}

TEST(Encoding, UriDecode) {
    EXPECT_EQ(*uri_decode("a%20b%2Fc"), "a b/c");
    EXPECT_EQ(*uri_decode("a+b"), "a+b");
    EXPECT_EQ(*uri_decode("a+b", true), "a b");
    EXPECT_FALSE(uri_decode("%2"));
    EXPECT_FALSE(uri_decode("%zz"));
}

TEST(Encoding, Dates) {
    auto t = parse_amz_date("20130524T000000Z");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->time_since_epoch().count(), 1369353600000LL);
    EXPECT_EQ(format_amz_date(*t), "20130524T000000Z");
    EXPECT_EQ(format_http_date(*t), "Fri, 24 May 2013 00:00:00 GMT");
    EXPECT_EQ(format_iso8601_ms(*t + std::chrono::milliseconds(7)), "2013-05-24T00:00:00.007Z");
    EXPECT_EQ(*parse_http_date("Fri, 24 May 2013 00:00:00 GMT"), *t);
    EXPECT_EQ(*parse_http_date("Friday, 24-May-13 00:00:00 GMT"), *t);
    EXPECT_EQ(*parse_http_date("Fri May 24 00:00:00 2013"), *t);
    EXPECT_FALSE(parse_amz_date("2013-05-24"));
    EXPECT_FALSE(parse_http_date("yesterday"));
}

// Written field by field, held to strftime's answer across two centuries of seconds.
TEST(Encoding, HttpDatesAgreeWithStrftime) {
    uint64_t x = 88172645463325252ull;  // xorshift: a fixed spread of instants
    for (int i = 0; i < 20000; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        int64_t ms = static_cast<int64_t>(x % 4102444800000ull);  // 1970 to 2100
        fogbank::TimePoint t{std::chrono::milliseconds(ms)};
        std::time_t secs = ms / 1000;
        std::tm tm{};
        gmtime_r(&secs, &tm);
        char want[64];
        std::strftime(want, sizeof want, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        ASSERT_EQ(format_http_date(t), want) << ms;
    }
    EXPECT_EQ(format_http_date(fogbank::TimePoint{}), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(Encoding, Utf8CharactersCountCodePointsNotBytes) {
    EXPECT_EQ(fogbank::utf8_characters(""), 0u);
    EXPECT_EQ(fogbank::utf8_characters("abc"), 3u);
    EXPECT_EQ(fogbank::utf8_characters("caf\xC3\xA9"), 4u);                   // é: 2 bytes
    EXPECT_EQ(fogbank::utf8_characters("\xE2\x82\xAC\xF0\x9F\x98\x80"), 2u);  // € and 😀
}
