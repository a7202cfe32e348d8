// TransactGetItems and TransactWriteItems. A write transaction runs under the backend's lock:
// every condition is checked against the same state, and either all writes commit in one
// SQLite transaction or none happens and TransactionCanceledException lists why per item.
#include <set>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "services/dynamodb/attribute_value.hpp"
#include "services/dynamodb/backend.hpp"
#include "services/dynamodb/evaluator.hpp"
#include "services/dynamodb/items.hpp"

namespace fogbank::dynamodb {

namespace {

constexpr size_t kMaxTransactItems = 100;
constexpr size_t kMaxTransactBytes = size_t{4} << 20;
constexpr int64_t kTokenLifetimeMs = 10 * 60 * 1000;

json& transact_items(json& in) {
    auto it = in.find("TransactItems");
    if (it == in.end() || it->is_null())
        throw constraint("null", "transactItems", "Member must not be null");
    if (!it->is_array())
        throw AwsError("SerializationException",
                       "Unexpected value type in payload for TransactItems", 400);
    if (it->empty())
        throw constraint("'[]'", "transactItems",
                         "Member must have length greater than or equal to 1");
    if (it->size() > kMaxTransactItems)
        throw constraint("'" + it->dump() + "'", "transactItems",
                         "Member must have length less than or equal to 100");
    return *it;
}

AwsError same_item_twice() {
    return validation("Transaction request cannot include multiple operations on one item");
}

}  // namespace

json Backend::transact_get_items(const Caller& caller, json& in) {
    json& items = transact_items(in);
    std::string capacity = enum_param(in, "ReturnConsumedCapacity", "returnConsumedCapacity",
                                      {"INDEXES", "TOTAL", "NONE"}, "NONE");
    std::vector<Expressions> exprs;
    for (auto& ti : items) {
        if (!ti.is_object() || !ti.contains("Get"))
            throw constraint("null", "transactItems.member.get", "Member must not be null");
        ti["Get"]["Key"] = checked_item(ti["Get"], "Key", "transactItems.member.get.key");
        exprs.push_back(parse_expressions(ti["Get"]));
    }
    std::lock_guard lock(mu_);
    std::set<std::pair<Table*, KeyBytes>> seen;
    json responses = json::array();
    std::map<Table*, double> used;
    for (size_t i = 0; i < items.size(); ++i) {
        json& get = items[i]["Get"];
        Table& t = table(caller, get, "transactItems.member.get.tableName");
        KeyBytes k = t.key_of_request(get["Key"]);
        if (!seen.insert({&t, k}).second) throw same_item_twice();
        const json* item = t.find(k);
        used[&t] += 2 * read_units(item ? item_size(*item) : 0, true);
        json r = json::object();
        if (item) r["Item"] = exprs[i].projection ? project(*item, *exprs[i].projection) : *item;
        responses.push_back(std::move(r));
    }
    json out{{"Responses", responses}};
    if (capacity != "NONE") out["ConsumedCapacity"] = consumed_list(used, capacity);
    return out;
}

json Backend::transact_write_items(const Caller& caller, json& in) {
    json& items = transact_items(in);
    std::string capacity = enum_param(in, "ReturnConsumedCapacity", "returnConsumedCapacity",
                                      {"INDEXES", "TOTAL", "NONE"}, "NONE");
    std::string token = in.value("ClientRequestToken", "");
    if (token.size() > 36)
        throw constraint("'" + token + "'", "clientRequestToken",
                         "Member must have length less than or equal to 36");
    const std::string digest = sha256_hex(items.dump());

    struct Op {
        std::string kind;  // ConditionCheck, Put, Delete, Update
        json* spec = nullptr;
        Expressions ex;
        bool old_on_failure = false;
        Table* table = nullptr;
        KeyBytes key;
        json key_value;
    };
    std::vector<Op> ops;
    for (auto& ti : items) {
        Op op;
        for (const char* kind : {"ConditionCheck", "Put", "Delete", "Update"})
            if (ti.is_object() && ti.contains(kind)) {
                if (op.spec)
                    throw validation(
                        "TransactItems can only contain one of Check, Put, Update or Delete");
                op.kind = kind;
                op.spec = &ti[kind];
            }
        if (!op.spec)
            throw validation("TransactItems can only contain one of Check, Put, Update or Delete");
        json& spec = *op.spec;
        if (op.kind == "Put") {
            spec["Item"] = checked_item(spec, "Item", "transactItems.member.put.item");
            check_size(spec["Item"]);
        } else {
            op.key_value = checked_item(spec, "Key", "transactItems.member.key");
        }
        if (op.kind == "ConditionCheck" && !spec.contains("ConditionExpression"))
            throw constraint("null", "transactItems.member.conditionCheck.conditionExpression",
                             "Member must not be null");
        if (op.kind == "Update" && !spec.contains("UpdateExpression"))
            throw constraint("null", "transactItems.member.update.updateExpression",
                             "Member must not be null");
        op.ex = parse_expressions(spec);
        op.old_on_failure = enum_param(spec, "ReturnValuesOnConditionCheckFailure",
                                       "returnValuesOnConditionCheckFailure", {"ALL_OLD", "NONE"},
                                       "NONE") == "ALL_OLD";
        ops.push_back(std::move(op));
    }

    // DynamoDB's bound on the whole request, over the items it writes whole.
    size_t request_bytes = 0;
    for (const Op& op : ops)
        request_bytes += op.kind == "Put" ? item_size((*op.spec)["Item"]) : item_size(op.key_value);
    if (request_bytes > kMaxTransactBytes)
        throw validation("Transaction request cannot be larger than 4 MB");

    std::lock_guard lock(mu_);
    const int64_t now = now_ms().time_since_epoch().count();
    std::erase_if(tokens_, [&](auto& e) { return now - e.second.second > kTokenLifetimeMs; });
    if (!token.empty()) {
        auto it = tokens_.find(token);
        if (it != tokens_.end()) {
            if (it->second.first != digest)
                throw AwsError("IdempotentParameterMismatchException",
                               "The provided idempotency token is in use with a different "
                               "request",
                               400);
            return json::object();  // already applied: the retry succeeds without writing
        }
    }
    std::set<std::pair<Table*, KeyBytes>> seen;
    for (auto& op : ops) {
        op.table = &table(caller, *op.spec, "transactItems.member.tableName");
        op.key = op.kind == "Put" ? op.table->key_of_item((*op.spec)["Item"])
                                  : op.table->key_of_request(op.key_value);
        if (op.kind == "Update") check_update_paths(*op.table, op.ex.update);
        if (!seen.insert({op.table, op.key}).second) throw same_item_twice();
    }
    // Check every condition against the state before the transaction, and build the writes.
    json reasons = json::array();
    bool cancelled = false;
    std::vector<std::optional<json>> results(ops.size());
    for (size_t i = 0; i < ops.size(); ++i) {
        Op& op = ops[i];
        const json* old = op.table->find(op.key);
        if (!holds(op.ex, old)) {
            cancelled = true;
            json r{{"Code", "ConditionalCheckFailed"},
                   {"Message", "The conditional request failed"}};
            if (op.old_on_failure && old) r["Item"] = *old;
            reasons.push_back(r);
            continue;
        }
        reasons.push_back({{"Code", "None"}});
        if (op.kind == "Put") results[i] = (*op.spec)["Item"];
        if (op.kind == "Update") results[i] = apply_updates(*op.table, old, op.key_value, op.ex);
    }
    if (cancelled) {
        std::string codes;
        for (auto& r : reasons)
            codes += (codes.empty() ? "" : ", ") + r["Code"].get<std::string>();
        throw AwsError("TransactionCanceledException",
                       "Transaction cancelled, please refer cancellation reasons for specific "
                       "reasons [" +
                           codes + "]",
                       400)
            .with_json("CancellationReasons", reasons.dump());
    }
    std::map<Table*, double> used;
    Store::Batch batch(store_);
    for (size_t i = 0; i < ops.size(); ++i) {
        Op& op = ops[i];
        const json* old = op.table->find(op.key);
        size_t size = std::max(results[i] ? item_size(*results[i]) : 0, old ? item_size(*old) : 0);
        used[op.table] += 2 * write_units(size);
        if (op.kind == "Put" || op.kind == "Update")
            write_item(*op.table, op.key, std::move(*results[i]));
        else if (op.kind == "Delete" && old)
            remove_item(*op.table, op.key);
    }
    batch.commit();
    if (!token.empty()) tokens_[token] = {digest, now};
    json out = json::object();
    if (capacity != "NONE") out["ConsumedCapacity"] = consumed_list(used, capacity);
    return out;
}

}  // namespace fogbank::dynamodb
