// Queue lifecycle and configuration: CreateQueue ... ListDeadLetterSourceQueues.
#include <cctype>

#include "emulator/encoding.hpp"
#include "emulator/json_limits.hpp"
#include "services/sqs/attributes.hpp"
#include "services/sqs/backend.hpp"

namespace fogbank::sqs {

namespace {

Millis now() {
    return now_ms().time_since_epoch().count();
}

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix.data(), suffix.size()) == 0;
}

void check_queue_name(const std::string& name, bool fifo) {
    std::string_view base = name;
    if (fifo) {
        if (!ends_with(name, ".fifo"))
            throw AwsError("InvalidParameterValue",
                           "The name of a FIFO queue can only include alphanumeric characters, "
                           "hyphens, or underscores, must end with .fifo suffix and be 1 to 80 "
                           "in length.",
                           400);
        base.remove_suffix(5);
    }
    bool ok = !base.empty() && name.size() <= 80;
    for (char c : base)
        ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    if (!ok)
        throw AwsError("InvalidParameterValue",
                       fifo ? "The name of a FIFO queue can only include alphanumeric "
                              "characters, hyphens, or underscores, must end with .fifo suffix "
                              "and be 1 to 80 in length."
                            : "Can only include alphanumeric characters, hyphens, or "
                              "underscores. 1 to 80 in length",
                       400);
}

AttributeMap string_map(const json& in, const char* name) {
    AttributeMap out;
    auto it = in.find(name);
    if (it == in.end() || it->is_null()) return out;
    if (!it->is_object())
        throw AwsError("InvalidParameterValue", std::string(name) + " must be a map.", 400);
    for (auto& [k, v] : it->items()) {
        if (!v.is_string())
            throw AwsError("InvalidParameterValue",
                           std::string("The value of ") + name + "." + k + " must be a string.",
                           400);
        out[k] = v.get<std::string>();
    }
    return out;
}

void check_tags(const AttributeMap& tags, size_t existing) {
    if (tags.size() + existing > 50)
        throw AwsError("InvalidParameterValue",
                       "Too many tags added for queue. A queue can have at most 50 tags.", 400);
    for (auto& [k, v] : tags) {
        if (k.empty() || k.size() > 128)
            throw AwsError("InvalidParameterValue",
                           "Tag keys must be between 1 and 128 characters in length.", 400);
        if (v.size() > 256)
            throw AwsError("InvalidParameterValue",
                           "Tag values must be less than 256 characters in length.", 400);
    }
}

// Pagination token: the name of the last queue returned.
std::string page_token(const std::string& last) {
    return base64_encode(last);
}

std::string page_start(const json& in) {
    auto it = in.find("NextToken");
    if (it == in.end() || !it->is_string()) return {};
    auto decoded = base64_decode(it->get<std::string>());
    if (!decoded || decoded->empty())
        throw AwsError("InvalidParameterValue", "Invalid NextToken value.", 400);
    return *decoded;
}

std::optional<int> page_size(const json& in) {
    auto n = optional_int(in, "MaxResults");
    if (n && (*n < 1 || *n > 1000))
        throw invalid_parameter(std::to_string(*n), "MaxResults",
                                "MaxResults must be an "
                                "integer between 1 and 1000.");
    return n;
}

}  // namespace

void Backend::check_redrive(const Queue& source, const std::string& policy_json) {
    if (policy_json.empty()) return;
    auto policy = parse_redrive_policy(policy_json);
    auto bad = [&](const std::string& why) {
        return invalid_parameter(policy_json, "RedrivePolicy", "" + why);
    };
    auto dlq = queue_by_arn(policy.dead_letter_target_arn);
    if (!dlq || dlq->account != source.account || dlq->region != source.region)
        throw bad("Dead letter target does not exist.");
    if (dlq->fifo != source.fifo)
        throw bad("Dead-letter queue must be same type of queue as the source.");
    auto allow = dlq->attributes.count("RedriveAllowPolicy")
                     ? parse_redrive_allow_policy(dlq->attributes.at("RedriveAllowPolicy"))
                     : RedriveAllowPolicy{};
    bool allowed = allow.permission == "allowAll" ||
                   (allow.permission == "byQueue" &&
                    std::find(allow.source_queue_arns.begin(), allow.source_queue_arns.end(),
                              source.arn()) != allow.source_queue_arns.end());
    if (!allowed)
        throw bad("Queue " + dlq->arn() +
                  " does not allow this queue to use it as a dead-letter queue (its "
                  "RedriveAllowPolicy).");
}

