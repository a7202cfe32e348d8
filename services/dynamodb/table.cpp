#include "services/dynamodb/table.hpp"

#include <algorithm>

#include "emulator/aws_error.hpp"
#include "services/dynamodb/attribute_value.hpp"
#include "services/dynamodb/errors.hpp"
#include "services/dynamodb/number.hpp"

namespace fogbank::dynamodb {

namespace {

// DynamoDB's limits on key values, in bytes as they are stored.
constexpr size_t kMaxHashKey = 2048;
constexpr size_t kMaxRangeKey = 1024;

std::string value_type(const json& v) {
    return v.is_object() && v.size() == 1 ? v.begin().key() : std::string();
}

size_t key_value_size(const json& v) {
    const std::string& t = v.begin().key();
    const std::string& p = v.begin().value().get_ref<const std::string&>();
    if (t == "N") return Number::parse(p).storage_size();
    if (t == "B") return sort_key(v).size();
    return p.size();
}

json index_json(const Table& t, const Index& ix) {
    json projection{{"ProjectionType", ix.projection_type}};
    if (ix.projection_type == "INCLUDE") projection["NonKeyAttributes"] = ix.non_key_attributes;
    json d{{"IndexName", ix.name},           {"KeySchema", ix.key.to_json()},
           {"Projection", projection},       {"IndexSizeBytes", ix.bytes},
           {"ItemCount", ix.entries.size()}, {"IndexArn", t.arn + "/index/" + ix.name}};
    if (ix.global) {
        d["IndexStatus"] = ix.status;
        d["ProvisionedThroughput"] = {{"NumberOfDecreasesToday", 0},
                                      {"ReadCapacityUnits", ix.read_capacity},
                                      {"WriteCapacityUnits", ix.write_capacity}};
        if (ix.status == "CREATING") d["Backfilling"] = false;
    }
    return d;
}

}  // namespace

json KeySchema::to_json() const {
    json out = json::array({{{"AttributeName", hash.name}, {"KeyType", "HASH"}}});
    if (range) out.push_back({{"AttributeName", range->name}, {"KeyType", "RANGE"}});
    return out;
}

std::optional<std::string> key_bytes(const json& value, const std::string& type) {
    if (value_type(value) != type) return std::nullopt;
    return sort_key(value);
}

Index* Table::index(const std::string& n) {
    for (auto& ix : indexes)
        if (ix.name == n) return &ix;
    return nullptr;
}

bool Table::has_lsi() const {
    return std::any_of(indexes.begin(), indexes.end(), [](const Index& ix) { return !ix.global; });
}

namespace {

// DynamoDB's limits on a key's value, the same on reads as on writes.
void check_key_size(const json& value, size_t limit) {
    if (key_value_size(value) > limit)
        throw validation(limit == kMaxHashKey
                             ? "One or more parameter values were invalid: Size of hashkey "
                               "has exceeded the maximum size limit of2048 bytes"
                             : "One or more parameter values were invalid: Aggregated size "
                               "of all range keys has exceeded the size limit of 1024 bytes");
}

}  // namespace

KeyBytes Table::key_of_request(const json& k) const {
    if (!k.is_object() || k.size() != (key.range ? 2u : 1u))
        throw validation("The provided key element does not match the schema");
    KeyBytes out;
    auto part = [&](const KeyAttr& a, std::string& bytes, size_t limit) {
        auto it = k.find(a.name);
        if (it == k.end()) throw validation("The provided key element does not match the schema");
        auto b = key_bytes(*it, a.type);
        if (!b) throw validation("The provided key element does not match the schema");
        if (b->empty())
            throw validation(
                "One or more parameter values are not valid. The AttributeValue for a key "
                "attribute cannot contain an empty " +
                std::string(a.type == "S" ? "string" : "binary") + " value. Key: " + a.name);
        check_key_size(*it, limit);
        bytes = std::move(*b);
    };
    part(key.hash, out.first, kMaxHashKey);
    if (key.range) part(*key.range, out.second, kMaxRangeKey);
    return out;
}

KeyBytes Table::key_of_item(const json& item) const {
    KeyBytes out;
    auto part = [&](const KeyAttr& a, std::string& bytes, size_t limit) {
        auto it = item.find(a.name);
        if (it == item.end())
            throw validation("One or more parameter values were invalid: Missing the key " +
                             a.name + " in the item");
        auto b = key_bytes(*it, a.type);
        if (!b)
            throw validation("One or more parameter values were invalid: Type mismatch for key " +
                             a.name + " expected: " + a.type + " actual: " + value_type(*it));
        if (b->empty())
            throw validation(
                "One or more parameter values are not valid. The AttributeValue for a key "
                "attribute cannot contain an empty " +
                std::string(a.type == "S" ? "string" : "binary") + " value. Key: " + a.name);
        check_key_size(*it, limit);
        bytes = std::move(*b);
    };
    part(key.hash, out.first, kMaxHashKey);
    if (key.range) part(*key.range, out.second, kMaxRangeKey);
    for (auto& ix : indexes) {
        for (const KeyAttr* a : {&ix.key.hash, ix.key.range ? &*ix.key.range : nullptr}) {
            if (!a) continue;
            auto it = item.find(a->name);
            if (it == item.end()) continue;
            if (value_type(*it) != a->type)
                throw validation(
                    "One or more parameter values were invalid: Type mismatch for Index Key " +
                    a->name + " Expected: " + a->type + " Actual: " + value_type(*it) +
                    " IndexName: " + ix.name);
            if (sort_key(*it).empty())
                throw validation(
                    "One or more parameter values are not valid. A value specified for a "
                    "secondary index key is not supported. The AttributeValue for a key "
                    "attribute cannot contain an empty string value. IndexName: " +
                    ix.name + ", IndexKey: " + a->name);
        }
    }
    return out;
}

json Table::key_json(const json& item, const Index* ix) const {
    json out = json::object();
    auto take = [&](const KeyAttr& a) {
        if (auto it = item.find(a.name); it != item.end()) out[a.name] = *it;
    };
    take(key.hash);
    if (key.range) take(*key.range);
    if (ix) {
        take(ix->key.hash);
        if (ix->key.range) take(*ix->key.range);
    }
    return out;
}

std::optional<KeyBytes> Table::index_key(const Index& ix, const json& item) const {
    KeyBytes out;
    auto h = item.find(ix.key.hash.name);
    if (h == item.end()) return std::nullopt;
    auto hb = key_bytes(*h, ix.key.hash.type);
    if (!hb) return std::nullopt;
    out.first = std::move(*hb);
    if (ix.key.range) {
        auto r = item.find(ix.key.range->name);
        if (r == item.end()) return std::nullopt;
        auto rb = key_bytes(*r, ix.key.range->type);
        if (!rb) return std::nullopt;
        out.second = std::move(*rb);
    }
    return out;
}

json Table::project_for(const Index& ix, const json& item) const {
    if (ix.projection_type == "ALL") return item;
    json out = key_json(item, &ix);
    if (ix.projection_type == "INCLUDE")
        for (auto& a : ix.non_key_attributes)
            if (auto it = item.find(a); it != item.end()) out[a] = *it;
    return out;
}

const StoredItem* Table::find_stored(const KeyBytes& k) const {
    auto it = items.find(k);
    return it == items.end() ? nullptr : &it->second;
}

const json* Table::find(const KeyBytes& k) const {
    const StoredItem* s = find_stored(k);
    return s ? &s->item : nullptr;
}

void Table::erase(const KeyBytes& k) {
    auto it = items.find(k);
    if (it == items.end()) return;
    for (auto& ix : indexes) {
        if (auto ik = index_key(ix, it->second.item)) {
            if (ix.entries.erase({*ik, k})) ix.bytes -= item_size(project_for(ix, it->second.item));
        }
    }
    bytes -= item_size(it->second.item);
    items.erase(it);
}

void Table::put(const KeyBytes& k, json item, int64_t row) {
    erase(k);
    for (auto& ix : indexes) {
        if (auto ik = index_key(ix, item)) {
            ix.entries.insert({*ik, k});
            ix.bytes += item_size(project_for(ix, item));
        }
    }
    bytes += item_size(item);
    items.emplace(k, StoredItem{std::move(item), {}, row});
}

json Table::item_collection_metrics(const json& item) const {
    json key_value = json::object();
    if (auto it = item.find(key.hash.name); it != item.end()) key_value[key.hash.name] = *it;
    // DynamoDB gives an estimate range in GB; a local table's collection is well under 1 GB.
    return {{"ItemCollectionKey", key_value}, {"SizeEstimateRangeGB", {0.0, 1.0}}};
}

json Table::description(bool with_counts) const {
    json d{{"AttributeDefinitions", attribute_definitions},
           {"TableName", name},
           {"KeySchema", key.to_json()},
           {"TableStatus", "ACTIVE"},
           {"CreationDateTime", created},
           {"ProvisionedThroughput",
            {{"NumberOfDecreasesToday", 0},
             {"ReadCapacityUnits", read_capacity},
             {"WriteCapacityUnits", write_capacity}}},
           {"TableSizeBytes", with_counts ? bytes : 0},
           {"ItemCount", with_counts ? items.size() : 0},
           {"TableArn", arn},
           {"TableId", table_id},
           {"DeletionProtectionEnabled", deletion_protection}};
    if (billing_mode == "PAY_PER_REQUEST")
        d["BillingModeSummary"] = {{"BillingMode", billing_mode},
                                   {"LastUpdateToPayPerRequestDateTime", created}};
    json lsis = json::array(), gsis = json::array();
    for (auto& ix : indexes) {
        json j = index_json(*this, ix);
        if (!with_counts) j["IndexSizeBytes"] = 0, j["ItemCount"] = 0;
        (ix.global ? gsis : lsis).push_back(std::move(j));
    }
    if (!lsis.empty()) d["LocalSecondaryIndexes"] = lsis;
    if (!gsis.empty()) d["GlobalSecondaryIndexes"] = gsis;
    if (stream_specification.is_object()) {
        d["StreamSpecification"] = stream_specification;
        if (stream_specification.value("StreamEnabled", false)) {
            d["LatestStreamLabel"] = stream_label;
            d["LatestStreamArn"] = arn + "/stream/" + stream_label;
        }
    }
    if (sse_specification.is_object() && sse_specification.value("Enabled", false))
        d["SSEDescription"] = {
            {"Status", "ENABLED"},
            {"SSEType", "KMS"},
            {"KMSMasterKeyArn",
             sse_specification.value("KMSMasterKeyId", "arn:aws:kms:" + region + ":" + account +
                                                           ":key/fogbank-default")}};
    if (table_class != "STANDARD") d["TableClassSummary"] = {{"TableClass", table_class}};
    return d;
}

json Table::meta() const {
    json ix_list = json::array();
    for (auto& ix : indexes)
        ix_list.push_back({{"name", ix.name},
                           {"global", ix.global},
                           {"key", ix.key.to_json()},
                           {"projection_type", ix.projection_type},
                           {"non_key_attributes", ix.non_key_attributes},
                           {"rcu", ix.read_capacity},
                           {"wcu", ix.write_capacity}});
    return {{"id", id},
            {"account", account},
            {"region", region},
            {"name", name},
            {"table_id", table_id},
            {"arn", arn},
            {"key", key.to_json()},
            {"attribute_definitions", attribute_definitions},
            {"billing_mode", billing_mode},
            {"rcu", read_capacity},
            {"wcu", write_capacity},
            {"stream", stream_specification},
            {"sse", sse_specification},
            {"table_class", table_class},
            {"deletion_protection", deletion_protection},
            {"created", created},
            {"indexes", ix_list},
            {"tags", tags},
            {"ttl_attribute", ttl_attribute},
            {"stream_label", stream_label}};
}

namespace {

KeySchema schema_from(const json& key_schema, const json& definitions) {
    KeySchema ks;
    for (auto& e : key_schema) {
        KeyAttr a{e.at("AttributeName").get<std::string>(), "S"};
        for (auto& d : definitions)
            if (d.at("AttributeName") == a.name) a.type = d.at("AttributeType").get<std::string>();
        if (e.at("KeyType") == "HASH")
            ks.hash = a;
        else
            ks.range = a;
    }
    return ks;
}

}  // namespace

Table Table::from_meta(const json& m) {
    Table t;
    t.id = m.at("id");
    t.account = m.at("account");
    t.region = m.at("region");
    t.name = m.at("name");
    t.table_id = m.at("table_id");
    t.arn = m.at("arn");
    t.attribute_definitions = m.at("attribute_definitions");
    t.key = schema_from(m.at("key"), t.attribute_definitions);
    t.billing_mode = m.at("billing_mode");
    t.read_capacity = m.at("rcu");
    t.write_capacity = m.at("wcu");
    t.stream_specification = m.at("stream");
    t.sse_specification = m.at("sse");
    t.table_class = m.at("table_class");
    t.deletion_protection = m.at("deletion_protection");
    t.created = m.at("created");
    for (auto& j : m.at("indexes")) {
        Index ix;
        ix.name = j.at("name");
        ix.global = j.at("global");
        ix.key = schema_from(j.at("key"), t.attribute_definitions);
        ix.projection_type = j.at("projection_type");
        ix.non_key_attributes = j.at("non_key_attributes").get<std::vector<std::string>>();
        ix.read_capacity = j.at("rcu");
        ix.write_capacity = j.at("wcu");
        t.indexes.push_back(std::move(ix));
    }
    t.tags = m.at("tags").get<std::vector<std::pair<std::string, std::string>>>();
    t.ttl_attribute = m.at("ttl_attribute");
    t.stream_label = m.value("stream_label", "");
    return t;
}

KeySchema parse_key_schema(const json& key_schema, const json& definitions) {
    return schema_from(key_schema, definitions);
}

}  // namespace fogbank::dynamodb
