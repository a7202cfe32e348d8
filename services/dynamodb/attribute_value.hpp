// AttributeValues as DynamoDB checks them on the way in, item sizes as DynamoDB counts them,
// and the byte encoding that lets SQLite sort key values the way DynamoDB does.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace fogbank::dynamodb {

using nlohmann::json;

// ValidationException unless `v` is a well-formed AttributeValue (exactly one type; numbers
// in range; sets non-empty, without duplicates; binary as base64), recursively. Numbers are
// rewritten in canonical form, as DynamoDB stores them.
void validate_value(json& v);
// Every attribute of an item.
void validate_item(json& item);

// A top-level attribute is level 1 and each list or map adds one: a value nested deeper than
// this is refused, as DynamoDB refuses it, before anything recurses further into it.
constexpr int kMaxNestingLevels = 32;
// Each expression string (ConditionExpression, UpdateExpression, ...), in bytes.
constexpr size_t kMaxExpressionSize = 4096;
// ValidationException unless every value of `item` is within kMaxNestingLevels (an item an
// update expression produced: its parts were checked, the whole may be deeper).
void check_nesting(const json& item);

// DynamoDB's size of an item: names plus values (400 KB limit).
size_t item_size(const json& item);
constexpr size_t kMaxItemSize = 400 * 1024;

// Key values (S, N or B) as bytes whose memcmp order is DynamoDB's order.
std::string sort_key(const json& key_value);

}  // namespace fogbank::dynamodb