json Backend::create_queue(const Caller& caller, const json& in) {
    const std::string& name = required_string(in, "QueueName");
    AttributeMap given = string_map(in, "Attributes");
    auto fifo_attr = given.find("FifoQueue");
    bool fifo =
        fifo_attr != given.end() && (fifo_attr->second == "true" || fifo_attr->second == "True");
    check_queue_name(name, fifo);
    AttributeMap attrs = validate_attributes(given, fifo, true);
    AttributeMap tags = string_map(in, "tags");
    check_tags(tags, 0);

    Key key{caller.account, caller.region, name};
    if (auto it = queues_.find(key); it != queues_.end()) {
        const Queue& q = *it->second;
        for (auto& [k, v] : attrs) {
            auto cur = q.attributes.find(k);
            std::string current = cur == q.attributes.end() ? "" : cur->second;
            if (current != v)
                throw AwsError("QueueNameExists",
                               "A queue already exists with the same name and a different value "
                               "for attribute " +
                                   k,
                               400);
        }
        return {{"QueueUrl", queue_url(caller, q)}};
    }
    if (auto d = deleted_at_.find(key); d != deleted_at_.end() && now() - d->second < 60000)
        throw AwsError("QueueDeletedRecently",
                       "You must wait 60 seconds after deleting a queue before you can create "
                       "another with the same name.",
                       400);

    Queue q(store_);
    q.id = next_id_++;
    q.account = caller.account;
    q.region = caller.region;
    q.name = name;
    q.fifo = fifo;
    q.created = q.modified = now();
    q.attributes = default_attributes(fifo);
    for (auto& [k, v] : attrs)
        if (!v.empty()) q.attributes[k] = v;
    q.tags = std::move(tags);
    if (q.attributes.count("RedrivePolicy")) check_redrive(q, q.attributes["RedrivePolicy"]);
    Queue& added = add_queue(std::move(q));
    store_.put_queue(added);
    return {{"QueueUrl", queue_url(caller, added)}};
}

json Backend::get_queue_url(const Caller& caller, const json& in) {
    const std::string& name = required_string(in, "QueueName");
    std::string account = caller.account;
    if (auto it = in.find("QueueOwnerAWSAccountId"); it != in.end() && it->is_string())
        account = it->get<std::string>();
    auto it = queues_.find({account, caller.region, name});
    if (it == queues_.end()) throw queue_does_not_exist();
    return {{"QueueUrl", queue_url(caller, *it->second)}};
}

json Backend::list_queues(const Caller& caller, const json& in) {
    std::string prefix;
    if (auto it = in.find("QueueNamePrefix"); it != in.end() && it->is_string())
        prefix = it->get<std::string>();
    auto limit = page_size(in);
    std::string after = page_start(in);
    json urls = json::array();
    std::string last;
    bool more = false;
    for (auto it = queues_.lower_bound({caller.account, caller.region, prefix});
         it != queues_.end(); ++it) {
        auto& [account, region, name] = it->first;
        if (account != caller.account || region != caller.region) break;
        if (name.compare(0, prefix.size(), prefix) != 0) break;
        if (!after.empty() && name <= after) continue;
        if (static_cast<int>(urls.size()) == limit.value_or(1000)) {
            more = true;
            break;
        }
        urls.push_back(queue_url(caller, *it->second));
        last = name;
    }
    json out = json::object();
    if (!urls.empty()) out["QueueUrls"] = std::move(urls);
    if (more && limit) out["NextToken"] = page_token(last);
    return out;
}

