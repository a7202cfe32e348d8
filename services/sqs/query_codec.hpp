// SQS over the query protocol: flattened form parameters to the JSON protocol's input shapes,
// and JSON output shapes to the XML results the query protocol returns, so that one set of
// handlers serves both wires.
#pragma once

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <map>
#include <string>

namespace fogbank::sqs {

// "Attribute.1.Name=X&Attribute.1.Value=Y" -> {"Attributes": {"X": "Y"}}, and so on for every
// list and map SQS has. Action and Version are dropped.
nlohmann::json query_to_json(const std::map<std::string, std::string>& params,
                             const std::string& action);

// Writes `out` under <ActionResult>.
void write_result(pugi::xml_node result, const nlohmann::json& out, const std::string& action);

}  // namespace fogbank::sqs
