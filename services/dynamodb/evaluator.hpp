// Running parsed expressions against an item. Items and values are DynamoDB JSON
// ({"name": {"S": "x"}, "n": {"N": "1"}, ...}); numbers go through Number, never double.
#pragma once

#include <nlohmann/json.hpp>

#include "services/dynamodb/expressions.hpp"

namespace fogbank::dynamodb {

using nlohmann::json;

// Deep equality as DynamoDB defines it: numbers by value, sets regardless of order.
bool values_equal(const json& a, const json& b);
// <0, 0, >0 for two values of the same scalar type (S, N, B); nullopt if not comparable.
std::optional<int> compare_values(const json& a, const json& b);

// The attribute at a path, or nullptr.
const json* resolve(const json& item, const expr::Path& path);

// `values` is the request's ExpressionAttributeValues (an object, or null).
bool evaluate(const expr::Condition& c, const json& item, const json& values,
              const char* which = "ConditionExpression");

// Applies the actions to `item` in place; right-hand sides see the item as it was before.
void apply_update(json& item, const std::vector<expr::UpdateAction>& actions, const json& values);

// The item cut down to the listed paths (list elements keep their order, compacted).
json project(const json& item, const std::vector<expr::Path>& paths);

}  // namespace fogbank::dynamodb