json Backend::delete_queue(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    Key key{q->account, q->region, q->name};
    q->deleted = true;
    q->waiting.wake_all();
    store_.drop_queue(*q);
    queues_.erase(key);
    by_id_.erase(q->id);
    deleted_at_[key] = now();
    return json::object();
}

json Backend::get_queue_attributes(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    std::vector<std::string> names;
    if (auto it = in.find("AttributeNames"); it != in.end() && it->is_array())
        for (auto& n : *it) {
            std::string name = n.is_string() ? n.get<std::string>() : n.dump();
            if (name != "All" && !is_queue_attribute_name(name))
                throw AwsError("InvalidAttributeName", "Unknown Attribute " + name + ".", 400);
            names.push_back(name);
        }
    bool all = std::find(names.begin(), names.end(), "All") != names.end();
    auto wanted = [&](const std::string& n) {
        return all || std::find(names.begin(), names.end(), n) != names.end();
    };
    Millis t = now();
    q->expire(t);
    json attrs = json::object();
    Counts c = q->counts(t);
    if (wanted("ApproximateNumberOfMessages"))
        attrs["ApproximateNumberOfMessages"] = std::to_string(c.visible);
    if (wanted("ApproximateNumberOfMessagesNotVisible"))
        attrs["ApproximateNumberOfMessagesNotVisible"] = std::to_string(c.in_flight);
    if (wanted("ApproximateNumberOfMessagesDelayed"))
        attrs["ApproximateNumberOfMessagesDelayed"] = std::to_string(c.delayed);
    if (wanted("CreatedTimestamp")) attrs["CreatedTimestamp"] = std::to_string(q->created / 1000);
    if (wanted("LastModifiedTimestamp"))
        attrs["LastModifiedTimestamp"] = std::to_string(q->modified / 1000);
    if (wanted("QueueArn")) attrs["QueueArn"] = q->arn();
    for (auto& [k, v] : q->attributes)
        if (wanted(k)) attrs[k] = v;
    json out = json::object();
    if (!attrs.empty()) out["Attributes"] = std::move(attrs);
    return out;
}

json Backend::set_queue_attributes(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    AttributeMap attrs = validate_attributes(string_map(in, "Attributes"), q->fifo, false);
    if (attrs.count("RedrivePolicy")) check_redrive(*q, attrs["RedrivePolicy"]);
    AttributeMap merged = q->attributes;
    for (auto& [k, v] : attrs) {
        if (v.empty())
            merged.erase(k);
        else
            merged[k] = v;
    }
    if (merged.count("FifoThroughputLimit") &&
        merged["FifoThroughputLimit"] == "perMessageGroupId" &&
        merged["DeduplicationScope"] != "messageGroup")
        throw AwsError("InvalidAttributeValue",
                       "Invalid value for the parameter FifoThroughputLimit. Reason: "
                       "perMessageGroupId is allowed only when DeduplicationScope is "
                       "messageGroup.",
                       400);
    q->attributes = std::move(merged);
    q->modified = now();
    store_.put_queue(*q);
    return json::object();
}

json Backend::purge_queue(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    Millis t = now();
    if (q->purged_at >= 0 && t - q->purged_at < 60000)
        throw AwsError(
            "PurgeQueueInProgress",
            "Only one PurgeQueue operation on " + q->name + " is allowed every 60 seconds.", 403);
    q->purge();
    q->purged_at = t;
    store_.put_queue(*q);
    return json::object();
}

json Backend::tag_queue(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    AttributeMap tags = string_map(in, "Tags");
    if (tags.empty())
        throw AwsError("MissingParameter", "The request must contain the parameter Tags.", 400);
    size_t existing = 0;
    for (auto& [k, _] : q->tags)
        existing += tags.count(k) ? 0 : 1;
    check_tags(tags, existing);
    for (auto& [k, v] : tags)
        q->tags[k] = v;
    store_.put_queue(*q);
    return json::object();
}

