// Event filter patterns: what each matcher accepts, how keys and arrays combine, and which
// texts are refused as patterns.
#include "emulator/event_pattern.hpp"

#include <gtest/gtest.h>

using fogbank::EventPattern;
using nlohmann::json;

namespace {
bool match(const char* pattern, const char* event) {
    auto p = EventPattern::parse(pattern);
    EXPECT_TRUE(p.has_value()) << pattern;
    return p && p->matches(json::parse(event));
}
}  // namespace

TEST(EventPattern, LiteralsNestingAndArrays) {
    EXPECT_TRUE(match(R"({"eventName": ["INSERT", "MODIFY"]})", R"({"eventName": "MODIFY"})"));
    EXPECT_FALSE(match(R"({"eventName": ["INSERT"]})", R"({"eventName": "REMOVE"})"));
    EXPECT_TRUE(match(R"({"a": {"b": [1]}})", R"({"a": {"b": 1.0}})"));
    EXPECT_FALSE(match(R"({"a": {"b": [1]}})", R"({"a": 1})"));
    EXPECT_TRUE(match(R"({"tags": ["x"]})", R"({"tags": ["w", "x"]})"));
    EXPECT_TRUE(match(R"({"a": [null]})", R"({"a": null})"));
    // Every key must hold.
    EXPECT_FALSE(match(R"({"a": ["1"], "b": ["2"]})", R"({"a": "1", "b": "3"})"));
}

TEST(EventPattern, Matchers) {
    EXPECT_TRUE(match(R"({"k": [{"prefix": "img/"}]})", R"({"k": "img/cat.jpg"})"));
    EXPECT_FALSE(match(R"({"k": [{"prefix": "img/"}]})", R"({"k": 5})"));
    EXPECT_TRUE(match(R"({"k": [{"suffix": ".jpg"}]})", R"({"k": "img/cat.jpg"})"));
    EXPECT_TRUE(match(R"({"k": [{"equals-ignore-case": "DONE"}]})", R"({"k": "done"})"));
    EXPECT_TRUE(match(R"({"n": [{"numeric": [">", 0, "<=", 5]}]})", R"({"n": 5})"));
    EXPECT_FALSE(match(R"({"n": [{"numeric": [">", 0, "<=", 5]}]})", R"({"n": 6})"));
    EXPECT_TRUE(match(R"({"s": [{"anything-but": ["a", "b"]}]})", R"({"s": "c"})"));
    EXPECT_FALSE(match(R"({"s": [{"anything-but": "a"}]})", R"({"s": "a"})"));
    EXPECT_FALSE(match(R"({"s": [{"anything-but": {"prefix": "tmp"}}]})", R"({"s": "tmp1"})"));
    EXPECT_TRUE(match(R"({"x": [{"exists": false}]})", R"({"y": 1})"));
    EXPECT_FALSE(match(R"({"x": [{"exists": true}]})", R"({"y": 1})"));
    EXPECT_TRUE(match(R"({"x": [{"exists": true}]})", R"({"x": 0})"));
    // A missing field matches nothing but exists:false.
    EXPECT_FALSE(match(R"({"x": [{"anything-but": "a"}]})", R"({})"));
}

TEST(EventPattern, InvalidPatternsAreRefused) {
    for (const char* bad :
         {"", "[]", "{}", R"({"a": "x"})", R"({"a": []})", R"({"a": [{"prefix": 1}]})",
          R"({"a": [{"numeric": [">"]}]})", R"({"a": [{"numeric": ["~", 1]}]})",
          R"({"a": [{"unknown": 1}]})", R"({"a": [{"prefix": "a", "suffix": "b"}]})",
          R"({"a": [[1]]})", "not json"})
        EXPECT_FALSE(EventPattern::parse(bad).has_value()) << bad;
    std::string deep;
    for (int i = 0; i < 40; ++i)
        deep += "{\"a\":";
    deep += "[1]";
    for (int i = 0; i < 40; ++i)
        deep += "}";
    EXPECT_FALSE(EventPattern::parse(deep).has_value());
    EXPECT_FALSE(EventPattern::parse(std::string(5000, ' ') + R"({"a": [1]})").has_value());
}
