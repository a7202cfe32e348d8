#include "services/sqs/store.hpp"

#include <nlohmann/json.hpp>

#include "emulator/encoding.hpp"
#include "emulator/json_writer.hpp"
#include "services/sqs/message_attributes.hpp"

namespace fogbank::sqs {

namespace {
using json = nlohmann::json;

constexpr const char* kMessageColumns =
    "seq, id, body, attributes, trace_header, sender_id, group_id, dedup_id, dlq_source_arn, "
    "sent, retain_from, visible_at, first_receive, receive_count, receipt";
}  // namespace

Store::Store(Database& db, bool durable) : db_(db), durable_(durable) {
    if (!durable_) return;
    std::lock_guard lock(db_.mutex());
    db_.exec(R"(
        CREATE TABLE IF NOT EXISTS sqs_queues (
            id INTEGER PRIMARY KEY,
            account TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,
            fifo INTEGER NOT NULL, created INTEGER NOT NULL, modified INTEGER NOT NULL,
            attributes TEXT NOT NULL, tags TEXT NOT NULL, purged_at INTEGER NOT NULL,
            UNIQUE (account, region, name));
        CREATE TABLE IF NOT EXISTS sqs_messages (
            queue_id INTEGER NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL,
            body BLOB NOT NULL, attributes TEXT NOT NULL, trace_header TEXT NOT NULL,
            sender_id TEXT NOT NULL, group_id TEXT NOT NULL, dedup_id TEXT NOT NULL,
            dlq_source_arn TEXT NOT NULL, sent INTEGER NOT NULL, retain_from INTEGER NOT NULL,
            visible_at INTEGER NOT NULL, first_receive INTEGER NOT NULL,
            receive_count INTEGER NOT NULL, receipt INTEGER NOT NULL,
            PRIMARY KEY (queue_id, seq)) WITHOUT ROWID;
    )");
}

void Store::load(const std::function<Queue&(Queue)>& add_queue) {
    if (!durable_) return;
    std::lock_guard lock(db_.mutex());
    auto qs = db_.prepare(
        "SELECT id, account, region, name, fifo, created, modified, attributes, tags, purged_at "
        "FROM sqs_queues ORDER BY id");
    while (qs.step()) {
        Queue q(*this);
        q.id = qs.integer(0);
        q.account = qs.text(1);
        q.region = qs.text(2);
        q.name = qs.text(3);
        q.fifo = qs.integer(4) != 0;
        q.created = qs.integer(5);
        q.modified = qs.integer(6);
        q.attributes = json::parse(qs.text(7)).get<AttributeMap>();
        q.tags = json::parse(qs.text(8)).get<AttributeMap>();
        q.purged_at = qs.integer(9);
        Queue& added = add_queue(std::move(q));
        auto ms = db_.prepare(std::string("SELECT ") + kMessageColumns +
                              " FROM sqs_messages WHERE queue_id=? ORDER BY seq");
        ms.bind_all(added.id);
        while (ms.step()) {
            Message m;
            m.seq = static_cast<uint64_t>(ms.integer(0));
            m.id = ms.text(1);
            m.body = ms.blob(2);
            const json stored = json::parse(ms.text(3));
            for (auto& [name, v] : stored.items()) {
                MessageAttribute a{v.at("DataType").get<std::string>(), {}};
                a.value = a.binary()
                              ? base64_decode(v.at("BinaryValue").get<std::string>()).value_or("")
                              : v.at("StringValue").get<std::string>();
                m.attributes.emplace(name, std::move(a));
            }
            m.trace_header = ms.text(4);
            m.sender_id = ms.text(5);
            m.group_id = ms.text(6);
            m.dedup_id = ms.text(7);
            m.dlq_source_arn = ms.text(8);
            m.sent = ms.integer(9);
            m.retain_from = ms.integer(10);
            m.visible_at = ms.integer(11);
            m.first_receive = ms.integer(12);
            m.receive_count = static_cast<int>(ms.integer(13));
            m.receipt = static_cast<uint64_t>(ms.integer(14));
            m.md5_body = md5_hex(m.body);
            added.restore(std::move(m));
        }
    }
}

int64_t Store::next_queue_id() const {
    if (!durable_) return 1;
    std::lock_guard lock(db_.mutex());
    auto s = db_.prepare("SELECT COALESCE(MAX(id), 0) + 1 FROM sqs_queues");
    s.step();
    return s.integer(0);
}

void Store::wipe() {
    if (!durable_) return;
    std::lock_guard lock(db_.mutex());
    db_.exec("DELETE FROM sqs_messages; DELETE FROM sqs_queues;");
}

void Store::put_queue(const Queue& q) {
    if (!durable_) return;
    db_.prepare(
           "INSERT OR REPLACE INTO sqs_queues (id, account, region, name, fifo, created, "
           "modified, attributes, tags, purged_at) VALUES (?,?,?,?,?,?,?,?,?,?)")
        .bind_all(q.id, q.account, q.region, q.name, q.fifo ? 1 : 0, q.created, q.modified,
                  json(q.attributes).dump(), json(q.tags).dump(), q.purged_at)
        .run();
}

void Store::drop_queue(const Queue& q) {
    if (!durable_) return;
    db_.prepare("DELETE FROM sqs_messages WHERE queue_id=?").bind_all(q.id).run();
    db_.prepare("DELETE FROM sqs_queues WHERE id=?").bind_all(q.id).run();
}

void Store::put_message(const Queue& q, const Message& m) {
    if (!durable_) return;
    json attrs = json::object();
    for (auto& [name, a] : m.attributes)
        attrs[name] = attribute_json(a);
    // A plain INSERT: seq is new in its queue (next_seq only grows, and a deleted queue's rows
    // go with it), so a collision is a bug to fail on, not a message to overwrite.
    auto s = db_.prepare(std::string("INSERT INTO sqs_messages (queue_id, ") + kMessageColumns +
                         ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    s.bind_all(q.id, m.seq, m.id);
    s.bind_blob(4, m.body);
    s.bind(5, json_text(attrs));
    s.bind(6, m.trace_header)
        .bind(7, m.sender_id)
        .bind(8, m.group_id)
        .bind(9, m.dedup_id)
        .bind(10, m.dlq_source_arn)
        .bind(11, m.sent)
        .bind(12, m.retain_from)
        .bind(13, m.visible_at)
        .bind(14, m.first_receive)
        .bind(15, static_cast<int64_t>(m.receive_count))
        .bind(16, static_cast<int64_t>(m.receipt));
    s.run();
}

void Store::touch_message(const Queue& q, const Message& m) {
    if (!durable_) return;
    db_.prepare(
           "UPDATE sqs_messages SET visible_at=?, first_receive=?, receive_count=?, receipt=? "
           "WHERE queue_id=? AND seq=?")
        .bind_all(m.visible_at, m.first_receive, m.receive_count, m.receipt, q.id, m.seq)
        .run();
}

void Store::drop_message(const Queue& q, uint64_t seq) {
    if (!durable_) return;
    db_.prepare("DELETE FROM sqs_messages WHERE queue_id=? AND seq=?").bind_all(q.id, seq).run();
}

}  // namespace fogbank::sqs
