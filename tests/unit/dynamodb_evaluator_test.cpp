// Conditions, updates and projections run against real items, table-driven.
#include <gtest/gtest.h>

#include "emulator/aws_error.hpp"
#include "services/dynamodb/evaluator.hpp"

using nlohmann::json;
using namespace fogbank::dynamodb;

namespace {

const json kItem = json::parse(R"({
  "id": {"S": "face-1"},
  "n": {"N": "10"},
  "big": {"N": "12345678901234567890123456789012345678"},
  "name": {"S": "Alice Smith"},
  "flag": {"BOOL": true},
  "none": {"NULL": true},
  "bin": {"B": "AAEC"},
  "tags": {"SS": ["a", "b"]},
  "nums": {"NS": ["1", "2.50"]},
  "list": {"L": [{"S": "x"}, {"N": "2"}, {"M": {"deep": {"S": "y"}}}]},
  "map": {"M": {"k": {"S": "v"}, "inner": {"M": {"z": {"N": "-1"}}}}}
})");

const json kValues = json::parse(R"({
  ":s": {"S": "Alice"}, ":name": {"S": "Alice Smith"}, ":ten": {"N": "10.0"},
  ":five": {"N": "5"}, ":twenty": {"N": "20"}, ":a": {"S": "a"}, ":x": {"S": "x"},
  ":two": {"N": "2"}, ":twohalf": {"N": "2.5"}, ":tags": {"SS": ["b", "a"]}, ":typeS": {"S": "S"},
  ":typeSS": {"S": "SS"}, ":bogus": {"S": "STRING"}, ":b01": {"B": "AAE="}, ":true": {"BOOL": true},
  ":list": {"L": [{"S": "q"}]}, ":c": {"SS": ["c"]}, ":one": {"N": "1"},
  ":big1": {"N": "12345678901234567890123456789012345679"}
})");

bool holds(const std::string& text) {
    expr::Placeholders ph{nullptr, &kValues};
    return evaluate(expr::parse_condition(text, ph, "ConditionExpression"), kItem, kValues);
}

json updated(const std::string& text, json item = kItem) {
    expr::Placeholders ph{nullptr, &kValues};
    apply_update(item, expr::parse_update(text, ph), kValues);
    return item;
}

}  // namespace

TEST(DynamoEvaluator, Conditions) {
    struct Case {
        const char* text;
        bool expected;
    };
    const Case cases[] = {
        {"n = :ten", true},  // numbers compare by value: 10 = 10.0
        {"n <> :ten", false},
        {"n > :five AND n < :twenty", true},
        {"n BETWEEN :five AND :twenty", true},
        {"n BETWEEN :ten AND :ten", true},
        {"n BETWEEN :twenty AND :twenty", false},
        {"big < :big1", true},  // beyond double precision
        {"n = :s", false},      // different types are never equal
        {"n <> :s", true},
        {"n < :s", false},  // and never ordered
        {"name = :name", true},
        {"begins_with(name, :s)", true},
        {"begins_with(n, :s)", false},
        {"begins_with(bin, :b01)", true},
        {"contains(name, :s)", true},
        {"contains(tags, :a)", true},
        {"contains(tags, :x)", false},
        {"contains(nums, :twohalf)", true},  // set members compare as numbers
        {"contains(list, :x)", true},
        {"contains(list, :two)", true},
        {"tags = :tags", true},  // sets are unordered
        {"attribute_exists(map.inner.z)", true},
        {"attribute_exists(map.inner.y)", false},
        {"attribute_not_exists(missing)", true},
        {"attribute_exists(list[2].deep)", true},
        {"attribute_exists(list[3])", false},
        {"attribute_type(name, :typeS)", true},
        {"attribute_type(tags, :typeSS)", true},
        {"attribute_type(n, :typeS)", false},
        {"size(name) = :ten", false},
        {"size(tags) = :two", true},
        {"size(list) > :two", true},
        {"size(missing) = :two", false},
        {"missing = :two", false},
        {"missing <> :two", true},
        {"n IN (:five, :ten)", true},
        {"n IN (:five, :twenty)", false},
        {"NOT n = :five", true},
        {"flag = :true AND (n = :five OR name = :name)", true},
        {"NOT (flag = :true AND n = :ten)", false},
    };
    for (auto& c : cases)
        EXPECT_EQ(holds(c.text), c.expected) << c.text;
}

