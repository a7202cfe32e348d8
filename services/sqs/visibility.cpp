// Delivery: which messages a receive may take (standard order, FIFO group locks), visibility
// timeouts and the receipt handles that go with them, and the move to a dead-letter queue
// after maxReceiveCount receives.
#include <cstring>
#include <set>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "services/sqs/attributes.hpp"
#include "services/sqs/backend.hpp"
#include "services/sqs/message_attributes.hpp"

namespace fogbank::sqs {

namespace {

uint64_t random_nonce() {
    uint64_t n = 0;
    while (n == 0)
        n = random_u64();
    return n;
}

void put_u64(std::string& out, uint64_t v) {
    for (int i = 7; i >= 0; --i)
        out.push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t get_u64(std::string_view in) {
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | static_cast<unsigned char>(in[i]);
    return v;
}

const std::set<std::string> kSystemAttributes = {"All",
                                                 "SenderId",
                                                 "SentTimestamp",
                                                 "ApproximateReceiveCount",
                                                 "ApproximateFirstReceiveTimestamp",
                                                 "SequenceNumber",
                                                 "MessageDeduplicationId",
                                                 "MessageGroupId",
                                                 "AWSTraceHeader",
                                                 "DeadLetterQueueSourceArn",
                                                 "SqsManagedSseEnabled"};

int check_timeout(const std::optional<int>& v) {
    if (!v || *v < 0 || *v > 43200)
        throw invalid_parameter((v ? std::to_string(*v) : std::string("null")), "VisibilityTimeout",
                                "Must be >= 0 "
                                "and <= 43200, if provided.");
    return *v;
}

std::vector<std::string> names(const json& in, const char* key) {
    std::vector<std::string> out;
    auto it = in.find(key);
    if (it == in.end() || !it->is_array()) return out;
    for (auto& n : *it)
        if (n.is_string()) out.push_back(n.get<std::string>());
    return out;
}

bool selected(const std::vector<std::string>& wanted, const std::string& name) {
    for (auto& w : wanted) {
        if (w == "All" || w == ".*" || w == name) return true;
        if (w.size() > 2 && w.compare(w.size() - 2, 2, ".*") == 0 &&
            name.compare(0, w.size() - 1, w, 0, w.size() - 1) == 0)
            return true;
    }
    return false;
}

}  // namespace

std::string fmt_sequence(uint64_t seq) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%020llu",
                  static_cast<unsigned long long>(seq) + 18000000000000000000ULL);
    return buf;
}

std::string receipt_handle(const Queue& q, const Message& m) {
    std::string raw;
    put_u64(raw, static_cast<uint64_t>(q.id));
    put_u64(raw, m.seq);
    put_u64(raw, m.receipt);
    return base64_encode(raw);
}

Receipt parse_receipt(const Queue& q, const std::string& handle) {
    auto raw = base64_decode(handle);
    if (!raw || raw->size() != 24 || get_u64(*raw) != static_cast<uint64_t>(q.id))
        throw AwsError("ReceiptHandleIsInvalid",
                       "The input receipt handle \"" + handle + "\" is not a valid receipt handle.",
                       404);
    return {get_u64(std::string_view(*raw).substr(8)), get_u64(std::string_view(*raw).substr(16))};
}

ReceiveRequest Backend::prepare_receive(const Caller& caller, const json& in) {
    std::lock_guard lock(mu_);
    ReceiveRequest r;
    r.queue = queue_by_url(caller, in);
    auto max = optional_int(in, "MaxNumberOfMessages");
    if (max && (*max < 1 || *max > 10))
        throw invalid_parameter(std::to_string(*max), "MaxNumberOfMessages",
                                "Must be "
                                "between 1 and 10, if provided.");
    r.max_messages = max.value_or(1);
    if (auto vt = optional_int(in, "VisibilityTimeout")) r.visibility_timeout = check_timeout(vt);
    auto wait = optional_int(in, "WaitTimeSeconds");
    if (wait && (*wait < 0 || *wait > 20))
        throw invalid_parameter(std::to_string(*wait), "WaitTimeSeconds",
                                "Must be >= 0 and "
                                "<= 20, if provided.");
    r.wait_seconds = wait.value_or(r.queue->attribute_int("ReceiveMessageWaitTimeSeconds"));
    r.system_attributes = names(in, "AttributeNames");
    for (auto& n : names(in, "MessageSystemAttributeNames"))
        r.system_attributes.push_back(n);
    for (auto& n : r.system_attributes)
        if (!kSystemAttributes.count(n))
            throw AwsError("InvalidAttributeName", "Unknown Attribute " + n + ".", 400);
    r.message_attributes = names(in, "MessageAttributeNames");
    if (auto it = in.find("ReceiveRequestAttemptId"); it != in.end() && it->is_string())
        r.attempt_id = it->get<std::string>();
    return r;
}

