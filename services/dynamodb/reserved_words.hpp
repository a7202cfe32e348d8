// DynamoDB's reserved words: a bare attribute name that is one of these must be written as a
// #placeholder in any expression. The list is AWS's (developer guide, "Reserved words in
// DynamoDB"), 573 words.
#pragma once

#include <string_view>

namespace fogbank::dynamodb {

// Case-insensitive, as DynamoDB matches them.
bool is_reserved_word(std::string_view name);

}  // namespace fogbank::dynamodb
