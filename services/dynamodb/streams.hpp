// DynamoDB Streams: the change log of tables with a StreamSpecification, and the
// streams.dynamodb API that reads it (ListStreams, DescribeStream, GetShardIterator,
// GetRecords; AWS JSON 1.0, DynamoDBStreams_20120810). Every acknowledged write to a streaming
// table appends a record (INSERT, MODIFY or REMOVE, with the images its StreamViewType keeps)
// in commit order, under the backend's lock and, with --data-dir, in the write's own SQLite
// transaction. A stream's open shard rolls over after 4 hours (on the service clock), as
// DynamoDB's do: it is closed at its last record and a child shard, naming it as its parent,
// takes the writes that follow. A disabled stream's shard is closed too. Closed shards stay
// readable until their records pass the 24 hours they are kept. Iterators expire after 15
// minutes.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emulator/database.hpp"
#include "services/dynamodb/table.hpp"

namespace fogbank::dynamodb {

struct Caller;

class Streams {
  public:
    Streams(Database& db, bool durable);

    // Stream records of one write (under the backend's lock, inside the write's batch).
    // `old_item`/`new_item` null: absent. `by_ttl`: the TTL sweep removed it.
    void record(const Table& t, const json* old_item, const json* new_item, bool by_ttl);
    // The table's stream state changed (created, enabled, disabled, table deleted).
    void table_changed(const Table& t, bool deleted = false);

    // For Lambda's event source mappings: where TRIM_HORIZON or LATEST starts, and up to `max`
    // records from sequence number `from` on ({"ShardId", "Records"}); nothing when there is no
    // such stream.
    std::optional<uint64_t> position(const std::string& arn, bool latest);
    std::optional<json> records_from(const std::string& arn, uint64_t from, size_t max);

    bool knows(const std::string& op) const;
    json call(const std::string& op, const Caller& caller, const json& in);
    void reset();
    void load();  // --data-dir: streams and records kept from an earlier run

  private:
    struct Record {
        uint64_t seq = 0;
        int64_t time_ms = 0;
        json body;  // the GetRecords record, without its sequence number filled in twice
    };
    struct Shard {
        std::string id, parent;  // parent: the shard this one followed, or empty
        uint64_t start = 0;      // the first sequence number it can hold
        uint64_t end = 0;        // closed: its last sequence number
        bool closed = false;
        int64_t created_ms = 0;
    };
    struct Stream {
        std::string arn, table_name, account, region, label, view_type;
        json key_schema;
        int64_t created_ms = 0;
        int64_t disabled_ms = 0;     // 0 while enabled
        uint64_t trimmed = 0;        // the last sequence number dropped past retention
        std::vector<Shard> shards;   // oldest first; the last one open while enabled
        std::deque<Record> records;  // of every shard, in sequence order
        Shard* shard(const std::string& id);
        void close_open_shard();
        json meta() const;
        static Stream from_meta(const json& m);
    };

    json list_streams(const Caller&, const json&);
    json describe_stream(const Caller&, const json&);
    json get_shard_iterator(const Caller&, const json&);
    json get_records(const Caller&, const json&);

    Stream& stream_for(const std::string& arn);
    void trim(Stream& s, int64_t now_ms);
    void roll_over(Stream& s, int64_t now_ms);
    void save(const Stream& s);

    Database& db_;
    bool durable_;
    std::map<std::string, Stream> streams_;  // by ARN
    uint64_t next_seq_ = 1;
};

}  // namespace fogbank::dynamodb
