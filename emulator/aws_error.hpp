// One error type for every service. Handlers throw AwsError; the protocol codec of the
// service that was asked turns it into the AWS body (XML <Error>, JSON __type, ...).
#pragma once

#include <map>
#include <stdexcept>
#include <string>

namespace fogbank {

class AwsError : public std::runtime_error {
  public:
    AwsError(std::string code, std::string message, int http_status)
        : std::runtime_error(message), code_(std::move(code)), status_(http_status) {}

    const std::string& code() const { return code_; }
    int status() const { return status_; }

    // Extra fields some errors carry in their body (S3: <Key>, <BucketName>, <Condition>...).
    AwsError& with(std::string name, std::string value) {
        fields_[std::move(name)] = std::move(value);
        return *this;
    }
    const std::map<std::string, std::string>& fields() const { return fields_; }
    // Fields whose value is a JSON document (DynamoDB: Item, CancellationReasons), as text.
    AwsError& with_json(std::string name, std::string json_text) {
        json_fields_[std::move(name)] = std::move(json_text);
        return *this;
    }
    const std::map<std::string, std::string>& json_fields() const { return json_fields_; }
    // Response headers the error carries (S3: x-amz-delete-marker on a deleted key's 404).
    AwsError& with_header(std::string name, std::string value) {
        headers_[std::move(name)] = std::move(value);
        return *this;
    }
    const std::map<std::string, std::string>& headers() const { return headers_; }

  private:
    std::string code_;
    int status_;
    std::map<std::string, std::string> fields_;
    std::map<std::string, std::string> json_fields_;
    std::map<std::string, std::string> headers_;
};

}  // namespace fogbank
