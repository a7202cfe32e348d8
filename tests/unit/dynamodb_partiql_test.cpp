// PartiQL statements as they come out translated: the expression text, the placeholders, the
// literal values, and the errors for statements that do not parse.
#include <gtest/gtest.h>

#include <algorithm>

#include "emulator/aws_error.hpp"
#include "services/dynamodb/partiql.hpp"

using nlohmann::json;
using namespace fogbank::dynamodb::partiql;

namespace {

// "kind|table|index|projection|where|update|item|names|values", or "ERROR message".
std::string render(const std::string& text, const json& params = json::array()) {
    try {
        Statement s = parse(text, params);
        static const char* kinds[] = {"select", "insert", "update", "delete"};
        return std::string(kinds[static_cast<int>(s.kind)]) + "|" + s.table + "|" + s.index + "|" +
               s.projection + "|" + s.where + "|" + s.update + "|" +
               (s.item.is_null() ? "" : s.item.dump()) + "|" + s.names.dump() + "|" +
               s.values.dump();
    } catch (const fogbank::AwsError& e) {
        return std::string("ERROR ") + e.what();
    }
}

}  // namespace

TEST(DynamoPartiql, Statements) {
    struct Case {
        const char* in;
        const char* out;
    };
    const Case cases[] = {
        {"SELECT * FROM t", "select|t||||||{}|{}"},
        {"select * from \"my-table\".\"by name\"", "select|my-table|by name|||||{}|{}"},
        {"SELECT a, b.c[2] FROM t",
         "select|t||#p0, #p1.#p2[2]||||{\"#p0\":\"a\",\"#p1\":\"b\",\"#p2\":\"c\"}|{}"},
        {"SELECT * FROM t WHERE pk = 'x' AND n >= 1.5",
         "select|t|||#p0 = :p0 AND #p1 >= :p1|||{\"#p0\":\"pk\",\"#p1\":\"n\"}|"
         "{\":p0\":{\"S\":\"x\"},\":p1\":{\"N\":\"1.5\"}}"},
        {"SELECT * FROM t WHERE a != 'it''s'",
         "select|t|||#p0 <> :p0|||{\"#p0\":\"a\"}|{\":p0\":{\"S\":\"it's\"}}"},
        {"SELECT * FROM t WHERE a IN ['x', 'y'] OR NOT b BETWEEN 1 AND 2",
         "select|t|||#p0 IN (:p0, :p1) OR NOT #p1 BETWEEN :p2 AND :p3|||{\"#p0\":\"a\",\"#p1\":"
         "\"b\"}|{\":p0\":{\"S\":\"x\"},\":p1\":{\"S\":\"y\"},\":p2\":{\"N\":\"1\"},\":p3\":{\"N\":"
         "\"2\"}}"},
        {"SELECT * FROM t WHERE begins_with(a, ?) AND b.c IS MISSING AND d IS NOT MISSING",
         "select|t|||begins_with(#p0, :p0) AND attribute_not_exists(#p1.#p2) AND "
         "attribute_exists(#p3)|||{\"#p0\":\"a\",\"#p1\":\"b\",\"#p2\":\"c\",\"#p3\":\"d\"}|"
         "{\":p0\":{\"S\":\"pre\"}}"},
        {"SELECT * FROM t WHERE (a = true OR a IS NULL)",
         "select|t|||(#p0 = :p0 OR attribute_type(#p0, :p1))|||{\"#p0\":\"a\"}|{\":p0\":"
         "{\"BOOL\":true},\":p1\":{\"S\":\"NULL\"}}"},
        {"INSERT INTO t VALUE {'pk': 'a', 'n': -2, 's': <<1, 2>>, 'l': [null, {'x': false}]}",
         "insert|t|||||{\"l\":{\"L\":[{\"NULL\":true},{\"M\":{\"x\":{\"BOOL\":false}}}]},\"n\":"
         "{\"N\":\"-2\"},\"pk\":{\"S\":\"a\"},\"s\":{\"NS\":[\"1\",\"2\"]}}|{}|{}"},
        {"UPDATE t SET n = n + 1, l = list_append(l, [2]) REMOVE old WHERE pk = 'a'",
         "update|t|||#p3 = :p2|SET #p0 = #p0 + :p0, #p1 = list_append(#p1, :p1) REMOVE #p2||"
         "{\"#p0\":\"n\",\"#p1\":\"l\",\"#p2\":\"old\",\"#p3\":\"pk\"}|{\":p0\":{\"N\":\"1\"},"
         "\":p1\":{\"L\":[{\"N\":\"2\"}]},\":p2\":{\"S\":\"a\"}}"},
        {"DELETE FROM t WHERE pk = ? AND sk = ?",
         "delete|t|||#p0 = :p0 AND #p1 = :p1|||{\"#p0\":\"pk\",\"#p1\":\"sk\"}|"
         "{\":p0\":{\"S\":\"pre\"},\":p1\":{\"S\":\"pre\"}}"},
        // Errors.
        {"", "ERROR Statement wasn't well formed, can't be processed: Statement is empty"},
        {"SELEC * FROM t",
         "ERROR Statement wasn't well formed, can't be processed: Unexpected keyword: SELEC"},
        {"SELECT * FROM t WHERE",
         "ERROR Statement wasn't well formed, can't be processed: Expected an expression but "
         "found <EOF>"},
        {"SELECT * FROM t WHERE a = 'x",
         "ERROR Statement wasn't well formed, can't be processed: Unterminated quoted text"},
        {"SELECT * FROM t extra",
         "ERROR Statement wasn't well formed, can't be processed: Unexpected token: extra"},
        {"INSERT INTO t VALUE [1]",
         "ERROR Statement wasn't well formed, can't be processed: INSERT needs a tuple ({...}) "
         "as its VALUE"},
        {"INSERT INTO t VALUE {'s': <<1, 'a'>>}",
         "ERROR Statement wasn't well formed, can't be processed: A set's elements must share "
         "one type"},
        {"UPDATE t WHERE pk = 'a'",
         "ERROR Statement wasn't well formed, can't be processed: UPDATE needs SET or REMOVE"},
        {"SELECT * FROM t WHERE a = ? AND b = ? AND c = ?",
         "ERROR Number of parameters in request and statement don't match."},
        {"SELECT * FROM t WHERE a = 1 ; DROP",
         "ERROR Statement wasn't well formed, can't be processed: Unexpected character: ;"},
    };
    const json params = json::parse(R"([{"S": "pre"}, {"S": "pre"}])");
    for (auto& c : cases) {
        std::string text = c.in;
        size_t marks = static_cast<size_t>(std::count(text.begin(), text.end(), '?'));
        json p = json::array();
        for (size_t i = 0; i < std::min<size_t>(marks, 2); ++i)
            p.push_back(params[i]);
        EXPECT_EQ(render(text, p), c.out) << c.in;
    }
}
