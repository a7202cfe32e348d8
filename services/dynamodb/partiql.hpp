// DynamoDB's PartiQL subset: SELECT, INSERT, UPDATE and DELETE statements, translated into the
// expression language the other operations use (attribute names and literals become #p/:p
// placeholders), so ExecuteStatement runs on the same parser, evaluator and table code.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace fogbank::dynamodb::partiql {

using nlohmann::json;

struct Statement {
    enum class Kind { select, insert, update, del };
    Kind kind = Kind::select;
    std::string table;
    std::string index;       // SELECT ... FROM "table"."index"
    std::string projection;  // ProjectionExpression; empty for *
    std::string where;       // a condition expression; empty without WHERE
    std::string update;      // UpdateExpression of an UPDATE
    json item;               // INSERT's item
    json names = json::object();
    json values = json::object();

    // The #p placeholder that stands for an attribute name, added on first use.
    std::string name_placeholder(const std::string& name);
};

// ExecuteStatement's limit on a statement's length.
constexpr size_t kMaxStatementSize = 8192;
// ValidationException, worded as DynamoDB words PartiQL errors, for anything it cannot parse.
// `parameters` are the request's Parameters, bound to the statement's ? in order.
Statement parse(std::string_view text, const json& parameters);

}  // namespace fogbank::dynamodb::partiql
