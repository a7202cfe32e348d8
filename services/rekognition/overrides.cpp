#include "services/rekognition/overrides.hpp"

#include <fnmatch.h>
#include <yaml-cpp/yaml.h>

#include <stdexcept>

#include "emulator/encoding.hpp"

namespace fogbank::rekognition {

namespace {

nlohmann::json to_json(const YAML::Node& n) {
    switch (n.Type()) {
        case YAML::NodeType::Map: {
            nlohmann::json out = nlohmann::json::object();
            for (const auto& kv : n)
                out[kv.first.as<std::string>()] = to_json(kv.second);
            return out;
        }
        case YAML::NodeType::Sequence: {
            nlohmann::json out = nlohmann::json::array();
            for (const auto& v : n)
                out.push_back(to_json(v));
            return out;
        }
        case YAML::NodeType::Scalar: {
            // Quoted scalars stay strings; plain ones become numbers or booleans when they are.
            if (n.Tag() == "!") return n.as<std::string>();
            const std::string s = n.as<std::string>();
            if (s == "true" || s == "false") return s == "true";
            try {
                size_t used = 0;
                long long i = std::stoll(s, &used);
                if (used == s.size()) return i;
                double d = std::stod(s, &used);
                if (used == s.size()) return d;
            } catch (const std::exception&) {
            }
            return s;
        }
        default:
            return nullptr;
    }
}

const char* kOverridable[] = {"DetectLabels", "DetectFaces", "DetectText",
                              "DetectModerationLabels"};

}  // namespace

Overrides Overrides::load(const std::string& path) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(path);
    } catch (const YAML::Exception& e) {
        throw std::runtime_error("overrides " + path + ": " + e.what());
    }
    Overrides out;
    size_t index = 0;
    for (const auto& r : root["overrides"]) {
        OverrideRule rule;
        rule.name = r["name"].as<std::string>("rule-" + std::to_string(index++));
        rule.operation = r["operation"].as<std::string>("");
        rule.key_glob = r["key"].as<std::string>("");
        rule.sha256 = to_lower(r["sha256"].as<std::string>(""));
        if (!rule.operation.empty()) {
            bool known = false;
            for (const char* op : kOverridable)
                known = known || rule.operation == op;
            if (!known)
                throw std::runtime_error("overrides " + path + ": rule " + rule.name +
                                         ": operation " + rule.operation + " cannot be overridden");
        }
        if (rule.key_glob.empty() == rule.sha256.empty())
            throw std::runtime_error("overrides " + path + ": rule " + rule.name +
                                     " needs exactly one of key and sha256");
        if (!r["response"] || !r["response"].IsMap())
            throw std::runtime_error("overrides " + path + ": rule " + rule.name +
                                     " needs a response object");
        rule.response = to_json(r["response"]);
        out.rules_.push_back(std::move(rule));
    }
    return out;
}

const OverrideRule* Overrides::match(const std::string& operation, const std::string& s3_key,
                                     const std::string& sha256) const {
    for (const auto& r : rules_) {
        if (!r.operation.empty() && r.operation != operation) continue;
        if (!r.sha256.empty() && r.sha256 == sha256) return &r;
        if (!r.key_glob.empty() && !s3_key.empty() &&
            ::fnmatch(r.key_glob.c_str(), s3_key.c_str(), 0) == 0)
            return &r;
    }
    return nullptr;
}

}  // namespace fogbank::rekognition
