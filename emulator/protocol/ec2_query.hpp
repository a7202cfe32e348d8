// The EC2 protocol: query-style requests like the AWS query protocol's (Action, Version and
// flattened parameters, but lists as `Name.N` and structures as `Name.N.Member`, with no
// `.member.` step), XML responses whose root is <ActionResponse> holding <requestId> and the
// result's members directly (no <ActionResult> wrapper), lists as <item>, and errors as
// <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>.
#pragma once

#include <pugixml.hpp>

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/aws_error.hpp"
#include "emulator/http_message.hpp"

namespace fogbank::ec2_query {

using Params = std::map<std::string, std::string>;

// The EC2 API's XML namespace (its one API version).
inline constexpr std::string_view kNamespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

// `prefix.1`, `prefix.2`, ... in index order (indexes need not be dense, as SDKs send them
// dense but hand-written requests may not). A malformed or absurd index is a client error.
std::vector<std::string> list(const Params& params, std::string_view prefix);
// The structures `prefix.N.*` in index order, each as its members' names (what follows
// `prefix.N.`) to values.
std::vector<Params> structures(const Params& params, std::string_view prefix);

// <ActionResponse xmlns=...><requestId/>...</ActionResponse>; `root` takes the result's members.
struct ResultDocument {
    pugi::xml_document doc;
    pugi::xml_node root;
    ResultDocument(std::string_view action, std::string_view request_id);
    Response response() const;
};

Response error_response(const AwsError& err, const RequestHead& head);

// Appends <name>text</name>.
pugi::xml_node add(pugi::xml_node parent, const char* name, std::string_view text);
// Appends <name><k1>v1</k1>...</name>: a structure of plain members.
pugi::xml_node add_struct(pugi::xml_node parent, const char* name,
                          std::initializer_list<std::pair<const char*, std::string>> members);
// Appends <name><item/>...</name> and returns the list node; items are added with item().
pugi::xml_node add_list(pugi::xml_node parent, const char* name);
pugi::xml_node item(pugi::xml_node list);

// Flattened request parameters (`ImageId`, `SecurityGroupId.1`, `Placement.Zone`,
// `TagSpecification.1.Tag.2.Key`) as EC2 answers the same shape: each member in lower camel case
// (<imageId>), each `Name.N` list as <nameSet><item/>...</nameSet> in index order, structures
// nested. A name that is not a plain identifier, or deeper than kMaxFlatDepth, is left out.
inline constexpr size_t kMaxFlatDepth = 16;
bool flat_name_ok(std::string_view name);
void add_flattened(pugi::xml_node parent, const Params& flat);

}  // namespace fogbank::ec2_query
