// Message bodies and attributes: what SQS accepts, how big a message is, and the MD5 digests
// SDKs check every SendMessage and ReceiveMessage against.
#pragma once

#include <nlohmann/json_fwd.hpp>

#include <string>

#include "services/sqs/queue.hpp"

namespace fogbank::sqs {

// MissingParameter for an empty body, InvalidMessageContents for a character outside XML's set.
void check_body(const std::string& body);

// From the JSON shape {"name": {"DataType", "StringValue" | "BinaryValue" (base64)}}, checked
// as SQS checks them (InvalidParameterValue otherwise).
MessageAttributes parse_message_attributes(const nlohmann::json& j);
// MessageSystemAttributes: only AWSTraceHeader exists. Returns its value ("" when absent).
std::string parse_system_attributes(const nlohmann::json& j);

// Body plus every attribute's name, type and value, as MaximumMessageSize counts it.
size_t message_size(const std::string& body, const MessageAttributes& attrs);

// Hex MD5 over the attributes as AWS serialises them: for each, by name, length-prefixed
// name and type, a transport byte (1 string, 2 binary), the length-prefixed value.
std::string md5_of_attributes(const MessageAttributes& attrs);
std::string md5_hex(const std::string& bytes);

// Attribute value as JSON ({"DataType", "StringValue" | "BinaryValue"}).
nlohmann::json attribute_json(const MessageAttribute& a);

}  // namespace fogbank::sqs
