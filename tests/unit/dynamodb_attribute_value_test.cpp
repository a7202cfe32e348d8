// AttributeValue validation, item size accounting and the sort-key encoding.
#include <gtest/gtest.h>

#include "emulator/aws_error.hpp"
#include "services/dynamodb/attribute_value.hpp"
#include "services/dynamodb/number.hpp"

using nlohmann::json;
using namespace fogbank::dynamodb;

namespace {
std::string check(const char* text) {
    json v = json::parse(text);
    try {
        validate_value(v);
    } catch (const fogbank::AwsError& e) {
        return e.what();
    }
    return v.dump();
}
}  // namespace

TEST(DynamoAttributeValue, Validation) {
    struct Case {
        const char* in;
        const char* out;
    };
    const Case cases[] = {
        {R"({"S": ""})", R"({"S":""})"},
        {R"({"N": "01.50"})", R"({"N":"1.5"})"},  // stored canonical
        {R"({"NS": ["1", "2.0"]})", R"({"NS":["1","2"]})"},
        {R"({"BOOL": false})", R"({"BOOL":false})"},
        {R"({"NULL": true})", R"({"NULL":true})"},
        {R"({"L": [{"N": "1"}, {"M": {"a": {"S": "x"}}}]})",
         R"({"L":[{"N":"1"},{"M":{"a":{"S":"x"}}}]})"},
        {R"({})",
         "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"},
        {R"({"S": "a", "N": "1"})",
         "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
         "supported datatypes"},
        {R"({"X": "a"})", "Supplied AttributeValue has an unknown datatype: X"},
        {R"({"N": "abc"})", "A value provided cannot be converted into a number"},
        {R"({"SS": []})",
         "One or more parameter values were invalid: An string set  may not be empty"},
        {R"({"NS": []})",
         "One or more parameter values were invalid: An number set  may not be empty"},
        {R"({"SS": ["a", "a"]})",
         "One or more parameter values were invalid: Input collection [a, a] contains duplicates."},
        {R"({"NS": ["1", "1.0"]})",
         "One or more parameter values were invalid: Input collection [1, 1] contains duplicates."},
        {R"({"NULL": false})",
         "One or more parameter values were invalid: Null attribute value types must have the "
         "value of true"},
        {R"({"B": "!!!"})", "Supplied AttributeValue of type B is not valid base64"},
        {R"({"L": [{"N": "x"}]})", "A value provided cannot be converted into a number"},
    };
    for (auto& c : cases)
        EXPECT_EQ(check(c.in), c.out) << c.in;
}

TEST(DynamoAttributeValue, ItemSize) {
    // name + value: "id"(2) + "abc"(3); "n"(1) + 12345 -> 5 digits -> 3 + 1; "ok"(2) + BOOL 1
    EXPECT_EQ(item_size(json::parse(
                  R"({"id": {"S": "abc"}, "n": {"N": "12345"}, "ok": {"BOOL": true}})")),
              2u + 3 + 1 + 4 + 2 + 1);
    // Maps and lists: 3 bytes plus 1 per element (plus key names in maps).
    EXPECT_EQ(
        item_size(json::parse(R"({"m": {"M": {"k": {"S": "vv"}}}, "l": {"L": [{"S": "x"}]}})")),
        1u + (3 + 1 + 2 + 1) + 1 + (3 + 1 + 1));
}

TEST(DynamoAttributeValue, SortKeysOrderAsDynamoDB) {
    const char* numbers[] = {"-1e125", "-100", "-10.5",   "-10", "-2",     "-1.5", "-1",
                             "-0.55",  "-0.5", "-1e-130", "0",   "1e-130", "0.5",  "0.55",
                             "1",      "1.5",  "2",       "10",  "10.5",   "100",  "9.99e125"};
    for (size_t i = 0; i < std::size(numbers); ++i)
        for (size_t j = 0; j < std::size(numbers); ++j) {
            auto a = sort_key(json{{"N", numbers[i]}}), b = sort_key(json{{"N", numbers[j]}});
            EXPECT_EQ(a < b, i < j) << numbers[i] << " vs " << numbers[j];
        }
    // Strings and binary sort by their bytes (UTF-8 byte order, not by code unit).
    EXPECT_LT(sort_key(json{{"S", "Z"}}), sort_key(json{{"S", "a"}}));
    EXPECT_LT(sort_key(json{{"S", "\xef\xbd\x81"}}), sort_key(json{{"S", "\xf0\x9f\x98\x80"}}));
    EXPECT_LT(sort_key(json{{"B", "AA=="}}), sort_key(json{{"B", "/w=="}}));
}
