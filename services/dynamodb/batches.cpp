// BatchGetItem and BatchWriteItem. Every request is checked before anything is written, and
// a batch's writes commit in one transaction; nothing is ever left in UnprocessedItems, since
// a local table has no throughput to exceed.
#include <set>

#include "services/dynamodb/attribute_value.hpp"
#include "services/dynamodb/backend.hpp"
#include "services/dynamodb/evaluator.hpp"
#include "services/dynamodb/items.hpp"

namespace fogbank::dynamodb {

namespace {

constexpr size_t kMaxBatchGet = 100;
constexpr size_t kMaxBatchWrite = 25;
constexpr size_t kMaxBatchGetBytes = 16 * 1024 * 1024;

json& request_items(json& in) {
    auto it = in.find("RequestItems");
    if (it == in.end() || it->is_null())
        throw constraint("null", "requestItems", "Member must not be null");
    if (!it->is_object())
        throw AwsError("SerializationException",
                       "Unexpected value type in payload for RequestItems", 400);
    if (it->empty())
        throw constraint("'{}'", "requestItems",
                         "Member must have length greater than or equal to 1");
    return *it;
}

AwsError duplicates() {
    return validation("Provided list of item keys contains duplicates");
}

}  // namespace

json Backend::batch_get_item(const Caller& caller, json& in) {
    json& tables = request_items(in);
    std::string capacity = enum_param(in, "ReturnConsumedCapacity", "returnConsumedCapacity",
                                      {"INDEXES", "TOTAL", "NONE"}, "NONE");
    size_t total = 0;
    std::vector<Expressions> exprs;
    for (auto& [name, spec] : tables.items()) {
        if (!spec.is_object() || !spec.contains("Keys") || !spec["Keys"].is_array() ||
            spec["Keys"].empty())
            throw constraint("null", "requestItems." + name + ".member.keys",
                             "Member must have length greater than or equal to 1");
        for (auto& k : spec["Keys"])
            validate_item(k);
        total += spec["Keys"].size();
        exprs.push_back(parse_expressions(spec));
    }
    if (total > kMaxBatchGet)
        throw validation("Too many items requested for the BatchGetItem call");

    std::lock_guard lock(mu_);
    json responses = json::object(), unprocessed = json::object(), used = json::array();
    size_t bytes = 0, i = 0;
    for (auto& [name, spec] : tables.items()) {
        Table* t = find_table(caller, name);
        if (!t) throw AwsError("ResourceNotFoundException", "Requested resource not found", 400);
        const Expressions& ex = exprs[i++];
        bool consistent = spec.value("ConsistentRead", false);
        std::set<KeyBytes> seen;
        json found = json::array();
        json rest = json::array();
        size_t table_bytes = 0;
        for (auto& k : spec["Keys"]) {
            KeyBytes kb = t->key_of_request(k);
            if (!seen.insert(kb).second) throw duplicates();
            if (bytes >= kMaxBatchGetBytes) {  // the rest waits for the next call, as in AWS
                rest.push_back(k);
                continue;
            }
            if (const json* item = t->find(kb)) {
                size_t n = item_size(*item);
                bytes += n;
                table_bytes += n;
                found.push_back(ex.projection ? project(*item, *ex.projection) : *item);
            }
        }
        responses[name] = found;
        if (!rest.empty()) {
            json left = spec;
            left["Keys"] = rest;
            unprocessed[name] = left;
        }
        if (capacity != "NONE")
            used.push_back(consumed(*t, read_units(table_bytes, consistent), capacity));
    }
    json out{{"Responses", responses}, {"UnprocessedKeys", unprocessed}};
    if (capacity != "NONE") out["ConsumedCapacity"] = used;
    return out;
}

json Backend::batch_write_item(const Caller& caller, json& in) {
    json& tables = request_items(in);
    std::string capacity = enum_param(in, "ReturnConsumedCapacity", "returnConsumedCapacity",
                                      {"INDEXES", "TOTAL", "NONE"}, "NONE");
    std::string metrics = enum_param(in, "ReturnItemCollectionMetrics",
                                     "returnItemCollectionMetrics", {"SIZE", "NONE"}, "NONE");
    size_t total = 0;
    for (auto& [name, reqs] : tables.items()) {
        if (!reqs.is_array() || reqs.empty() || reqs.size() > kMaxBatchWrite)
            throw constraint("'" + tables.dump() + "'", "requestItems",
                             "Map value must satisfy constraint: [Member must have length less "
                             "than or equal to 25, Member must have length greater than or "
                             "equal to 1]");
        total += reqs.size();
        for (auto& r : reqs) {
            bool put = r.is_object() && r.contains("PutRequest");
            bool del = r.is_object() && r.contains("DeleteRequest");
            if (put == del)
                throw validation(
                    "Supplied AttributeValue has more than one datatypes set, must contain "
                    "exactly one of the supported datatypes");
            if (put) {
                json item = checked_item(r["PutRequest"], "Item", "item");
                check_size(item);
                r["PutRequest"]["Item"] = std::move(item);
            } else {
                r["DeleteRequest"]["Key"] = checked_item(r["DeleteRequest"], "Key", "key");
            }
        }
    }
    if (total > kMaxBatchWrite)
        throw constraint("'" + tables.dump() + "'", "requestItems",
                         "Member must have length less than or equal to 25");

    std::lock_guard lock(mu_);
    // Resolve everything first: a bad table, key or duplicate fails the whole batch unwritten.
    struct Write {
        Table* table;
        KeyBytes key;
        json* item;  // null: delete
    };
    std::vector<Write> writes;
    for (auto& [name, reqs] : tables.items()) {
        Table* t = find_table(caller, name);
        if (!t) throw AwsError("ResourceNotFoundException", "Requested resource not found", 400);
        std::set<KeyBytes> seen;
        for (auto& r : reqs) {
            Write w{t, {}, nullptr};
            if (r.contains("PutRequest")) {
                w.item = &r["PutRequest"]["Item"];
                w.key = t->key_of_item(*w.item);
            } else {
                w.key = t->key_of_request(r["DeleteRequest"]["Key"]);
            }
            if (!seen.insert(w.key).second) throw duplicates();
            writes.push_back(w);
        }
    }
    std::map<Table*, double> used;
    json collections = json::object();
    Store::Batch batch(store_);
    for (auto& w : writes) {
        const json* old = w.table->find(w.key);
        size_t size = std::max(w.item ? item_size(*w.item) : 0, old ? item_size(*old) : 0);
        used[w.table] += write_units(size);
        if (metrics == "SIZE" && w.table->has_lsi() && (w.item || old))
            collections[w.table->name].push_back(
                w.table->item_collection_metrics(w.item ? *w.item : *old));
        if (w.item)
            write_item(*w.table, w.key, *w.item);
        else if (old)
            remove_item(*w.table, w.key);
    }
    batch.commit();
    json out{{"UnprocessedItems", json::object()}};
    if (capacity != "NONE") out["ConsumedCapacity"] = consumed_list(used, capacity);
    if (metrics == "SIZE") out["ItemCollectionMetrics"] = collections;
    return out;
}

}  // namespace fogbank::dynamodb
