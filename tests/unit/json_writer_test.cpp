// write_json must give, byte for byte, what nlohmann's dump() gives: answers are compared with
// it here over the shapes services write, escapes, non-ASCII and invalid UTF-8 included.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <vector>

#include "emulator/json_writer.hpp"

namespace fogbank {
namespace {

using json = nlohmann::json;

void expect_same(const json& v) {
    EXPECT_EQ(json_text(v), v.dump()) << v.dump();
    EXPECT_EQ(json_text(v, JsonErrorHandler::replace),
              v.dump(-1, ' ', false, JsonErrorHandler::replace));
}

TEST(JsonWriter, WritesScalarsAsDumpDoes) {
    for (const json& v : {json(nullptr), json(true), json(false), json(0), json(-1),
                          json(INT64_MIN), json(INT64_MAX), json(UINT64_MAX), json(0.5),
                          json(1e300), json(-0.0), json(3.0), json(""), json("plain")})
        expect_same(v);
}

TEST(JsonWriter, EscapesAsDumpDoes) {
    std::string every_ascii;
    for (int c = 0; c < 0x80; ++c)
        every_ascii += static_cast<char>(c);
    expect_same(every_ascii);
    expect_same("quote \" backslash \\ tab \t newline \n nul " + std::string(1, '\0'));
    expect_same("\x7f del stays");
}

TEST(JsonWriter, LeavesNonAsciiToNlohmann) {
    expect_same("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    expect_same(json::object({{"k\xc3\xa9y", "v\xc3\xa9"}}));
}

// Plain runs are passed over eight bytes at a time: a byte that must be escaped, or is not
// ASCII, is found at every offset of a long string.
TEST(JsonWriter, FindsEveryByteThatMattersAtEveryOffsetOfALongString) {
    for (const std::string& special : std::vector<std::string>{
             "\"", "\\", "\n", std::string(1, '\0'), "\x1f", "\x7f", "\xc3\xa9", "\xe2\x82\xac"})
        for (size_t at = 0; at < 24; ++at)
            expect_same(std::string(at, 'x') + special + std::string(19, 'y'));
    json bad = std::string(21, 'x') + "\xff" + std::string(9, 'y');
    EXPECT_THROW(json_text(bad), json::type_error);
}

TEST(JsonWriter, InvalidUtf8ThrowsOrIsReplacedAsDumpDoes) {
    json bad = std::string(
        "a\xff"
        "b");
    EXPECT_THROW(json_text(bad), json::type_error);
    EXPECT_EQ(json_text(bad, JsonErrorHandler::replace),
              bad.dump(-1, ' ', false, JsonErrorHandler::replace));
}

TEST(JsonWriter, WritesContainersInDumpsOrder) {
    json item = json::parse(R"({"pk":{"S":"g1"},"sk":{"N":"0"},"tags":{"SS":["a","b"]},
        "nested":{"L":[{"M":{"z":{"BOOL":true},"a":{"NULL":true}}}]},"empty":{},"list":[]})");
    expect_same(item);
    expect_same(json::array({1, "two", nullptr, json::array(), json::object()}));
}

TEST(JsonWriter, AgreesWithDumpOnRandomDocuments) {
    std::mt19937 rng(1234);
    const std::string alphabet = std::string("abcXYZ09 \"\\/\n\t\x01\x1f") + "\xc3\xa9";
    auto random_string = [&] {
        std::string s;
        for (int n = rng() % 12; n > 0; --n)
            s += alphabet[rng() % alphabet.size()];
        return s;
    };
    std::function<json(int)> random_value = [&](int depth) -> json {
        switch (rng() % (depth > 3 ? 5 : 7)) {
            case 0:
                return nullptr;
            case 1:
                return rng() % 2 == 0;
            case 2:
                return static_cast<int64_t>(rng()) - (1 << 30);
            case 3:
                return static_cast<double>(rng()) / 7.0;
            case 4:
                return random_string();
            case 5: {
                json a = json::array();
                for (int n = rng() % 4; n > 0; --n)
                    a.push_back(random_value(depth + 1));
                return a;
            }
            default: {
                json o = json::object();
                for (int n = rng() % 4; n > 0; --n)
                    o[random_string()] = random_value(depth + 1);
                return o;
            }
        }
    };
    for (int i = 0; i < 500; ++i) {
        json v = random_value(0);
        // A random cut of "é" leaves invalid UTF-8: both must then throw alike.
        std::string mine, theirs;
        bool mine_threw = false, theirs_threw = false;
        try {
            mine = json_text(v);
        } catch (const json::type_error&) {
            mine_threw = true;
        }
        try {
            theirs = v.dump();
        } catch (const json::type_error&) {
            theirs_threw = true;
        }
        ASSERT_EQ(mine_threw, theirs_threw);
        ASSERT_EQ(mine, theirs);
    }
}

}  // namespace
}  // namespace fogbank
