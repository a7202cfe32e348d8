// DynamoDB itself, independent of the wire: each operation takes the AWS JSON input and returns
// the AWS JSON output. One lock guards every table; an operation is in-memory work plus, with
// --data-dir, one SQLite transaction that commits before the answer.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>

#include "emulator/aws_error.hpp"
#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "emulator/scheduler.hpp"
#include "services/dynamodb/errors.hpp"
#include "services/dynamodb/expressions.hpp"
#include "services/dynamodb/partiql.hpp"
#include "services/dynamodb/store.hpp"
#include "services/dynamodb/streams.hpp"
#include "services/dynamodb/table.hpp"

namespace fogbank::dynamodb {

struct WriteOptions;

struct Caller {
    std::string account;
    std::string region;
    std::string endpoint;  // host:port the client used
    // Where a handler may write its answer as JSON text instead of returning it (GetItem does:
    // the stored item is written out under the lock, not copied into an answer to write later).
    // Null: return the answer.
    std::string* answer_text = nullptr;
};

// The expressions of one request, parsed, with the placeholders they used checked.
struct Expressions {
    std::optional<expr::Condition> condition;  // ConditionExpression or FilterExpression
    std::optional<expr::Condition> key_condition;
    std::vector<expr::UpdateAction> update;
    std::optional<std::vector<expr::Path>> projection;
    const json* values = nullptr;         // ExpressionAttributeValues (validated), or null
    std::shared_ptr<json> legacy_values;  // values of legacy parameters, when those are used
};

class Backend {
  public:
    Backend(const Config& cfg, Database& db);
    ~Backend();

    json call(const std::string& op, const Caller& caller, json& in);
    bool knows(const std::string& op) const;
    // The streams.dynamodb API (DynamoDBStreams_20120810.*).
    json call_streams(const std::string& op, const Caller& caller, json& in);
    bool knows_streams(const std::string& op) const { return streams_.knows(op); }
    // For Lambda's event source mappings (see Streams::position, Streams::records_from).
    std::optional<uint64_t> stream_position(const std::string& arn, bool latest);
    std::optional<json> stream_records(const std::string& arn, uint64_t from, size_t max);
    void reset();

  private:
    using Handler = json (Backend::*)(const Caller&, json&);
    static const std::map<std::string, Handler>& handlers();

    // tables.cpp
    json create_table(const Caller&, json&);
    json describe_table(const Caller&, json&);
    json list_tables(const Caller&, json&);
    json update_table(const Caller&, json&);
    json delete_table(const Caller&, json&);
    json tag_resource(const Caller&, json&);
    json untag_resource(const Caller&, json&);
    json list_tags_of_resource(const Caller&, json&);
    json update_time_to_live(const Caller&, json&);
    json describe_time_to_live(const Caller&, json&);
    json describe_endpoints(const Caller&, json&);
    json describe_limits(const Caller&, json&);
    json describe_continuous_backups(const Caller&, json&);
    // items.cpp
    json put_item(const Caller&, json&);
    json get_item(const Caller&, json&);
    json update_item(const Caller&, json&);
    json delete_item(const Caller&, json&);
    // Writes `item` (replacing `old`, which it may outlive only as a copy in `out`) and adds
    // ConsumedCapacity / ItemCollectionMetrics to `out` as asked.
    void store_write(Table& t, const KeyBytes& k, json item, const json* old, const WriteOptions& o,
                     json& out);
    // reads.cpp
    json query(const Caller&, json&);
    json scan(const Caller&, json&);
    // batches.cpp
    json batch_get_item(const Caller&, json&);
    json batch_write_item(const Caller&, json&);
    // transactions.cpp
    json transact_get_items(const Caller&, json&);
    json transact_write_items(const Caller&, json&);
    // statements.cpp (PartiQL)
    json execute_statement(const Caller&, json&);
    json batch_execute_statement(const Caller&, json&);
    json execute_transaction(const Caller&, json&);
    KeySchema key_schema_of(const Caller& caller, const std::string& table_name);
    json statement_write(const Caller& caller, partiql::Statement& st, std::string& op);
    json statement_get(const Caller& caller, partiql::Statement& st);
    json run_statement(const Caller& caller, partiql::Statement& st, const json& in);

    // Lookup under mu_: ResourceNotFoundException unless the table exists. `name` may be an ARN.
    Table& table(const Caller& caller, const json& in, const char* field = "TableName");
    Table* find_table(const Caller& caller, const std::string& name_or_arn);
    Table* table_by_arn(const std::string& arn);
    Table& add_table(Table t);

    // Writes that keep the store in step (inside a Store::Batch).
    void write_item(Table& t, const KeyBytes& k, json item);
    // `by_ttl`: the TTL sweep removes it (its stream record says so).
    void remove_item(Table& t, const KeyBytes& k, bool by_ttl = false);

    // Under mu_: once a table has TTL enabled, a sweep on the scheduler each second removes the
    // items whose TTL attribute has passed; it stops rescheduling when no table has TTL.
    void start_ttl_sweep();
    void ttl_sweep();
    bool sweep_expired();

    const Config& cfg_;
    Store store_;
    Streams streams_;
    std::mutex mu_;
    using Key = std::tuple<std::string, std::string, std::string>;  // account, region, name
    std::map<Key, std::unique_ptr<Table>> tables_;
    int64_t next_id_ = 1;
    // TransactWriteItems ClientRequestToken -> (request digest, when), for 10 minutes.
    std::map<std::string, std::pair<std::string, int64_t>> tokens_;

    bool sweeping_ = false;
    // Last: its thread is joined before the tables it sweeps go.
    Scheduler background_{"dynamodb"};
};

// Input checks shared by the operations.
// "1 validation error detected: Value 'v' at 'field' failed to satisfy constraint: why"
AwsError constraint(const std::string& value, const std::string& field, const std::string& why);
const std::string& required_string(const json& in, const char* name, const char* field);
// One of `allowed`, or `fallback` when absent.
std::string enum_param(const json& in, const char* name, const char* field,
                       std::initializer_list<const char*> allowed, const char* fallback);

// Parses the expressions a request carries (any of ConditionExpression, FilterExpression,
// KeyConditionExpression, UpdateExpression, ProjectionExpression) and checks its placeholders:
// defined, used, values well-formed.
Expressions parse_expressions(json& in);

// ConsumedCapacity as DynamoDB reports it for `units` on one table.
json consumed(const Table& t, double units, const std::string& mode);
// The per-table ConsumedCapacity list of batches and transactions.
json consumed_list(const std::map<Table*, double>& used, const std::string& mode);
double read_units(size_t bytes, bool consistent);
double write_units(size_t bytes);

}  // namespace fogbank::dynamodb