std::optional<json> Backend::receive(const ReceiveRequest& r, const std::shared_ptr<Waker>& waker,
                                     bool last, SteadyTime& recheck) {
    std::lock_guard lock(mu_);
    Queue& q = *r.queue;
    if (q.deleted) throw queue_does_not_exist();
    Millis now = now_epoch_ms();
    if (q.fifo && !r.attempt_id.empty()) {
        if (auto again = retried_attempt(q, r.attempt_id, now)) {
            json out = json::object();
            json msgs = json::array();
            for (Message* m : *again)
                msgs.push_back(message_json(q, *m, r));
            if (!msgs.empty()) out["Messages"] = std::move(msgs);
            return out;
        }
    }
    Store::Batch batch(store_);
    q.expire(now);
    auto taken = q.fifo ? take_fifo(q, r.max_messages, now) : take_standard(q, r.max_messages, now);
    int vt = r.visibility_timeout.value_or(q.attribute_int("VisibilityTimeout"));
    for (Message* m : taken) {
        ++m->receive_count;
        if (m->first_receive == 0) m->first_receive = now;
        m->receipt = random_nonce();
        q.set_visible_at(*m, now + 1000LL * vt);
    }
    batch.commit();
    if (q.fifo && !r.attempt_id.empty() && !taken.empty()) {
        auto& a = q.attempts[r.attempt_id];
        a.expires = now + 5 * 60 * 1000;
        a.taken.clear();
        for (Message* m : taken)
            a.taken.emplace_back(m->seq, m->receipt);
    }
    if (taken.empty() && !last) {
        if (waker) q.waiting.add(waker);
        if (auto t = q.next_change(now))
            recheck = std::min(
                recheck, std::chrono::steady_clock::now() + std::chrono::milliseconds(*t - now));
        return std::nullopt;
    }
    json out = json::object();
    if (!taken.empty()) {
        json msgs = json::array();
        for (Message* m : taken)
            msgs.push_back(message_json(q, *m, r));
        out["Messages"] = std::move(msgs);
    }
    return out;
}

std::optional<std::vector<Message*>> Backend::retried_attempt(Queue& q, const std::string& id,
                                                              Millis now) {
    for (auto it = q.attempts.begin(); it != q.attempts.end();)
        it = it->second.expires <= now ? q.attempts.erase(it) : std::next(it);
    auto it = q.attempts.find(id);
    if (it == q.attempts.end()) return std::nullopt;
    std::vector<Message*> out;
    for (auto [seq, nonce] : it->second.taken) {
        Message* m = q.find(seq);
        // Deleted, changed or timed out since: the attempt is spent and a new receive runs.
        if (!m || m->receipt != nonce || !m->in_flight(now)) return std::nullopt;
        out.push_back(m);
    }
    return out;
}

bool Backend::move_if_exhausted(Queue& q, Message& m, Millis now) {
    auto it = q.attributes.find("RedrivePolicy");
    if (it == q.attributes.end()) return false;
    auto policy = parse_redrive_policy(it->second);
    if (m.receive_count < policy.max_receive_count) return false;
    auto dlq = queue_by_arn(policy.dead_letter_target_arn);
    if (!dlq || dlq.get() == &q) return false;
    Message moved = m;
    moved.receive_count = 0;
    moved.first_receive = 0;
    moved.receipt = 0;
    moved.visible_at = now;
    moved.dlq_source_arn = q.arn();
    // Standard queues keep the original enqueue time for retention; FIFO restarts it.
    if (dlq->fifo) moved.retain_from = now;
    q.erase(m.seq);
    dlq->enqueue(std::move(moved));
    return true;
}

bool Backend::deliverable(Queue& q, Message& m, Millis now, Millis retention) {
    if (m.retain_from + retention <= now) {
        q.erase(m.seq);
        return false;
    }
    return !move_if_exhausted(q, m, now);
}

std::vector<Message*> Backend::take_standard(Queue& q, int max, Millis now) {
    std::vector<Message*> out;
    std::set<uint64_t> seen;
    Millis retention = 1000LL * q.attribute_int("MessageRetentionPeriod");
    auto& order = q.by_visibility();
    auto it = order.begin();
    while (it != order.end() && it->first <= now && static_cast<int>(out.size()) < max) {
        uint64_t seq = it->second;
        ++it;  // before the entry moves
        if (!seen.insert(seq).second) continue;
        Message* m = q.find(seq);
        if (deliverable(q, *m, now, retention)) out.push_back(m);
    }
    return out;
}

std::vector<Message*> Backend::take_fifo(Queue& q, int max, Millis now) {
    std::vector<Message*> out;
    std::set<std::string> visited;
    Millis retention = 1000LL * q.attribute_int("MessageRetentionPeriod");
    auto& heads = q.group_heads();
    auto hit = heads.begin();
    while (hit != heads.end() && static_cast<int>(out.size()) < max) {
        std::string group = hit->second;
        ++hit;
        if (!visited.insert(group).second) continue;
        // A group with a message in flight is locked: nothing behind it may be delivered.
        const auto& seqs = q.groups().at(group);
        bool locked = false;
        for (uint64_t seq : seqs) {
            const Message* m = q.find(seq);
            if (m->receive_count == 0) break;  // received messages come first in a group
            if (m->in_flight(now)) {
                locked = true;
                break;
            }
        }
        if (locked) continue;
        // Walk the group by position, not by iterator: delivering may erase messages (expired,
        // moved to the DLQ) and even the group itself.
        for (uint64_t after = 0; static_cast<int>(out.size()) < max;) {
            auto g = q.groups().find(group);
            if (g == q.groups().end()) break;
            auto next = g->second.upper_bound(after);
            if (next == g->second.end()) break;
            uint64_t seq = after = *next;
            Message* m = q.find(seq);
            if (m->visible_at > now) break;  // delayed: keeps the rest of its group waiting
            if (deliverable(q, *m, now, retention)) out.push_back(m);
        }
        // Only this group's head entry can have moved; `hit` already points past it, and a
        // re-inserted entry further on is skipped as visited.
    }
    return out;
}

