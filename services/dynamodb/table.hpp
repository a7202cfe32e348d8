// A DynamoDB table in memory: its schema, its items ordered by primary key, and each secondary
// index as an ordered set of (index key, table key) pairs kept in step with every write.
// Keys are compared as the bytes of sort_key(), which order as DynamoDB orders key values.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace fogbank::dynamodb {

using nlohmann::json;

struct KeyAttr {
    std::string name;
    std::string type;  // S, N or B
};

struct KeySchema {
    KeyAttr hash;
    std::optional<KeyAttr> range;
    json to_json() const;  // [{"AttributeName", "KeyType"}, ...]
};

// (sort_key(hash value), sort_key(range value) or "").
using KeyBytes = std::pair<std::string, std::string>;

// The order std::less gives KeyBytes, with one compare() per part where std::less takes up to
// three: a point lookup in a large table walks a dozen or more nodes.
struct KeyOrder {
    bool operator()(const KeyBytes& a, const KeyBytes& b) const noexcept {
        int c = a.first.compare(b.first);
        return c != 0 ? c < 0 : a.second < b.second;
    }
};

struct Index {
    std::string name;
    bool global = true;
    KeySchema key;
    std::string projection_type = "ALL";  // ALL, KEYS_ONLY, INCLUDE
    std::vector<std::string> non_key_attributes;
    int64_t read_capacity = 0, write_capacity = 0;
    std::string status = "ACTIVE";
    std::set<std::pair<KeyBytes, KeyBytes>> entries;  // (index key, table key)
    size_t bytes = 0;
};

// An item as stored, and the JSON text a GetItem answers it with, written at the first such
// read and dropped with the item by any write: writing the DOM was half of a GetItem's work.
// Filled under the backend's lock, like every other access to a table.
struct StoredItem {
    json item;
    mutable std::string text;
    int64_t row = 0;  // with --data-dir, the store's log row that holds this value (0: none)
};

struct Table {
    int64_t id = 0;
    std::string account, region, name;
    std::string table_id;  // the UUID DynamoDB shows as TableId
    std::string arn;
    KeySchema key;
    json attribute_definitions = json::array();
    std::string billing_mode = "PROVISIONED";
    int64_t read_capacity = 0, write_capacity = 0;
    json stream_specification;  // null or {"StreamEnabled", "StreamViewType"}
    json sse_specification;     // null or as given
    std::string table_class = "STANDARD";
    bool deletion_protection = false;
    double created = 0;  // epoch seconds
    std::vector<Index> indexes;
    std::vector<std::pair<std::string, std::string>> tags;
    std::string ttl_attribute;  // empty: TTL disabled
    std::string stream_label;

    std::map<KeyBytes, StoredItem, KeyOrder> items;
    size_t bytes = 0;

    // Metadata (everything but items) for the store, and back.
    json meta() const;
    static Table from_meta(const json& m);

    Index* index(const std::string& name);
    bool has_lsi() const;

    // The primary key of a Key parameter: exactly the key attributes, of the schema's types.
    KeyBytes key_of_request(const json& key) const;
    // The primary key of an item being written (extra attributes allowed), with DynamoDB's
    // messages for a missing key, a wrong type, empty values and oversized keys. Also checks
    // the item's values for index keys.
    KeyBytes key_of_item(const json& item) const;
    // The key attributes alone, as a LastEvaluatedKey or Key shows them.
    json key_json(const json& item, const Index* index = nullptr) const;

    // Writes and removes, keeping indexes and sizes in step. put() replaces.
    void put(const KeyBytes& k, json item, int64_t row = 0);
    void erase(const KeyBytes& k);
    const json* find(const KeyBytes& k) const;
    const StoredItem* find_stored(const KeyBytes& k) const;

    // An item as an index holds it (projected), and the index's key of an item (nullopt when
    // the item lacks an index key attribute: indexes are sparse).
    json project_for(const Index& ix, const json& item) const;
    std::optional<KeyBytes> index_key(const Index& ix, const json& item) const;

    // The item collection size for ItemCollectionMetrics (tables with an LSI).
    json item_collection_metrics(const json& item) const;

    json description(bool with_counts = true) const;
};

// A KeySchema parameter (already validated) with types from AttributeDefinitions.
KeySchema parse_key_schema(const json& key_schema, const json& definitions);

// A key attribute's value encoded for ordering, checked against its declared type.
std::optional<std::string> key_bytes(const json& value, const std::string& type);

}  // namespace fogbank::dynamodb
