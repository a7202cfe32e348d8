#include "services/sqs/attributes.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <optional>
#include <set>

#include "emulator/aws_error.hpp"
#include "emulator/json_limits.hpp"

namespace fogbank::sqs {

namespace {

AwsError invalid_value(const std::string& name) {
    return AwsError("InvalidAttributeValue", "Invalid value for the parameter " + name + ".", 400);
}

AwsError unknown_name(const std::string& name) {
    return AwsError("InvalidAttributeName", "Unknown Attribute " + name + ".", 400);
}

std::optional<long long> parse_int(const std::string& s) {
    if (s.empty() || s.size() > 18) return std::nullopt;
    size_t i = s[0] == '-' ? 1 : 0;
    if (i == s.size()) return std::nullopt;
    for (size_t j = i; j < s.size(); ++j)
        if (s[j] < '0' || s[j] > '9') return std::nullopt;
    return std::strtoll(s.c_str(), nullptr, 10);
}

std::string ranged(const std::string& name, const std::string& value, long long lo, long long hi) {
    auto v = parse_int(value);
    if (!v || *v < lo || *v > hi) throw invalid_value(name);
    return std::to_string(*v);
}

std::string boolean(const std::string& name, const std::string& value) {
    if (value == "true" || value == "True" || value == "TRUE") return "true";
    if (value == "false" || value == "False" || value == "FALSE") return "false";
    throw invalid_value(name);
}

std::string one_of(const std::string& name, const std::string& value,
                   std::initializer_list<const char*> allowed) {
    for (auto* a : allowed)
        if (value == a) return value;
    throw invalid_value(name);
}

std::string redrive_policy(const std::string& value) {
    if (value.empty()) return value;  // removes the policy
    auto j = fogbank::parse_json(value);
    auto bad = [](const std::string& why) {
        return AwsError("InvalidParameterValue",
                        "Value for parameter RedrivePolicy is invalid. Reason: " + why, 400);
    };
    if (j.is_discarded() || !j.is_object()) throw bad("Redrive policy is not a valid JSON map.");
    for (auto& [k, _] : j.items())
        if (k != "deadLetterTargetArn" && k != "maxReceiveCount")
            throw bad(
                "Only following attributes are supported: [deadLetterTargetArn, "
                "maxReceiveCount].");
    if (!j.contains("deadLetterTargetArn") || !j["deadLetterTargetArn"].is_string())
        throw bad("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.");
    if (!j.contains("maxReceiveCount"))
        throw bad("Redrive policy does not contain mandatory attribute: maxReceiveCount.");
    std::optional<long long> count;
    auto& c = j["maxReceiveCount"];
    if (c.is_number_integer())
        count = c.get<long long>();
    else if (c.is_string())
        count = parse_int(c.get<std::string>());
    if (!count || *count < 1 || *count > 1000)
        throw bad("Invalid value for maxReceiveCount: " + c.dump() +
                  ", valid values are from 1 to 1000 both inclusive.");
    return nlohmann::json{{"deadLetterTargetArn", j["deadLetterTargetArn"]},
                          {"maxReceiveCount", *count}}
        .dump();
}

std::string redrive_allow_policy(const std::string& value) {
    if (value.empty()) return value;
    auto j = fogbank::parse_json(value);
    auto bad = [](const std::string& why) {
        return AwsError("InvalidParameterValue",
                        "Value for parameter RedriveAllowPolicy is invalid. Reason: " + why, 400);
    };
    if (j.is_discarded() || !j.is_object()) throw bad("Policy is not a valid JSON map.");
    if (!j.contains("redrivePermission") || !j["redrivePermission"].is_string())
        throw bad("Policy must contain redrivePermission.");
    std::string perm = j["redrivePermission"];
    if (perm != "allowAll" && perm != "denyAll" && perm != "byQueue")
        throw bad("redrivePermission must be one of allowAll, denyAll, byQueue.");
    nlohmann::json out{{"redrivePermission", perm}};
    if (j.contains("sourceQueueArns")) {
        auto& arns = j["sourceQueueArns"];
        if (perm != "byQueue")
            throw bad("sourceQueueArns is only allowed when redrivePermission is byQueue.");
        if (!arns.is_array() || arns.empty() || arns.size() > 10)
            throw bad("sourceQueueArns must list 1 to 10 queue ARNs.");
        for (auto& a : arns)
            if (!a.is_string()) throw bad("sourceQueueArns must list queue ARNs.");
        out["sourceQueueArns"] = arns;
    } else if (perm == "byQueue") {
        throw bad("sourceQueueArns is required when redrivePermission is byQueue.");
    }
    return out.dump();
}

const std::set<std::string> kFifoOnly = {"ContentBasedDeduplication", "DeduplicationScope",
                                         "FifoThroughputLimit"};

const std::set<std::string> kReadOnly = {"ApproximateNumberOfMessages",
                                         "ApproximateNumberOfMessagesNotVisible",
                                         "ApproximateNumberOfMessagesDelayed",
                                         "CreatedTimestamp",
                                         "LastModifiedTimestamp",
                                         "QueueArn"};

}  // namespace

AttributeMap default_attributes(bool fifo) {
    AttributeMap a{{"DelaySeconds", "0"},
                   {"MaximumMessageSize", "1048576"},
                   {"MessageRetentionPeriod", "345600"},
                   {"ReceiveMessageWaitTimeSeconds", "0"},
                   {"VisibilityTimeout", "30"},
                   {"SqsManagedSseEnabled", "true"}};
    if (fifo) {
        a["FifoQueue"] = "true";
        a["ContentBasedDeduplication"] = "false";
        a["DeduplicationScope"] = "queue";
        a["FifoThroughputLimit"] = "perQueue";
    }
    return a;
}

AttributeMap validate_attributes(const AttributeMap& given, bool fifo, bool creating) {
    AttributeMap out;
    for (auto& [name, value] : given) {
        if (kFifoOnly.count(name) && !fifo) throw unknown_name(name);
        if (name == "DelaySeconds")
            out[name] = ranged(name, value, 0, 900);
        else if (name == "MaximumMessageSize")
            out[name] = ranged(name, value, 1024, 1048576);
        else if (name == "MessageRetentionPeriod")
            out[name] = ranged(name, value, 60, 1209600);
        else if (name == "ReceiveMessageWaitTimeSeconds")
            out[name] = ranged(name, value, 0, 20);
        else if (name == "VisibilityTimeout")
            out[name] = ranged(name, value, 0, 43200);
        else if (name == "KmsDataKeyReusePeriodSeconds")
            out[name] = ranged(name, value, 60, 86400);
        else if (name == "KmsMasterKeyId" || name == "Policy")
            out[name] = value;
        else if (name == "SqsManagedSseEnabled" || name == "ContentBasedDeduplication")
            out[name] = boolean(name, value);
        else if (name == "DeduplicationScope")
            out[name] = one_of(name, value, {"messageGroup", "queue"});
        else if (name == "FifoThroughputLimit")
            out[name] = one_of(name, value, {"perQueue", "perMessageGroupId"});
        else if (name == "RedrivePolicy")
            out[name] = redrive_policy(value);
        else if (name == "RedriveAllowPolicy")
            out[name] = redrive_allow_policy(value);
        else if (name == "FifoQueue") {
            // Fixed at creation; a standard queue may say "false", a FIFO queue must say "true".
            if (!creating) throw unknown_name(name);
            if (boolean(name, value) != (fifo ? "true" : "false")) throw invalid_value(name);
            if (fifo) out[name] = "true";
        } else {
            throw unknown_name(name);
        }
    }
    // High-throughput FIFO: per-group throughput needs per-group deduplication.
    if (out.count("FifoThroughputLimit") && out["FifoThroughputLimit"] == "perMessageGroupId" &&
        given.count("DeduplicationScope") && out["DeduplicationScope"] == "queue")
        throw AwsError("InvalidAttributeValue",
                       "Invalid value for the parameter FifoThroughputLimit. Reason: "
                       "perMessageGroupId is allowed only when DeduplicationScope is "
                       "messageGroup.",
                       400);
    return out;
}

bool is_queue_attribute_name(const std::string& name) {
    if (kReadOnly.count(name)) return true;
    static const std::set<std::string> settable = {"DelaySeconds",
                                                   "MaximumMessageSize",
                                                   "MessageRetentionPeriod",
                                                   "ReceiveMessageWaitTimeSeconds",
                                                   "VisibilityTimeout",
                                                   "KmsDataKeyReusePeriodSeconds",
                                                   "KmsMasterKeyId",
                                                   "Policy",
                                                   "SqsManagedSseEnabled",
                                                   "ContentBasedDeduplication",
                                                   "DeduplicationScope",
                                                   "FifoThroughputLimit",
                                                   "RedrivePolicy",
                                                   "RedriveAllowPolicy",
                                                   "FifoQueue"};
    return settable.count(name) > 0;
}

RedrivePolicy parse_redrive_policy(const std::string& json) {
    auto j = nlohmann::json::parse(json);
    return {j.at("deadLetterTargetArn").get<std::string>(), j.at("maxReceiveCount").get<int>()};
}

RedriveAllowPolicy parse_redrive_allow_policy(const std::string& json) {
    RedriveAllowPolicy p;
    if (json.empty()) return p;
    auto j = nlohmann::json::parse(json);
    p.permission = j.at("redrivePermission").get<std::string>();
    if (j.contains("sourceQueueArns"))
        p.source_queue_arns = j["sourceQueueArns"].get<std::vector<std::string>>();
    return p;
}

}  // namespace fogbank::sqs