json Backend::untag_queue(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    auto it = in.find("TagKeys");
    if (it == in.end() || !it->is_array() || it->empty())
        throw AwsError("MissingParameter", "The request must contain the parameter TagKeys.", 400);
    for (auto& k : *it)
        if (k.is_string()) q->tags.erase(k.get<std::string>());
    store_.put_queue(*q);
    return json::object();
}

json Backend::list_queue_tags(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    json out = json::object();
    if (!q->tags.empty()) out["Tags"] = q->tags;
    return out;
}

json Backend::list_dead_letter_source_queues(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    auto limit = page_size(in);
    std::string after = page_start(in);
    json urls = json::array();
    std::string last;
    bool more = false;
    for (auto& src : dead_letter_sources(*q)) {
        if (!after.empty() && src->name <= after) continue;
        if (static_cast<int>(urls.size()) == limit.value_or(1000)) {
            more = true;
            break;
        }
        urls.push_back(queue_url(caller, *src));
        last = src->name;
    }
    json out{{"queueUrls", std::move(urls)}};
    if (more && limit) out["NextToken"] = page_token(last);
    return out;
}

json Backend::add_permission(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    const std::string& label = required_string(in, "Label");
    bool label_ok = !label.empty() && label.size() <= 80;
    for (char c : label)
        label_ok =
            label_ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    if (!label_ok)
        throw invalid_parameter(label, "Label",
                                "Must be 1 to 80 "
                                "alphanumeric characters, hyphens or underscores.");
    auto list = [&](const char* name) {
        auto it = in.find(name);
        if (it == in.end() || !it->is_array() || it->empty())
            throw AwsError("MissingParameter",
                           std::string("The request must contain the parameter ") + name + ".",
                           400);
        return *it;
    };
    json accounts = list("AWSAccountIds"), actions = list("Actions");
    json policy = q->attributes.count("Policy") ? fogbank::parse_json(q->attributes["Policy"])
                                                : json::object();
    if (!policy.is_object()) policy = json::object();
    if (!policy.contains("Statement") || !policy["Statement"].is_array())
        policy["Statement"] = json::array();
    for (auto& s : policy["Statement"])
        if (s.is_object() && s.value("Sid", "") == label)
            throw invalid_parameter(label, "Label", "Already exists.");
    json principals = json::array(), verbs = json::array();
    for (auto& a : accounts)
        principals.push_back("arn:aws:iam::" + (a.is_string() ? a.get<std::string>() : a.dump()) +
                             ":root");
    for (auto& a : actions)
        verbs.push_back("SQS:" + (a.is_string() ? a.get<std::string>() : a.dump()));
    policy["Version"] = "2012-10-17";
    policy["Id"] = q->arn() + "/SQSDefaultPolicy";
    policy["Statement"].push_back({{"Sid", label},
                                   {"Effect", "Allow"},
                                   {"Principal", {{"AWS", principals}}},
                                   {"Action", verbs},
                                   {"Resource", q->arn()}});
    q->attributes["Policy"] = policy.dump();
    q->modified = now();
    store_.put_queue(*q);
    return json::object();
}

json Backend::remove_permission(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    const std::string& label = required_string(in, "Label");
    json policy = q->attributes.count("Policy") ? fogbank::parse_json(q->attributes["Policy"])
                                                : json::object();
    bool found = false;
    if (policy.is_object() && policy.contains("Statement") && policy["Statement"].is_array()) {
        json kept = json::array();
        for (auto& s : policy["Statement"]) {
            if (s.is_object() && s.value("Sid", "") == label)
                found = true;
            else
                kept.push_back(s);
        }
        policy["Statement"] = kept;
    }
    if (!found) throw invalid_parameter(label, "Label", "can't find label.");
    if (policy["Statement"].empty())
        q->attributes.erase("Policy");
    else
        q->attributes["Policy"] = policy.dump();
    q->modified = now();
    store_.put_queue(*q);
    return json::object();
}

}  // namespace fogbank::sqs
