// The rest-xml protocol (S3): XML documents in and out, errors as <Error><Code>.
#pragma once

#include <pugixml.hpp>

#include <string>
#include <string_view>

#include "emulator/aws_error.hpp"
#include "emulator/http_message.hpp"

namespace fogbank::rest_xml {

inline constexpr std::string_view kS3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/";

// A document with the XML declaration and a root element carrying the S3 namespace.
struct Document {
    pugi::xml_document doc;
    pugi::xml_node root;
    explicit Document(const char* root_name, bool with_namespace = true);
    std::string str() const;
};

// Appends <name>text</name>.
pugi::xml_node add(pugi::xml_node parent, const char* name, std::string_view text);

Response xml_response(const Document& doc, int status = 200);
// <Error><Code/><Message/>[fields]<RequestId/><HostId/></Error>; HEAD gets no body.
Response error_response(const AwsError& err, const RequestHead& head);

AwsError malformed();
// S3's request documents are small; the largest (DeleteObjects: 1000 keys of 1 KiB, escaped)
// stays under this. Elements nest a few levels deep in every S3 schema.
inline constexpr size_t kMaxXmlBody = 20 * 1024 * 1024;
inline constexpr size_t kMaxXmlDepth = 64;
// Parses a request body; a body that is not well-formed XML, larger than kMaxXmlBody or nested
// deeper than kMaxXmlDepth is MalformedXML.
pugi::xml_document parse(std::string_view body);
// Child text by element name (namespace prefixes ignored).
std::string child_text(pugi::xml_node node, const char* name);

}  // namespace fogbank::rest_xml
