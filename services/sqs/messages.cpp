// Putting messages in and taking them out for good: SendMessage(Batch), DeleteMessage(Batch).
#include <set>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "services/sqs/backend.hpp"
#include "services/sqs/message_attributes.hpp"

namespace fogbank::sqs {

namespace {

constexpr size_t kMaxBatchBytes = 1024 * 1024;

// MessageGroupId and MessageDeduplicationId: 1-128 printable ASCII characters.
void check_token(const std::string& value, const char* param) {
    bool ok = !value.empty() && value.size() <= 128;
    for (char c : value)
        ok = ok && c >= 0x21 && c <= 0x7E;
    if (!ok)
        throw invalid_parameter(value, param,
                                std::string(param) +
                                    " can only include alphanumeric and punctuation characters. 1 "
                                    "to 128 in length.");
}

std::optional<std::string> optional_string(const json& in, const char* name) {
    auto it = in.find(name);
    if (it == in.end() || it->is_null()) return std::nullopt;
    if (!it->is_string())
        throw AwsError("InvalidParameterValue",
                       std::string("Value for parameter ") + name + " must be a string.", 400);
    return it->get<std::string>();
}

bool valid_entry_id(const std::string& id) {
    if (id.empty() || id.size() > 80) return false;
    for (char c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    return true;
}

}  // namespace

std::string new_message_id() {
    return random_uuid();
}

const json& batch_entries(const json& in, const char* entry_name) {
    auto it = in.find("Entries");
    if (it == in.end() || !it->is_array() || it->empty())
        throw AwsError(
            "EmptyBatchRequest",
            std::string("There should be at least one ") + entry_name + " in the request.", 400);
    if (it->size() > 10)
        throw AwsError("TooManyEntriesInBatchRequest",
                       "Maximum number of entries per request are 10. You have sent " +
                           std::to_string(it->size()) + ".",
                       400);
    std::set<std::string> seen;
    for (auto& e : *it) {
        std::string id = e.is_object() && e.contains("Id") && e["Id"].is_string()
                             ? e["Id"].get<std::string>()
                             : "";
        if (!valid_entry_id(id))
            throw AwsError("InvalidBatchEntryId",
                           "A batch entry id can only contain alphanumeric characters, hyphens "
                           "and underscores. It can be at most 80 letters long.",
                           400);
        if (!seen.insert(id).second)
            throw AwsError("BatchEntryIdsNotDistinct", "Id " + id + " repeated.", 400);
    }
    return *it;
}

json failed_entry(const std::string& id, const AwsError& e) {
    return {{"Id", id},
            {"SenderFault", e.status() < 500},
            {"Code", query_error_code(e.code())},
            {"Message", e.what()}};
}

json Backend::send_one(Queue& q, const Caller& caller, const json& in, Millis now) {
    auto body_it = in.find("MessageBody");
    if (body_it == in.end() || !body_it->is_string())
        throw AwsError("MissingParameter", "The request must contain the parameter MessageBody.",
                       400);
    const std::string& body = body_it->get_ref<const std::string&>();
    check_body(body);
    auto delay = optional_int(in, "DelaySeconds");
    // A FIFO queue has no per-message delay, but SQS takes an explicit 0 (SDKs send it).
    if (delay && q.fifo && *delay != 0)
        throw invalid_parameter(std::to_string(*delay), "DelaySeconds",
                                "The request include "
                                "parameter that is not valid for this queue type.");
    if (delay && (*delay < 0 || *delay > 900))
        throw invalid_parameter(std::to_string(*delay), "DelaySeconds",
                                "DelaySeconds must be "
                                ">= 0 and <= 900.");
    MessageAttributes attrs =
        parse_message_attributes(in.value("MessageAttributes", json(nullptr)));
    std::string trace = parse_system_attributes(in.value("MessageSystemAttributes", json(nullptr)));
    int max_size = q.attribute_int("MaximumMessageSize");
    if (message_size(body, attrs) > static_cast<size_t>(max_size))
        throw AwsError("InvalidParameterValue",
                       "One or more parameters are invalid. Reason: Message must be shorter than " +
                           std::to_string(max_size) + " bytes.",
                       400);
    auto group = optional_string(in, "MessageGroupId");
    auto dedup = optional_string(in, "MessageDeduplicationId");
    if (group) check_token(*group, "MessageGroupId");
    if (dedup) check_token(*dedup, "MessageDeduplicationId");
    if (q.fifo) {
        if (!group)
            throw AwsError("MissingParameter",
                           "The request must contain the parameter MessageGroupId.", 400);
        if (!dedup) {
            if (!q.content_based_dedup())
                throw AwsError("InvalidParameterValue",
                               "The queue should either have ContentBasedDeduplication enabled "
                               "or MessageDeduplicationId provided explicitly",
                               400);
            dedup = sha256_hex(body);
        }
    } else if (dedup) {
        throw invalid_parameter(*dedup, "MessageDeduplicationId",
                                "The request "
                                "include parameter that is not valid for this queue type.");
    }

    std::string body_md5 = md5_hex(body);
    json out{{"MD5OfMessageBody", body_md5}};
    if (!attrs.empty()) out["MD5OfMessageAttributes"] = md5_of_attributes(attrs);
    if (!trace.empty())
        out["MD5OfMessageSystemAttributes"] =
            md5_of_attributes({{"AWSTraceHeader", {"String", trace}}});

    std::string dedup_key;
    if (q.fifo) {
        auto scope = q.attributes.find("DeduplicationScope");
        dedup_key = scope != q.attributes.end() && scope->second == "messageGroup"
                        ? *group + "\n" + *dedup
                        : *dedup;
        if (auto prior = q.deduplicated(dedup_key, now)) {
            // Accepted, not enqueued again: the same answer as the first time.
            out["MessageId"] = prior->message_id;
            out["SequenceNumber"] = fmt_sequence(prior->seq);
            return out;
        }
    }
    Message m;
    m.id = new_message_id();
    m.body = body;
    m.md5_body = std::move(body_md5);
    m.attributes = std::move(attrs);
    m.trace_header = std::move(trace);
    m.sender_id = caller.account;
    m.group_id = group.value_or("");
    m.dedup_id = dedup.value_or("");
    m.sent = m.retain_from = now;
    m.visible_at = now + 1000LL * delay.value_or(q.attribute_int("DelaySeconds"));
    Message& stored = q.enqueue(std::move(m));
    out["MessageId"] = stored.id;
    if (q.fifo) {
        q.remember_dedup(dedup_key, stored, now);
        out["SequenceNumber"] = fmt_sequence(stored.seq);
    }
    return out;
}

json Backend::send_message(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    return send_one(*q, caller, in, now_ms().time_since_epoch().count());
}

json Backend::send_message_batch(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    const json& entries = batch_entries(in, "SendMessageBatchRequestEntry");
    size_t total = 0;
    for (auto& e : entries) {
        if (auto b = e.find("MessageBody"); b != e.end() && b->is_string())
            total += b->get_ref<const std::string&>().size();
        if (auto a = e.find("MessageAttributes"); a != e.end() && a->is_object())
            for (auto& [name, v] : a->items()) {
                total += name.size();
                if (!v.is_object()) continue;
                total += v.value("DataType", "").size();
                if (v.contains("StringValue") && v["StringValue"].is_string())
                    total += v["StringValue"].get_ref<const std::string&>().size();
                if (v.contains("BinaryValue") && v["BinaryValue"].is_string())
                    total += v["BinaryValue"].get_ref<const std::string&>().size() * 3 / 4;
            }
    }
    if (total > kMaxBatchBytes)
        throw AwsError("BatchRequestTooLong",
                       "Batch requests cannot be longer than 1048576 bytes. You have sent " +
                           std::to_string(total) + " bytes.",
                       400);
    Millis now = now_ms().time_since_epoch().count();
    json ok = json::array(), failed = json::array();
    for (auto& e : entries) {
        std::string id = e["Id"];
        try {
            json r = send_one(*q, caller, e, now);
            r["Id"] = id;
            ok.push_back(std::move(r));
        } catch (const AwsError& err) {
            failed.push_back(failed_entry(id, err));
        }
    }
    return {{"Successful", std::move(ok)}, {"Failed", std::move(failed)}};
}

void Backend::delete_one(Queue& q, const std::string& handle) {
    Receipt r = parse_receipt(q, handle);
    Message* m = q.find(r.seq);
    if (!m) return;  // already deleted: deleting again succeeds
    Millis now = now_ms().time_since_epoch().count();
    if (m->receipt != r.nonce || (q.fifo && !m->in_flight(now))) {
        // A standard queue accepts a stale handle and keeps the message, as AWS documents; a
        // FIFO queue refuses it, since the group may already be delivering to someone else.
        if (!q.fifo) return;
        throw invalid_parameter(handle, "ReceiptHandle",
                                "The receipt handle "
                                "has expired.");
    }
    std::string group = m->group_id;
    q.erase(r.seq);
    // The group's next message may be deliverable now.
    if (q.fifo && q.groups().count(group)) q.waiting.wake(1);
}

json Backend::delete_message(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    delete_one(*q, required_string(in, "ReceiptHandle"));
    return json::object();
}

json Backend::delete_message_batch(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    const json& entries = batch_entries(in, "DeleteMessageBatchRequestEntry");
    json ok = json::array(), failed = json::array();
    for (auto& e : entries) {
        std::string id = e["Id"];
        try {
            delete_one(*q, required_string(e, "ReceiptHandle"));
            ok.push_back({{"Id", id}});
        } catch (const AwsError& err) {
            failed.push_back(failed_entry(id, err));
        }
    }
    return {{"Successful", std::move(ok)}, {"Failed", std::move(failed)}};
}

json Backend::peek(const Caller& caller, const json& in, size_t max) {
    std::lock_guard lock(mu_);
    auto q = queue_by_url(caller, in);
    Millis t = now_ms().time_since_epoch().count();
    json out = json::array();
    for (auto& [seq, m] : q->messages()) {
        if (out.size() >= max) break;
        json attrs = json::object();
        for (auto& [name, a] : m.attributes)
            attrs[name] = attribute_json(a);
        out.push_back({{"MessageId", m.id},
                       {"Body", m.body},
                       {"State", m.in_flight(t)     ? "InFlight"
                                 : m.visible_at > t ? "Delayed"
                                                    : "Visible"},
                       {"ReceiveCount", m.receive_count},
                       {"SentTimestamp", m.sent},
                       {"VisibleAt", m.visible_at},
                       {"MessageGroupId", m.group_id},
                       {"MessageAttributes", attrs}});
    }
    return {{"Messages", out}, {"Total", q->messages().size()}};
}

}  // namespace fogbank::sqs