TEST(DynamoEvaluator, ConditionErrors) {
    EXPECT_THROW(holds("n BETWEEN :twenty AND :five"), fogbank::AwsError);
    EXPECT_THROW(holds("attribute_type(n, :bogus)"), fogbank::AwsError);
}

TEST(DynamoEvaluator, Updates) {
    EXPECT_EQ(updated("SET n = n + :five")["n"], json({{"N", "15"}}));
    EXPECT_EQ(updated("SET n = :five - n")["n"], json({{"N", "-5"}}));
    EXPECT_EQ(updated("SET big = big + :one")["big"],
              json({{"N", "12345678901234567890123456789012345679"}}));
    EXPECT_EQ(updated("SET c = if_not_exists(c, :five)")["c"], json({{"N", "5"}}));
    EXPECT_EQ(updated("SET n = if_not_exists(n, :five)")["n"], json({{"N", "10"}}));
    EXPECT_EQ(updated("SET list = list_append(list, :list)")["list"]["L"].size(), 4u);
    EXPECT_EQ(updated("SET list = list_append(:list, list)")["list"]["L"][0], json({{"S", "q"}}));
    EXPECT_EQ(updated("SET map.inner.z = :five")["map"]["M"]["inner"]["M"]["z"],
              json({{"N", "5"}}));
    EXPECT_EQ(updated("SET map.newkey = :x")["map"]["M"]["newkey"], json({{"S", "x"}}));
    EXPECT_EQ(updated("SET list[1] = :x")["list"]["L"][1], json({{"S", "x"}}));
    EXPECT_EQ(updated("SET list[9] = :x")["list"]["L"][3], json({{"S", "x"}}));  // appends
    // Right-hand sides read the item as it was: a swap works.
    json swapped = updated("SET a1 = n, n = name");
    EXPECT_EQ(swapped["a1"], json({{"N", "10"}}));
    EXPECT_EQ(swapped["n"], json({{"S", "Alice Smith"}}));

    json removed = updated("REMOVE name, map.k, list[0], list[2]");
    EXPECT_FALSE(removed.contains("name"));
    EXPECT_FALSE(removed["map"]["M"].contains("k"));
    EXPECT_EQ(removed["list"]["L"], json::parse(R"([{"N": "2"}])"));

    EXPECT_EQ(updated("ADD n :five")["n"], json({{"N", "15"}}));
    EXPECT_EQ(updated("ADD counter :one")["counter"], json({{"N", "1"}}));
    EXPECT_EQ(updated("ADD tags :c")["tags"]["SS"], json::parse(R"(["a", "b", "c"])"));
    EXPECT_EQ(updated("DELETE tags :tags").contains("tags"), false);  // empty set: removed
    EXPECT_EQ(updated("ADD newset :c")["newset"], json({{"SS", {"c"}}}));

    auto fails = [](const char* text) {
        try {
            updated(text);
        } catch (const fogbank::AwsError& e) {
            return std::string(e.code());
        }
        return std::string("ok");
    };
    EXPECT_EQ(fails("SET n = name + :five"), "ValidationException");
    EXPECT_EQ(fails("SET n = missing + :five"), "ValidationException");
    EXPECT_EQ(fails("SET nope.x = :five"), "ValidationException");
    EXPECT_EQ(fails("ADD name :five"), "ValidationException");
    EXPECT_EQ(fails("ADD n :s"), "ValidationException");
    EXPECT_EQ(fails("DELETE tags :five"), "ValidationException");
    EXPECT_EQ(fails("SET list = list_append(list, :five)"), "ValidationException");
}

TEST(DynamoEvaluator, Projection) {
    expr::Placeholders ph;
    auto p = expr::parse_projection("id, map.inner.z, list[2].deep, list[0], missing", ph);
    json out = project(kItem, p);
    EXPECT_EQ(out, json::parse(R"({
      "id": {"S": "face-1"},
      "map": {"M": {"inner": {"M": {"z": {"N": "-1"}}}}},
      "list": {"L": [{"M": {"deep": {"S": "y"}}}, {"S": "x"}]}
    })"));
}
