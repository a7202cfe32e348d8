// DynamoDB's pre-expression parameters (Expected, KeyConditions, QueryFilter, ScanFilter,
// AttributesToGet, AttributeUpdates, ConditionalOperator), still sent by older code and some
// SDK helpers. They are translated into the same parsed expressions the modern parameters give,
// with their values held under synthetic placeholders, so one evaluator serves both.
#pragma once

#include <nlohmann/json.hpp>

namespace fogbank::dynamodb {

struct Expressions;

namespace legacy {

// ValidationException when a request mixes the two styles, worded as DynamoDB words it.
void check_not_mixed(const nlohmann::json& in);
// Fills `out` from whichever legacy parameters `in` carries.
void translate(nlohmann::json& in, Expressions& out);

}  // namespace legacy
}  // namespace fogbank::dynamodb
