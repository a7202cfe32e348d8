// The AWS JSON 1.0/1.1 protocols (SQS's current wire, DynamoDB, Rekognition): the operation in
// X-Amz-Target, the input as a JSON object, errors as {"__type", "message"}.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

#include "emulator/aws_error.hpp"
#include "emulator/http_message.hpp"

namespace fogbank::aws_json {

// "AmazonSQS.SendMessage" -> "SendMessage"; empty when the header is absent.
std::string operation(const RequestHead& head);

// The body as a JSON object (an empty body is {}). Anything else is SerializationException.
nlohmann::json parse(const Request& req);

Response response(const nlohmann::json& out, std::string_view content_type);

// An error's extra fields into a JSON error body (REST-JSON's too).
void add_error_fields(nlohmann::json& body, const AwsError& err);

// `ns` qualifies the code as AWS does ("com.amazonaws.sqs#QueueDoesNotExist").
Response error_response(const AwsError& err, const RequestHead& head, std::string_view ns,
                        std::string_view content_type);

}  // namespace fogbank::aws_json
