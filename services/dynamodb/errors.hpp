#pragma once

#include <string>

#include "emulator/aws_error.hpp"

namespace fogbank::dynamodb {

// DynamoDB's answer to any input it refuses: ValidationException, HTTP 400.
inline AwsError validation(const std::string& message) {
    return AwsError("ValidationException", message, 400);
}

}  // namespace fogbank::dynamodb
