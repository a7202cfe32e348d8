// DynamoDB's expression language, parsed: ConditionExpression / FilterExpression /
// KeyConditionExpression (conditions), UpdateExpression and ProjectionExpression. Placeholders
// for names (#n) are resolved while parsing; value placeholders (:v) stay references that the
// evaluator looks up. Errors are ValidationException with DynamoDB's wording.
#pragma once

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::dynamodb::expr {

struct PathStep {
    std::string name;  // a map key (or the top-level attribute name)
    int index = -1;    // >= 0: a list element instead of a key
    bool operator==(const PathStep&) const = default;
};
using Path = std::vector<PathStep>;
std::string to_string(const Path& p);  // a.b[2].c

struct Operand {
    enum class Kind { path, value, size, if_not_exists, list_append, plus, minus };
    Kind kind = Kind::path;
    Path path;
    std::string value;  // ":v" for Kind::value
    std::vector<Operand> args;
};

struct Condition {
    enum class Kind {
        compare,
        between,
        in,
        and_,
        or_,
        not_,
        attribute_exists,
        attribute_not_exists,
        attribute_type,
        begins_with,
        contains
    };
    Kind kind = Kind::compare;
    std::string op;  // "=", "<>", "<", "<=", ">", ">=" for compare
    std::vector<Operand> operands;
    std::vector<Condition> children;
};

struct UpdateAction {
    enum class Kind { set, remove, add, del };
    Kind kind = Kind::set;
    Path path;
    Operand value;  // set: the new value; add/delete: the :value
};

// ExpressionAttributeNames/Values of one request, and which of them its expressions used.
struct Placeholders {
    const nlohmann::json* names = nullptr;   // object or null
    const nlohmann::json* values = nullptr;  // object or null
    std::set<std::string> used_names;
    std::set<std::string> used_values;
    // After every expression of the request is parsed: placeholders nobody used are errors.
    void check_all_used() const;
};

// `which` names the parameter in messages ("ConditionExpression", "FilterExpression", ...).
Condition parse_condition(std::string_view text, Placeholders& ph, const char* which);
std::vector<UpdateAction> parse_update(std::string_view text, Placeholders& ph);
std::vector<Path> parse_projection(std::string_view text, Placeholders& ph);

}  // namespace fogbank::dynamodb::expr
