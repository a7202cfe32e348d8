// The request path's JSON reader, held to nlohmann::json::parse: on every text here both accept
// or both refuse, and what they accept they build alike (compared by dump(), which tells an
// unsigned from a signed integer from a float).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "emulator/json_reader.hpp"

using fogbank::JsonRead;
using fogbank::read_json;
using nlohmann::json;

namespace {

JsonRead mine(const std::string& text, json& out, size_t depth = 256) {
    return read_json(text, out, depth);
}

void agrees_with_nlohmann(const std::string& text) {
    json got;
    JsonRead r = mine(text, got);
    json want = json::parse(text, nullptr, false);
    ASSERT_EQ(r == JsonRead::ok, !want.is_discarded()) << testing::PrintToString(text);
    if (r == JsonRead::ok) {
        EXPECT_EQ(got.dump(), want.dump()) << testing::PrintToString(text);
    }
}

}  // namespace

TEST(JsonReader, AcceptsWhatNlohmannAcceptsAndBuildsTheSame) {
    const std::vector<std::string> texts = {
        "{}", "[]", " \t\r\n{ } ", "null", "true", "false", "0", "-0", "-0.0", "1.5e3", "1E-2",
        "123456789012345678901234567890", "18446744073709551615", "18446744073709551616",
        "-9223372036854775808", "-9223372036854775809", "1e-400", "4.9e-324", R"({"a":1,"a":2})",
        R"({"b":[1,{"c":null}],"a":"x"})", R"([1,2,[3,[4,[]]]])", R"("\"\\\/\b\f\n\r\t")",
        R"("\u0041\u00e9\u20ac\ud83d\ude00")", R"("\u0000")", "\xEF\xBB\xBF{\"bom\":1}",
        "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"",
        R"({"Image":{"Bytes":"/9j/4AAQSkZJRgABAQ=="}})", "[\"a\" , \"b\"]",
        // nlohmann ends its input at a NUL byte.
        std::string("{\"a\":1} \0 trailing", 18)};
    for (const auto& t : texts)
        agrees_with_nlohmann(t);
}

TEST(JsonReader, RefusesWhatNlohmannRefuses) {
    const std::vector<std::string> texts = {"",
                                            " ",
                                            "{",
                                            "}",
                                            "[1,]",
                                            "{\"a\":1,}",
                                            "{\"a\" 1}",
                                            "{a:1}",
                                            "[1 2]",
                                            "01",
                                            "1.",
                                            ".5",
                                            "-",
                                            "+1",
                                            "1e",
                                            "1e+",
                                            "0x10",
                                            "NaN",
                                            "Infinity",
                                            "1e400",
                                            "-1e400",
                                            "tru",
                                            "nulll",
                                            "{} {}",
                                            "\"open",
                                            "\"tab\there\"",
                                            R"("\x")",
                                            R"("\u12")",
                                            R"("\ud800")",
                                            R"("\udc00")",
                                            R"("\ud800\u0041")",
                                            "\"\xC0\xAF\"",
                                            "\"\xED\xA0\x80\"",
                                            "\"\xF4\x90\x80\x80\"",
                                            "\"\xE2\x82\"",
                                            "\"\x80\"",
                                            "\xEF\xBB{}",
                                            "[\"a\"]]",
                                            std::string("[1\0]", 4),
                                            std::string("\0", 1),
                                            "// comment\n{}"};
    for (const auto& t : texts) {
        json out;
        EXPECT_NE(mine(t, out), JsonRead::ok) << testing::PrintToString(t);
        agrees_with_nlohmann(t);
    }
}

TEST(JsonReader, BoundsNestingAsItGoes) {
    json out;
    std::string deep = std::string(256, '[') + std::string(256, ']');
    EXPECT_EQ(mine(deep, out), JsonRead::ok);
    EXPECT_EQ(mine("[" + deep + "]", out), JsonRead::too_deep);
    // Found before the end: the rest of a 100,000-deep text is never read.
    EXPECT_EQ(mine(std::string(100000, '[') + "garbage", out), JsonRead::too_deep);
    EXPECT_EQ(mine(R"({"a":{"b":[{}]}})", out, 3), JsonRead::too_deep);
    EXPECT_EQ(mine(R"({"a":{"b":[]}})", out, 3), JsonRead::ok);
}

TEST(JsonReader, CopiesALargeStringWhole) {
    std::string big(1 << 20, 'A');
    json out;
    ASSERT_EQ(mine("{\"Bytes\":\"" + big + "\"}", out), JsonRead::ok);
    EXPECT_EQ(out["Bytes"].get<std::string>(), big);
}

// Plain runs are scanned eight bytes at a time: a byte that ends the run, escapes, or is refused
// is found at every offset of a long string, whichever word it falls in.
TEST(JsonReader, FindsEveryKindOfByteAtEveryOffsetOfALongString) {
    const std::vector<std::string> specials = {
        "\"",   "\\\"",     "\\n",      "\\u00e9",          "\t",   "\x1f",
        "\x7f", "\xC3\xA9", "\xE2\x82", "\xF0\x9F\x98\x80", "\x80", " "};
    for (const auto& special : specials)
        for (size_t at = 0; at < 24; ++at) {
            std::string inner = std::string(at, 'x') + special + std::string(19, 'y');
            agrees_with_nlohmann("[\"" + inner + "\"]");
        }
}
