#include "services/dynamodb/streams.hpp"

#include <algorithm>
#include <cstdio>

#include "emulator/clock.hpp"
#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "emulator/json_reader.hpp"
#include "services/dynamodb/attribute_value.hpp"
#include "services/dynamodb/backend.hpp"
#include "services/dynamodb/errors.hpp"

namespace fogbank::dynamodb {

namespace {

constexpr int64_t kRetentionMs = 24 * 3600 * 1000;
constexpr int64_t kIteratorLifeMs = 15 * 60 * 1000;
constexpr size_t kMaxRecordsPerCall = 1000;
constexpr int64_t kShardLifeMs = 4 * 3600 * 1000;

// DynamoDB's sequence numbers are decimal strings, compared as numbers: padded to 21 digits
// so they also compare as strings.
std::string seq_text(uint64_t seq) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%021llu", static_cast<unsigned long long>(seq));
    return buf;
}

std::optional<uint64_t> parse_seq(const std::string& s) {
    if (s.empty() || s.size() > 40 || s.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    try {
        return std::stoull(s);
    } catch (...) {
        return std::nullopt;
    }
}

std::string new_shard_id(int64_t now_ms) {
    return "shardId-" + seq_text(static_cast<uint64_t>(now_ms)).substr(1) + "-" + random_hex(4);
}

AwsError not_found(const std::string& what) {
    return AwsError("ResourceNotFoundException", "Requested resource not found: " + what, 400);
}

// What a shard iterator carries, opaque to clients: base64 of a small JSON document.
struct Position {
    std::string arn, shard;
    uint64_t next = 0;  // the first sequence number not yet returned
    int64_t issued_ms = 0;
};

std::string encode_iterator(const Position& p) {
    json j = {{"a", p.arn}, {"s", p.shard}, {"n", p.next}, {"t", p.issued_ms}};
    return base64_encode(j.dump());
}

Position decode_iterator(const std::string& it) {
    auto bad = [] { return validation("Invalid ShardIterator"); };
    if (it.empty() || it.size() > 2048) throw bad();
    auto text = base64_decode(it);
    if (!text) throw bad();
    json j;
    if (read_json(*text, j, 2) != JsonRead::ok || !j.is_object() || !j["a"].is_string() ||
        !j["s"].is_string() || !j["n"].is_number_unsigned() || !j["t"].is_number_integer())
        throw bad();
    return Position{j["a"], j["s"], j["n"], j["t"]};
}

}  // namespace

json Streams::Stream::meta() const {
    json shards_json = json::array();
    for (auto& sh : shards)
        shards_json.push_back({{"id", sh.id},
                               {"parent", sh.parent},
                               {"start", sh.start},
                               {"end", sh.end},
                               {"closed", sh.closed},
                               {"created", sh.created_ms}});
    return {{"arn", arn},
            {"table", table_name},
            {"account", account},
            {"region", region},
            {"label", label},
            {"view", view_type},
            {"key_schema", key_schema},
            {"created", created_ms},
            {"disabled", disabled_ms},
            {"trimmed", trimmed},
            {"shards", shards_json}};
}

Streams::Stream Streams::Stream::from_meta(const json& m) {
    Stream s;
    s.arn = m.at("arn");
    s.table_name = m.at("table");
    s.account = m.at("account");
    s.region = m.at("region");
    s.label = m.at("label");
    s.view_type = m.at("view");
    s.key_schema = m.at("key_schema");
    s.created_ms = m.at("created");
    s.disabled_ms = m.at("disabled");
    s.trimmed = m.value("trimmed", uint64_t{0});
    if (m.contains("shards")) {
        for (auto& j : m["shards"])
            s.shards.push_back({j.at("id"), j.at("parent"), j.at("start"), j.at("end"),
                                j.at("closed"), j.at("created")});
    } else {  // a data directory from before shards rolled over: one shard
        s.shards.push_back({m.at("shard"), "", m.at("start"), 0, false, s.created_ms});
    }
    return s;
}

Streams::Shard* Streams::Stream::shard(const std::string& id) {
    for (auto& sh : shards)
        if (sh.id == id) return &sh;
    return nullptr;
}

void Streams::Stream::close_open_shard() {
    if (shards.empty() || shards.back().closed) return;
    Shard& open = shards.back();
    open.closed = true;
    // At its last record; a shard that never held one ends where it began.
    open.end =
        !records.empty() && records.back().seq >= open.start ? records.back().seq : open.start;
}

Streams::Streams(Database& db, bool durable) : db_(db), durable_(durable) {
    if (!durable_) return;
    std::lock_guard lock(db_.mutex());
    db_.exec(R"(
        CREATE TABLE IF NOT EXISTS dynamodb_streams (arn TEXT PRIMARY KEY, meta TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS dynamodb_stream_records (
            arn TEXT NOT NULL, seq INTEGER NOT NULL, created INTEGER NOT NULL,
            record TEXT NOT NULL, PRIMARY KEY (arn, seq)) WITHOUT ROWID;
    )");
}

void Streams::load() {
    if (!durable_) return;
    std::lock_guard lock(db_.mutex());
    auto s = db_.prepare("SELECT meta FROM dynamodb_streams");
    while (s.step()) {
        Stream st = Stream::from_meta(json::parse(s.text(0)));
        auto r = db_.prepare(
            "SELECT seq, created, record FROM dynamodb_stream_records WHERE arn=? ORDER BY seq");
        r.bind_all(st.arn);
        while (r.step()) {
            Record rec{static_cast<uint64_t>(r.integer(0)), r.integer(1), json::parse(r.text(2))};
            next_seq_ = std::max(next_seq_, rec.seq + 1);
            st.records.push_back(std::move(rec));
        }
        if (!st.shards.empty()) next_seq_ = std::max(next_seq_, st.shards.back().start + 1);
        std::string arn = st.arn;
        streams_.emplace(arn, std::move(st));
    }
}

void Streams::reset() {
    streams_.clear();
    next_seq_ = 1;
    if (!durable_) return;
    std::lock_guard lock(db_.mutex());
    db_.exec("DELETE FROM dynamodb_stream_records; DELETE FROM dynamodb_streams;");
}

void Streams::save(const Stream& s) {
    if (!durable_) return;
    db_.prepare("INSERT OR REPLACE INTO dynamodb_streams (arn, meta) VALUES (?, ?)")
        .bind_all(s.arn, s.meta().dump())
        .run();
}

void Streams::table_changed(const Table& t, bool deleted) {
    const int64_t now = now_epoch_ms();
    bool enabled = !deleted && t.stream_specification.is_object() &&
                   t.stream_specification.value("StreamEnabled", false);
    // Every stream of this table but the current one is closed.
    std::string current = enabled ? t.arn + "/stream/" + t.stream_label : "";
    for (auto& [arn, s] : streams_) {
        if (s.disabled_ms == 0 && arn != current && arn.rfind(t.arn + "/stream/", 0) == 0) {
            s.disabled_ms = now;
            s.close_open_shard();
            save(s);
        }
    }
    if (!enabled || streams_.count(current)) return;
    Stream s;
    s.arn = current;
    s.table_name = t.name;
    s.account = t.account;
    s.region = t.region;
    s.label = t.stream_label;
    s.view_type = t.stream_specification.value("StreamViewType", "NEW_AND_OLD_IMAGES");
    s.key_schema = t.key.to_json();
    s.created_ms = now;
    s.shards.push_back({new_shard_id(now), "", next_seq_, 0, false, now});
    save(s);
    streams_.emplace(current, std::move(s));
}

void Streams::record(const Table& t, const json* old_item, const json* new_item, bool by_ttl) {
    if (!t.stream_specification.is_object() ||
        !t.stream_specification.value("StreamEnabled", false))
        return;
    if (!old_item && !new_item) return;
    // A write that leaves the item as it was changes nothing a stream would show.
    if (old_item && new_item && *old_item == *new_item) return;
    auto it = streams_.find(t.arn + "/stream/" + t.stream_label);
    if (it == streams_.end()) return;
    Stream& s = it->second;
    const int64_t now = now_epoch_ms();
    trim(s, now);
    roll_over(s, now);
    Record r;
    r.seq = next_seq_++;
    r.time_ms = now;
    const json& any = new_item ? *new_item : *old_item;
    json ddb = {{"ApproximateCreationDateTime", static_cast<double>(now / 1000)},
                {"Keys", t.key_json(any)},
                {"SequenceNumber", seq_text(r.seq)},
                {"StreamViewType", s.view_type}};
    size_t size = item_size(ddb["Keys"]);
    if (new_item && (s.view_type == "NEW_IMAGE" || s.view_type == "NEW_AND_OLD_IMAGES")) {
        ddb["NewImage"] = *new_item;
        size += item_size(*new_item);
    }
    if (old_item && (s.view_type == "OLD_IMAGE" || s.view_type == "NEW_AND_OLD_IMAGES")) {
        ddb["OldImage"] = *old_item;
        size += item_size(*old_item);
    }
    ddb["SizeBytes"] = size;
    r.body = {{"eventID", random_hex(16)},
              {"eventName", !old_item ? "INSERT" : !new_item ? "REMOVE" : "MODIFY"},
              {"eventVersion", "1.1"},
              {"eventSource", "aws:dynamodb"},
              {"awsRegion", t.region},
              {"dynamodb", std::move(ddb)}};
    if (by_ttl)
        r.body["userIdentity"] = {{"PrincipalId", "dynamodb.amazonaws.com"}, {"Type", "Service"}};
    if (durable_)
        db_.prepare(
               "INSERT INTO dynamodb_stream_records (arn, seq, created, record) VALUES (?,?,?,?)")
            .bind_all(s.arn, r.seq, r.time_ms, r.body.dump())
            .run();
    s.records.push_back(std::move(r));
}

void Streams::trim(Stream& s, int64_t now) {
    size_t gone = 0;
    while (!s.records.empty() && s.records.front().time_ms < now - kRetentionMs) {
        s.trimmed = s.records.front().seq;
        s.records.pop_front();
        ++gone;
    }
    if (!gone) return;
    // Closed shards whose every record is gone leave the description (the newest stays).
    while (s.shards.size() > 1 && s.shards.front().closed && s.shards.front().end <= s.trimmed)
        s.shards.erase(s.shards.begin());
    if (!durable_) return;
    db_.prepare("DELETE FROM dynamodb_stream_records WHERE arn=? AND created<?")
        .bind_all(s.arn, now - kRetentionMs)
        .run();
    save(s);  // where the trim horizon is, for a restart
}

void Streams::roll_over(Stream& s, int64_t now) {
    if (s.disabled_ms || s.shards.empty()) return;
    const Shard& open = s.shards.back();
    // Only a shard that holds records rolls over: an empty one would end before it began.
    bool holds = !s.records.empty() && s.records.back().seq >= open.start;
    if (open.closed || !holds || now - open.created_ms < kShardLifeMs) return;
    std::string parent = open.id;
    s.close_open_shard();
    s.shards.push_back({new_shard_id(now), parent, next_seq_, 0, false, now});
    save(s);
}

Streams::Stream& Streams::stream_for(const std::string& arn) {
    auto it = streams_.find(arn);
    if (it == streams_.end()) throw not_found("Stream: " + arn + " not found");
    return it->second;
}

std::optional<uint64_t> Streams::position(const std::string& arn, bool latest) {
    auto it = streams_.find(arn);
    if (it == streams_.end()) return std::nullopt;
    trim(it->second, now_epoch_ms());
    const Stream& st = it->second;
    return latest ? next_seq_ : std::max(st.shards.front().start, st.trimmed + 1);
}

std::optional<json> Streams::records_from(const std::string& arn, uint64_t from, size_t max) {
    auto it = streams_.find(arn);
    if (it == streams_.end()) return std::nullopt;
    Stream& s = it->second;
    trim(s, now_epoch_ms());
    // The records of one shard at a time, as Lambda reads them: the first shard with any left
    // from `from` on, or the open one.
    json records = json::array();
    for (const Shard& sh : s.shards) {
        if (sh.closed && from > sh.end) continue;
        auto r = std::lower_bound(s.records.begin(), s.records.end(), std::max(from, sh.start),
                                  [](const Record& rec, uint64_t n) { return rec.seq < n; });
        for (; r != s.records.end() && records.size() < max && (!sh.closed || r->seq <= sh.end);
             ++r)
            records.push_back(r->body);
        if (!records.empty() || !sh.closed || &sh == &s.shards.back())
            return json{{"ShardId", sh.id}, {"Records", std::move(records)}};
    }
    return json{{"ShardId", s.shards.back().id}, {"Records", std::move(records)}};
}

bool Streams::knows(const std::string& op) const {
    return op == "ListStreams" || op == "DescribeStream" || op == "GetShardIterator" ||
           op == "GetRecords";
}

json Streams::call(const std::string& op, const Caller& caller, const json& in) {
    if (op == "ListStreams") return list_streams(caller, in);
    if (op == "DescribeStream") return describe_stream(caller, in);
    if (op == "GetShardIterator") return get_shard_iterator(caller, in);
    return get_records(caller, in);
}

json Streams::list_streams(const Caller& caller, const json& in) {
    std::string table = in.value("TableName", "");
    int64_t limit = in.value("Limit", 100);
    if (limit < 1 || limit > 100)
        throw validation("1 validation error detected: Value '" + std::to_string(limit) +
                         "' at 'limit' failed to satisfy constraint: Member must have value "
                         "less than or equal to 100");
    std::string start = in.value("ExclusiveStartStreamArn", "");
    const int64_t now = now_epoch_ms();
    json out = {{"Streams", json::array()}};
    for (auto& [arn, s] : streams_) {
        if (s.account != caller.account || s.region != caller.region) continue;
        if (!table.empty() && s.table_name != table) continue;
        if (s.disabled_ms && s.disabled_ms < now - kRetentionMs) continue;
        if (!start.empty() && arn <= start) continue;
        if (static_cast<int64_t>(out["Streams"].size()) == limit) {
            out["LastEvaluatedStreamArn"] = out["Streams"].back()["StreamArn"];
            break;
        }
        out["Streams"].push_back(
            {{"StreamArn", arn}, {"TableName", s.table_name}, {"StreamLabel", s.label}});
    }
    return out;
}

json Streams::describe_stream(const Caller&, const json& in) {
    Stream& s = stream_for(in.value("StreamArn", ""));
    trim(s, now_epoch_ms());
    json shards = json::array();
    for (const Shard& sh : s.shards) {
        // Starting where its oldest record still kept is.
        uint64_t first = std::max(sh.start, s.trimmed + 1);
        if (sh.closed) first = std::min(first, sh.end);
        json range = {{"StartingSequenceNumber", seq_text(first)}};
        if (sh.closed) range["EndingSequenceNumber"] = seq_text(sh.end);
        json shard = {{"ShardId", sh.id}, {"SequenceNumberRange", range}};
        if (!sh.parent.empty()) shard["ParentShardId"] = sh.parent;
        shards.push_back(std::move(shard));
    }
    json desc = {{"StreamArn", s.arn},
                 {"StreamLabel", s.label},
                 {"StreamStatus", s.disabled_ms ? "DISABLED" : "ENABLED"},
                 {"StreamViewType", s.view_type},
                 {"CreationRequestDateTime", static_cast<double>(s.created_ms) / 1000.0},
                 {"TableName", s.table_name},
                 {"KeySchema", s.key_schema},
                 {"Shards", std::move(shards)}};
    return {{"StreamDescription", desc}};
}

json Streams::get_shard_iterator(const Caller&, const json& in) {
    Stream& s = stream_for(in.value("StreamArn", ""));
    std::string shard = in.value("ShardId", "");
    const int64_t now = now_epoch_ms();
    trim(s, now);
    const Shard* sh = s.shard(shard);
    if (!sh) throw not_found("Shard: " + shard + " in Stream: " + s.arn);
    const uint64_t last = sh->closed ? sh->end : next_seq_ - 1;  // the last it can hold so far
    std::string type = in.value("ShardIteratorType", "");
    Position p{s.arn, shard, 0, now};
    if (type == "TRIM_HORIZON") {
        p.next = std::max(sh->start, s.trimmed + 1);
    } else if (type == "LATEST") {
        p.next = last + 1;
    } else if (type == "AT_SEQUENCE_NUMBER" || type == "AFTER_SEQUENCE_NUMBER") {
        auto n = parse_seq(in.value("SequenceNumber", ""));
        if (!n)
            throw validation("Invalid SequenceNumber for ShardIteratorType " + type +
                             ": a sequence number is required");
        if (*n < sh->start || *n > last)
            throw validation("Invalid SequenceNumber: " + in.value("SequenceNumber", "") +
                             " is not in the shard's range");
        if (*n <= s.trimmed)
            throw AwsError("TrimmedDataAccessException",
                           "The operation attempted to read past the oldest stream record in a "
                           "shard.",
                           400);
        p.next = type == "AT_SEQUENCE_NUMBER" ? *n : *n + 1;
    } else {
        throw validation("1 validation error detected: Value '" + type +
                         "' at 'shardIteratorType' failed to satisfy constraint: Member must "
                         "satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, "
                         "AT_SEQUENCE_NUMBER, TRIM_HORIZON]");
    }
    return {{"ShardIterator", encode_iterator(p)}};
}

json Streams::get_records(const Caller&, const json& in) {
    Position p = decode_iterator(in.value("ShardIterator", ""));
    int64_t limit = in.value("Limit", static_cast<int64_t>(kMaxRecordsPerCall));
    if (limit < 1 || limit > static_cast<int64_t>(kMaxRecordsPerCall))
        throw validation("1 validation error detected: Value '" + std::to_string(limit) +
                         "' at 'limit' failed to satisfy constraint: Member must have value "
                         "less than or equal to 1000");
    const int64_t now = now_epoch_ms();
    if (now - p.issued_ms > kIteratorLifeMs)
        throw AwsError("ExpiredIteratorException", "Iterator expired.", 400);
    Stream& s = stream_for(p.arn);
    trim(s, now);
    const Shard* sh = s.shard(p.shard);
    if (!sh) throw not_found("Shard: " + p.shard);
    if (p.next <= s.trimmed)
        throw AwsError("TrimmedDataAccessException",
                       "The operation attempted to read past the oldest stream record in a "
                       "shard.",
                       400);
    json records = json::array();
    uint64_t next = p.next;
    auto it = std::lower_bound(s.records.begin(), s.records.end(), p.next,
                               [](const Record& r, uint64_t n) { return r.seq < n; });
    for (; it != s.records.end() && static_cast<int64_t>(records.size()) < limit &&
           (!sh->closed || it->seq <= sh->end);
         ++it) {
        records.push_back(it->body);
        next = it->seq + 1;
    }
    json out = {{"Records", std::move(records)}};
    // A closed shard with no record left to read ends: no next iterator (its child, if any,
    // goes on).
    bool more = it != s.records.end() && (!sh->closed || it->seq <= sh->end);
    bool ended = sh->closed && !more;
    if (!ended) out["NextShardIterator"] = encode_iterator({s.arn, sh->id, next, now});
    return out;
}

}  // namespace fogbank::dynamodb
