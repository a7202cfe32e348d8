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
  "fullname": {"S": "Alice Smith"},
  "flag": {"BOOL": true},
  "nul": {"NULL": true},
  "bin": {"B": "AAEC"},
  "tags": {"SS": ["a", "b"]},
  "nums": {"NS": ["1", "2.50"]},
  "lst": {"L": [{"S": "x"}, {"N": "2"}, {"M": {"deep": {"S": "y"}}}]},
  "mp": {"M": {"k": {"S": "v"}, "nested": {"M": {"z": {"N": "-1"}}}}}
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
        {"fullname = :name", true},
        {"begins_with(fullname, :s)", true},
        {"begins_with(n, :s)", false},
        {"begins_with(bin, :b01)", true},
        {"contains(fullname, :s)", true},
        {"contains(tags, :a)", true},
        {"contains(tags, :x)", false},
        {"contains(nums, :twohalf)", true},  // set members compare as numbers
        {"contains(lst, :x)", true},
        {"contains(lst, :two)", true},
        {"tags = :tags", true},  // sets are unordered
        {"attribute_exists(mp.nested.z)", true},
        {"attribute_exists(mp.nested.y)", false},
        {"attribute_not_exists(absent)", true},
        {"attribute_exists(lst[2].deep)", true},
        {"attribute_exists(lst[3])", false},
        {"attribute_type(fullname, :typeS)", true},
        {"attribute_type(tags, :typeSS)", true},
        {"attribute_type(n, :typeS)", false},
        {"size(fullname) = :ten", false},
        {"size(tags) = :two", true},
        {"size(lst) > :two", true},
        {"size(absent) = :two", false},
        {"absent = :two", false},
        {"absent <> :two", true},
        {"n IN (:five, :ten)", true},
        {"n IN (:five, :twenty)", false},
        {"NOT n = :five", true},
        {"flag = :true AND (n = :five OR fullname = :name)", true},
        {"NOT (flag = :true AND n = :ten)", false},
        // Ordering within a type.
        {"n >= :ten", true},
        {"n <= :ten", true},
        {"n > :ten", false},
        {"n < :ten", false},
        {"fullname > :s", true},  // a longer string after its prefix
        {"fullname < :s", false},
        {":s < fullname", true},
        {"bin = :b01", false},
        {"bin > :b01", true},  // binary compares bytewise
        {"n BETWEEN :five AND :ten", true},
        {"n BETWEEN :one AND :five", false},
        {"fullname BETWEEN :s AND :x", true},
        // Booleans, nulls and documents.
        {"flag = :true", true},
        {"flag <> :true", false},
        {"nul = :true", false},
        {"lst[0] = :x", true},
        {"lst[1] = :two", true},
        {"lst[5] = :x", false},
        {"mp.k = :x", false},
        {"mp.nested.z < :one", true},
        {"lst = :list", false},
        {"tags <> :c", true},
        // Functions on every type they accept.
        {"attribute_type(nul, :typeS)", false},
        {"attribute_type(lst, :typeS)", false},
        {"contains(fullname, :x)", false},
        {"contains(lst, :list)", false},
        {"begins_with(fullname, :name)", true},
        {"size(fullname) > :ten", true},
        {"size(nums) = :two", true},
        {"size(mp) = :two", true},
        {"size(bin) > :two", true},
        {"n IN (:s, :ten)", true},
        {"fullname IN (:name)", true},
        // Logic.
        {"NOT attribute_exists(absent)", true},
        {"attribute_exists(absent) OR attribute_exists(id)", true},
        {"attribute_exists(absent) AND attribute_exists(id)", false},
        {"NOT NOT n = :ten", true},
        {"(n = :ten)", true},
        {"n = :five OR n = :ten AND flag = :true", true},  // AND binds tighter
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
    EXPECT_EQ(updated("SET lst = list_append(lst, :list)")["lst"]["L"].size(), 4u);
    EXPECT_EQ(updated("SET lst = list_append(:list, lst)")["lst"]["L"][0], json({{"S", "q"}}));
    EXPECT_EQ(updated("SET mp.nested.z = :five")["mp"]["M"]["nested"]["M"]["z"],
              json({{"N", "5"}}));
    EXPECT_EQ(updated("SET mp.newkey = :x")["mp"]["M"]["newkey"], json({{"S", "x"}}));
    EXPECT_EQ(updated("SET lst[1] = :x")["lst"]["L"][1], json({{"S", "x"}}));
    EXPECT_EQ(updated("SET lst[9] = :x")["lst"]["L"][3], json({{"S", "x"}}));  // appends
    // Right-hand sides read the item as it was: a swap works.
    json swapped = updated("SET a1 = n, n = fullname");
    EXPECT_EQ(swapped["a1"], json({{"N", "10"}}));
    EXPECT_EQ(swapped["n"], json({{"S", "Alice Smith"}}));

    json removed = updated("REMOVE fullname, mp.k, lst[0], lst[2]");
    EXPECT_FALSE(removed.contains("fullname"));
    EXPECT_FALSE(removed["mp"]["M"].contains("k"));
    EXPECT_EQ(removed["lst"]["L"], json::parse(R"([{"N": "2"}])"));

    EXPECT_EQ(updated("ADD n :five")["n"], json({{"N", "15"}}));
    EXPECT_EQ(updated("ADD cnt :one")["cnt"], json({{"N", "1"}}));
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
    EXPECT_EQ(fails("SET n = fullname + :five"), "ValidationException");
    EXPECT_EQ(fails("SET n = absent + :five"), "ValidationException");
    EXPECT_EQ(fails("SET nope.x = :five"), "ValidationException");
    EXPECT_EQ(fails("ADD fullname :five"), "ValidationException");
    EXPECT_EQ(fails("ADD n :s"), "ValidationException");
    EXPECT_EQ(fails("DELETE tags :five"), "ValidationException");
    EXPECT_EQ(fails("SET lst = list_append(lst, :five)"), "ValidationException");
}

TEST(DynamoEvaluator, Projection) {
    expr::Placeholders ph;
    auto p = expr::parse_projection("id, mp.nested.z, lst[2].deep, lst[0], absent", ph);
    json out = project(kItem, p);
    EXPECT_EQ(out, json::parse(R"({
      "id": {"S": "face-1"},
      "mp": {"M": {"nested": {"M": {"z": {"N": "-1"}}}}},
      "lst": {"L": [{"M": {"deep": {"S": "y"}}}, {"S": "x"}]}
    })"));
}
