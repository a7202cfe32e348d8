// Input checks as Rekognition's front end makes them: a member of the wrong type or outside its
// documented constraints is a ValidationException naming the member ("1 validation error
// detected: Value 'a b' at 'collectionId' failed to satisfy constraint: ...").
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "emulator/aws_error.hpp"

namespace fogbank::rekognition {

AwsError validation_error(const std::string& message);
// "Value null at 'collectionId' failed to satisfy constraint: Member must not be null".
AwsError missing_member(const char* name);
AwsError invalid_parameter(const std::string& message = "Request has invalid parameters");

// A string member matching `pattern` (a regex over the whole value), 1..max_len long.
std::optional<std::string> string_member(const nlohmann::json& in, const char* name,
                                         const char* pattern, size_t max_len, bool required);
std::optional<double> number_member(const nlohmann::json& in, const char* name, double lo,
                                    double hi);
std::optional<int64_t> integer_member(const nlohmann::json& in, const char* name, int64_t lo,
                                      int64_t hi);
// One of `allowed`, or nullopt when absent.
std::optional<std::string> enum_member(const nlohmann::json& in, const char* name,
                                       const std::vector<std::string>& allowed);

// The member name as Rekognition's messages spell it ("CollectionId" -> "collectionId").
std::string wire_name(const char* name);

}  // namespace fogbank::rekognition
