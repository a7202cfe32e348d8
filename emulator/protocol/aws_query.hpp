// The AWS query protocol (SQS for older SDKs and the AWS CLI 2.9, IAM): an Action and flattened
// parameters in a form body or the URL query; XML results wrapped in <OpResponse><OpResult>;
// errors in <ErrorResponse>.
#pragma once

#include <pugixml.hpp>

#include <map>
#include <string>
#include <string_view>

#include "emulator/aws_error.hpp"
#include "emulator/http_message.hpp"

namespace fogbank::aws_query {

// Parameters from the URL query and a form-encoded body, body last (it wins).
std::map<std::string, std::string> params(const Request& req);
// MalformedQueryString unless every name and value is UTF-8: services that keep parameters in
// JSON documents (IAM, EC2) check before storing, since JSON cannot carry other bytes.
void require_utf8(const std::map<std::string, std::string>& params);

// <ActionResponse xmlns=ns><ActionResult/><ResponseMetadata><RequestId/></ResponseMetadata>
struct ResultDocument {
    pugi::xml_document doc;
    pugi::xml_node result;
    ResultDocument(std::string_view action, std::string_view ns, std::string_view request_id,
                   bool with_result = true);
    Response response() const;
};

// <ErrorResponse><Error><Type/><Code/><Message/><Detail/></Error><RequestId/></ErrorResponse>;
// 5xx errors are the Receiver's fault, the rest the Sender's.
Response error_response(const AwsError& err, std::string_view code, const RequestHead& head,
                        std::string_view ns);

// Appends <name>text</name>.
pugi::xml_node add(pugi::xml_node parent, const char* name, std::string_view text);

}  // namespace fogbank::aws_query
