#include "services/sqs/query_codec.hpp"

#include <cctype>

#include "emulator/aws_error.hpp"
#include "emulator/encoding.hpp"
#include "emulator/protocol/aws_query.hpp"

namespace fogbank::sqs {

namespace {

using json = nlohmann::json;

bool is_index(const std::string& s) {
    if (s.empty() || s.size() > 6) return false;
    for (char c : s)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

// Objects whose keys are all list indexes become arrays, in index order.
json listify(json node) {
    if (!node.is_object()) return node;
    bool all_indexes = !node.empty();
    for (auto& [k, v] : node.items()) {
        all_indexes = all_indexes && is_index(k);
        v = listify(std::move(v));
    }
    if (!all_indexes) return node;
    std::map<int, json> ordered;
    for (auto& [k, v] : node.items())
        ordered[std::stoi(k)] = std::move(v);
    json arr = json::array();
    for (auto& [_, v] : ordered)
        arr.push_back(std::move(v));
    return arr;
}

// [{key_field: k, value_field: v}, ...] -> {k: v}
json pairs_to_map(const json& list, const char* key_field, const char* value_field) {
    json out = json::object();
    if (!list.is_array()) return out;
    for (auto& e : list)
        if (e.is_object() && e.contains(key_field) && e[key_field].is_string())
            out[e[key_field].get<std::string>()] =
                e.contains(value_field) ? e[value_field] : json("");
    return out;
}

json rename(const json& node, const std::string& action) {
    if (!node.is_object()) return node;
    json out = json::object();
    for (auto& [k, v] : node.items()) {
        if (k == "Attribute")
            out["Attributes"] = pairs_to_map(v, "Name", "Value");
        else if (k == "Tag")
            out[action == "CreateQueue" ? "tags" : "Tags"] = pairs_to_map(v, "Key", "Value");
        else if (k == "MessageAttribute")
            out["MessageAttributes"] = pairs_to_map(v, "Name", "Value");
        else if (k == "MessageSystemAttribute")
            out["MessageSystemAttributes"] = pairs_to_map(v, "Name", "Value");
        else if (k == "AttributeName" || k == "MessageAttributeName" ||
                 k == "MessageSystemAttributeName" || k == "TagKey" || k == "AWSAccountId")
            out[k + "s"] = v.is_array() ? v : json::array({v});
        else if (k == "ActionName")
            out["Actions"] = v.is_array() ? v : json::array({v});
        else if (k.size() > 17 && k.compare(k.size() - 17, 17, "BatchRequestEntry") == 0 &&
                 v.is_array()) {
            json entries = json::array();
            for (auto& e : v)
                entries.push_back(rename(e, action));
            out["Entries"] = std::move(entries);
        } else {
            out[k] = v;
        }
    }
    return out;
}

void write_value(pugi::xml_node parent, const char* name, const json& v) {
    if (v.is_string())
        aws_query::add(parent, name, v.get_ref<const std::string&>());
    else if (v.is_boolean())
        aws_query::add(parent, name, v.get<bool>() ? "true" : "false");
    else
        aws_query::add(parent, name, v.dump());
}

void write_object(pugi::xml_node node, const json& obj, const std::string& action);

void write_member(pugi::xml_node node, const std::string& k, const json& v,
                  const std::string& action) {
    if (k == "Attributes" && v.is_object()) {
        for (auto& [name, value] : v.items()) {
            auto a = node.append_child("Attribute");
            aws_query::add(a, "Name", name);
            write_value(a, "Value", value);
        }
    } else if (k == "Tags" && v.is_object()) {
        for (auto& [key, value] : v.items()) {
            auto t = node.append_child("Tag");
            aws_query::add(t, "Key", key);
            write_value(t, "Value", value);
        }
    } else if (k == "MessageAttributes" && v.is_object()) {
        for (auto& [name, value] : v.items()) {
            auto a = node.append_child("MessageAttribute");
            aws_query::add(a, "Name", name);
            write_object(a.append_child("Value"), value, action);
        }
    } else if (v.is_array()) {
        std::string element = k == "QueueUrls" || k == "queueUrls" ? "QueueUrl"
                              : k == "Messages"                    ? "Message"
                              : k == "Successful"                  ? action + "ResultEntry"
                              : k == "Failed"                      ? "BatchResultErrorEntry"
                              : k == "Results" ? "ListMessageMoveTasksResultEntry"
                                               : k;
        for (auto& e : v) {
            if (e.is_object())
                write_object(node.append_child(element.c_str()), e, action);
            else
                write_value(node, element.c_str(), e);
        }
    } else if (v.is_object()) {
        write_object(node.append_child(k.c_str()), v, action);
    } else {
        write_value(node, k.c_str(), v);
    }
}

void write_object(pugi::xml_node node, const json& obj, const std::string& action) {
    for (auto& [k, v] : obj.items())
        write_member(node, k, v, action);
}

}  // namespace

json query_to_json(const std::map<std::string, std::string>& params, const std::string& action) {
    json tree = json::object();
    for (auto& [key, value] : params) {
        if (key == "Action" || key == "Version") continue;
        // JSON holds UTF-8 only, and queues keep their attributes and tags as JSON. A message
        // body goes on to SendMessage's own check (InvalidMessageContents, with the byte).
        bool body = key == "MessageBody" || key.ends_with(".MessageBody");
        if (!valid_utf8(key) || (!body && !valid_utf8(value)))
            throw AwsError("InvalidParameterValue",
                           "Value for parameter " + (valid_utf8(key) ? key : std::string("?")) +
                               " is not valid UTF-8.",
                           400);
        json* node = &tree;
        size_t start = 0;
        for (;;) {
            auto dot = key.find('.', start);
            std::string part = key.substr(start, dot == std::string::npos ? dot : dot - start);
            if (!node->is_object()) *node = json::object();
            node = &(*node)[part];
            if (dot == std::string::npos) break;
            start = dot + 1;
        }
        *node = value;
    }
    return rename(listify(std::move(tree)), action);
}

void write_result(pugi::xml_node result, const json& out, const std::string& action) {
    write_object(result, out, action);
}

}  // namespace fogbank::sqs
