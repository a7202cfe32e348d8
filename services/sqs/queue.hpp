// A queue and its messages, in memory. The service's lock guards every Queue; with --data-dir
// each change is also written to SQLite through the Journal, inside the request's transaction,
// before the request is answered.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "emulator/long_poll.hpp"
#include "services/sqs/attributes.hpp"

namespace fogbank::sqs {

using Millis = int64_t;  // milliseconds since the epoch

struct MessageAttribute {
    std::string type;   // "String", "Number", "Binary", optionally with a ".custom" suffix
    std::string value;  // the string, or the raw bytes of a Binary value
    bool binary() const { return type.rfind("Binary", 0) == 0; }
};
// Sorted by name, which is also the order AWS hashes them in.
using MessageAttributes = std::map<std::string, MessageAttribute>;

struct Message {
    uint64_t seq = 0;  // order of arrival in this queue; the FIFO SequenceNumber
    std::string id;
    std::string body;
    MessageAttributes attributes;
    std::string trace_header;  // the AWSTraceHeader system attribute
    std::string sender_id;
    std::string group_id;
    std::string dedup_id;
    std::string dlq_source_arn;  // set once a message was moved to a dead-letter queue
    std::string md5_body;        // hex, computed once when the message arrives
    Millis sent = 0;
    Millis retain_from = 0;  // retention counts from the first enqueue, even after a DLQ move
    Millis visible_at = 0;   // delay or visibility timeout: not deliverable before this
    Millis first_receive = 0;
    int receive_count = 0;
    uint64_t receipt = 0;  // nonce of the latest receive; older receipt handles are stale

    bool in_flight(Millis now) const { return receive_count > 0 && visible_at > now; }
};

class Queue;

// Where changes to messages and queues are recorded: SQLite with --data-dir, nowhere otherwise.
class Journal {
  public:
    virtual ~Journal() = default;
    virtual void put_queue(const Queue& q) = 0;
    virtual void drop_queue(const Queue& q) = 0;
    virtual void put_message(const Queue& q, const Message& m) = 0;
    // Only what a receive or visibility change alters.
    virtual void touch_message(const Queue& q, const Message& m) = 0;
    virtual void drop_message(const Queue& q, uint64_t seq) = 0;
};

struct Counts {
    int64_t visible = 0;
    int64_t in_flight = 0;
    int64_t delayed = 0;
};

class Queue {
  public:
    Queue(Journal& journal) : journal_(journal) {}

    int64_t id = 0;
    std::string account, region, name;
    bool fifo = false;
    Millis created = 0, modified = 0;
    // Settable attributes, as AWS spells them and with values in canonical form.
    AttributeMap attributes;
    AttributeMap tags;
    bool deleted = false;  // set when DeleteQueue removes it; long polls holding it give up
    Millis purged_at = -1;
    uint64_t next_seq = 1;
    WaitList waiting;

    std::string arn() const;
    int attribute_int(std::string_view name) const;
    bool content_based_dedup() const;

    const std::map<uint64_t, Message>& messages() const { return messages_; }
    Message* find(uint64_t seq);

    // Takes the message in (seq assigned here), records it and wakes one waiting receive.
    Message& enqueue(Message m);
    // Adds a message read back from the journal at start-up; no journaling, no wake-up.
    void restore(Message m);
    void erase(uint64_t seq);
    // Changes when a message may next be delivered and records it.
    void set_visible_at(Message& m, Millis at);
    void record(const Message& m) { journal_.touch_message(*this, m); }
    void purge();

    Counts counts(Millis now) const;
    // The earliest moment after `now` at which a message becomes deliverable by itself.
    std::optional<Millis> next_change(Millis now) const;
    // Drops messages older than MessageRetentionPeriod.
    void expire(Millis now);

    // FIFO: messages of each group in order, and the groups ordered by their first message.
    const std::map<std::string, std::set<uint64_t>>& groups() const { return groups_; }
    const std::set<std::pair<uint64_t, std::string>>& group_heads() const { return heads_; }
    // Standard: every message by (visible_at, seq): deliverable ones first, oldest first.
    const std::set<std::pair<Millis, uint64_t>>& by_visibility() const { return by_visible_; }

    // FIFO deduplication within the 5-minute window: the message id already sent with this id.
    struct Deduplicated {
        std::string message_id;
        uint64_t seq;
    };
    std::optional<Deduplicated> deduplicated(const std::string& key, Millis now);
    void remember_dedup(const std::string& key, const Message& m, Millis now);

    Journal& journal() { return journal_; }

    // FIFO ReceiveRequestAttemptId: a retried receive within 5 minutes gets the same messages
    // (and receipt handles) back, as long as they are still in flight under that receive.
    struct Attempt {
        Millis expires;
        std::vector<std::pair<uint64_t, uint64_t>> taken;  // seq, receipt nonce
    };
    std::unordered_map<std::string, Attempt> attempts;

  private:
    void index(const Message& m);
    void unindex(const Message& m);

    Journal& journal_;
    std::map<uint64_t, Message> messages_;
    std::set<std::pair<Millis, uint64_t>> by_visible_;
    std::map<std::string, std::set<uint64_t>> groups_;
    std::set<std::pair<uint64_t, std::string>> heads_;
    struct DedupEntry {
        Millis expires;
        Deduplicated sent;
    };
    std::unordered_map<std::string, DedupEntry> dedup_;
    std::deque<std::pair<Millis, std::string>> dedup_order_;
};

}  // namespace fogbank::sqs
