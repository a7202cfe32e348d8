// XML documents as bytes on the wire, shared by the rest-xml and query protocols.
#pragma once

#include <pugixml.hpp>

#include <string>

namespace fogbank {

// The document without indentation. A carriage return in text is written as &#xD;: a literal
// one would reach the client as a line feed, since XML parsers normalise line ends (an SQS
// message body or an S3 key must come back byte for byte).
std::string xml_text(const pugi::xml_document& doc);

}  // namespace fogbank