json Backend::message_json(const Queue& q, const Message& m, const ReceiveRequest& r) const {
    json out{{"MessageId", m.id},
             {"ReceiptHandle", receipt_handle(q, m)},
             {"MD5OfBody", m.md5_body},
             {"Body", m.body}};
    const auto& want = r.system_attributes;
    auto wants = [&](const char* n) {
        return std::find(want.begin(), want.end(), "All") != want.end() ||
               std::find(want.begin(), want.end(), n) != want.end();
    };
    json attrs = json::object();
    if (wants("SenderId")) attrs["SenderId"] = m.sender_id;
    if (wants("SentTimestamp")) attrs["SentTimestamp"] = std::to_string(m.sent);
    if (wants("ApproximateReceiveCount"))
        attrs["ApproximateReceiveCount"] = std::to_string(m.receive_count);
    if (wants("ApproximateFirstReceiveTimestamp"))
        attrs["ApproximateFirstReceiveTimestamp"] = std::to_string(m.first_receive);
    if (wants("SqsManagedSseEnabled"))
        attrs["SqsManagedSseEnabled"] = q.attributes.count("SqsManagedSseEnabled")
                                            ? q.attributes.at("SqsManagedSseEnabled")
                                            : "false";
    if (q.fifo) {
        if (wants("SequenceNumber")) attrs["SequenceNumber"] = fmt_sequence(m.seq);
        if (wants("MessageDeduplicationId")) attrs["MessageDeduplicationId"] = m.dedup_id;
    }
    if (!m.group_id.empty() && wants("MessageGroupId")) attrs["MessageGroupId"] = m.group_id;
    if (!m.trace_header.empty() && wants("AWSTraceHeader"))
        attrs["AWSTraceHeader"] = m.trace_header;
    if (!m.dlq_source_arn.empty() && wants("DeadLetterQueueSourceArn"))
        attrs["DeadLetterQueueSourceArn"] = m.dlq_source_arn;
    if (!attrs.empty()) out["Attributes"] = std::move(attrs);

    MessageAttributes chosen;
    for (auto& [name, a] : m.attributes)
        if (selected(r.message_attributes, name)) chosen.emplace(name, a);
    if (!chosen.empty()) {
        json ma = json::object();
        for (auto& [name, a] : chosen)
            ma[name] = attribute_json(a);
        out["MessageAttributes"] = std::move(ma);
        out["MD5OfMessageAttributes"] = md5_of_attributes(chosen);
    }
    return out;
}

void Backend::change_one(Queue& q, const std::string& handle, const json& timeout, Millis now) {
    Receipt r = parse_receipt(q, handle);
    int vt = check_timeout(optional_int(json{{"VisibilityTimeout", timeout}}, "VisibilityTimeout"));
    Message* m = q.find(r.seq);
    if (!m)
        throw invalid_parameter(handle, "ReceiptHandle",
                                "Message does not "
                                "exist or is not available for visibility timeout change.");
    if (m->receipt != r.nonce)
        throw invalid_parameter(handle, "ReceiptHandle",
                                "The receipt handle "
                                "has expired.");
    if (!m->in_flight(now))
        throw AwsError("MessageNotInflight", "The message referred to isn't in flight.", 400);
    q.set_visible_at(*m, now + 1000LL * vt);
    if (vt == 0) q.waiting.wake(1);
}

json Backend::change_message_visibility(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    const std::string& handle = required_string(in, "ReceiptHandle");
    if (!in.contains("VisibilityTimeout"))
        throw AwsError("MissingParameter",
                       "The request must contain the parameter VisibilityTimeout.", 400);
    change_one(*q, handle, in["VisibilityTimeout"], now_epoch_ms());
    return json::object();
}

json Backend::change_message_visibility_batch(const Caller& caller, const json& in) {
    auto q = queue_by_url(caller, in);
    const json& entries = batch_entries(in, "ChangeMessageVisibilityBatchRequestEntry");
    Millis now = now_epoch_ms();
    json ok = json::array(), failed = json::array();
    for (auto& e : entries) {
        std::string id = e["Id"];
        try {
            change_one(*q, required_string(e, "ReceiptHandle"),
                       e.value("VisibilityTimeout", json(nullptr)), now);
            ok.push_back({{"Id", id}});
        } catch (const AwsError& err) {
            failed.push_back(failed_entry(id, err));
        }
    }
    return {{"Successful", std::move(ok)}, {"Failed", std::move(failed)}};
}

}  // namespace fogbank::sqs
