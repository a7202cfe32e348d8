// Pieces of the single-item write path that batches and transactions reuse.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "emulator/aws_error.hpp"
#include "services/dynamodb/expressions.hpp"
#include "services/dynamodb/table.hpp"

namespace fogbank::dynamodb {

struct Expressions;

struct WriteOptions {
    std::string return_values = "NONE";
    std::string capacity = "NONE";  // ReturnConsumedCapacity
    std::string metrics = "NONE";   // ReturnItemCollectionMetrics
    bool old_on_failure = false;    // ReturnValuesOnConditionCheckFailure = ALL_OLD
};
// Reads the Return* parameters; ReturnValues must be one of `return_values`.
WriteOptions write_options(const json& in, std::initializer_list<const char*> return_values);

// An Item or Key parameter, validated and with numbers canonical.
const json& checked_item(json& in, const char* name, const char* field);
// ValidationException past 400 KB.
void check_size(const json& item);
// Whether the request's condition holds for `item` (null: no such item).
bool holds(const Expressions& ex, const json* item);
AwsError condition_failed(const json* old_item, bool return_old);
// Update actions may not touch key attributes.
void check_update_paths(const Table& t, const std::vector<expr::UpdateAction>& actions);
// The item after the update (starting from the key when there was none), checked.
json apply_updates(const Table& t, const json* old, const json& key, const Expressions& ex);
// ReturnValues of UpdateItem.
json updated_attributes(const std::string& mode, const json* old, const json& now,
                        const std::vector<expr::UpdateAction>& actions);

}  // namespace fogbank::dynamodb
