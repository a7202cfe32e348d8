// Single-item operations: PutItem, GetItem, UpdateItem, DeleteItem.
#include "services/dynamodb/items.hpp"

#include <algorithm>

#include "emulator/json_writer.hpp"
#include "services/dynamodb/attribute_value.hpp"
#include "services/dynamodb/backend.hpp"
#include "services/dynamodb/evaluator.hpp"

namespace fogbank::dynamodb {

WriteOptions write_options(const json& in, std::initializer_list<const char*> return_values) {
    WriteOptions o;
    o.return_values =
        enum_param(in, "ReturnValues", "returnValues",
                   {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"}, "NONE");
    bool allowed = false;
    for (auto r : return_values)
        allowed = allowed || o.return_values == r;
    if (!allowed) throw validation("Return values set to invalid value");
    o.capacity = enum_param(in, "ReturnConsumedCapacity", "returnConsumedCapacity",
                            {"INDEXES", "TOTAL", "NONE"}, "NONE");
    o.metrics = enum_param(in, "ReturnItemCollectionMetrics", "returnItemCollectionMetrics",
                           {"SIZE", "NONE"}, "NONE");
    o.old_on_failure =
        enum_param(in, "ReturnValuesOnConditionCheckFailure", "returnValuesOnConditionCheckFailure",
                   {"ALL_OLD", "NONE"}, "NONE") == "ALL_OLD";
    return o;
}

const json& checked_item(json& in, const char* name, const char* field) {
    auto it = in.find(name);
    if (it == in.end() || it->is_null()) throw constraint("null", field, "Member must not be null");
    if (!it->is_object())
        throw AwsError("SerializationException",
                       std::string("Unexpected value type in payload for ") + name, 400);
    validate_item(*it);
    return *it;
}

void check_size(const json& item) {
    if (item_size(item) > kMaxItemSize)
        throw validation("Item size has exceeded the maximum allowed size");
}

bool holds(const Expressions& ex, const json* item) {
    if (!ex.condition) return true;
    static const json empty = json::object();
    return evaluate(*ex.condition, item ? *item : empty, ex.values ? *ex.values : json(),
                    "ConditionExpression");
}

AwsError condition_failed(const json* old_item, bool return_old) {
    AwsError e("ConditionalCheckFailedException", "The conditional request failed", 400);
    if (return_old && old_item) e.with_json("Item", old_item->dump());
    return e;
}

void check_update_paths(const Table& t, const std::vector<expr::UpdateAction>& actions) {
    for (auto& a : actions) {
        const std::string& top = a.path[0].name;
        if (top == t.key.hash.name || (t.key.range && top == t.key.range->name))
            throw validation("One or more parameter values were invalid: Cannot update attribute " +
                             top + ". This attribute is part of the key");
    }
}

json apply_updates(const Table& t, const json* old, const json& key, const Expressions& ex) {
    json item = old ? *old : key;
    apply_update(item, ex.update, ex.values ? *ex.values : json());
    t.key_of_item(item);  // index key attributes keep their declared types
    check_nesting(item);
    check_size(item);
    return item;
}

json updated_attributes(const std::string& mode, const json* old, const json& now,
                        const std::vector<expr::UpdateAction>& actions) {
    if (mode == "ALL_OLD") return old ? *old : json::object();
    if (mode == "ALL_NEW") return now;
    std::vector<expr::Path> paths;
    for (auto& a : actions)
        paths.push_back(a.path);
    if (mode == "UPDATED_OLD") return old ? project(*old, paths) : json::object();
    if (mode == "UPDATED_NEW") return project(now, paths);
    return json::object();
}

namespace {

void add_write_extras(json& out, const Table& t, const WriteOptions& o, double units,
                      const json& item) {
    if (o.capacity != "NONE") out["ConsumedCapacity"] = consumed(t, units, o.capacity);
    if (o.metrics == "SIZE" && t.has_lsi())
        out["ItemCollectionMetrics"] = t.item_collection_metrics(item);
}

}  // namespace

void Backend::store_write(Table& t, const KeyBytes& k, json item, const json* old,
                          const WriteOptions& o, json& out) {
    double units = write_units(std::max(item_size(item), old ? item_size(*old) : 0));
    add_write_extras(out, t, o, units, item);
    Store::Batch batch(store_);
    write_item(t, k, std::move(item));
    batch.commit();
}

json Backend::put_item(const Caller& caller, json& in) {
    Expressions ex = parse_expressions(in);
    WriteOptions o = write_options(in, {"NONE", "ALL_OLD"});
    json item = checked_item(in, "Item", "item");
    check_size(item);
    std::lock_guard lock(mu_);
    Table& t = table(caller, in, "tableName");
    KeyBytes k = t.key_of_item(item);
    const json* old = t.find(k);
    if (!holds(ex, old)) throw condition_failed(old, o.old_on_failure);
    json out = json::object();
    if (o.return_values == "ALL_OLD" && old) out["Attributes"] = *old;
    store_write(t, k, std::move(item), old, o, out);
    return out;
}

json Backend::get_item(const Caller& caller, json& in) {
    Expressions ex = parse_expressions(in);
    const json& key = checked_item(in, "Key", "key");
    bool consistent = in.value("ConsistentRead", false);
    std::string capacity = enum_param(in, "ReturnConsumedCapacity", "returnConsumedCapacity",
                                      {"INDEXES", "TOTAL", "NONE"}, "NONE");
    std::lock_guard lock(mu_);
    Table& t = table(caller, in, "tableName");
    const StoredItem* stored = t.find_stored(t.key_of_request(key));
    const json* item = stored ? &stored->item : nullptr;
    json out = json::object();
    if (capacity != "NONE")
        out["ConsumedCapacity"] =
            consumed(t, read_units(item ? item_size(*item) : 0, consistent), capacity);
    if (item && !ex.projection && caller.answer_text) {
        // {"ConsumedCapacity":…,"Item":…} in the key order the DOM would have had.
        std::string& text = *caller.answer_text;
        text = "{";
        if (capacity != "NONE") {
            text += "\"ConsumedCapacity\":";
            write_json(out["ConsumedCapacity"], text, JsonErrorHandler::replace);
            text += ',';
        }
        text += "\"Item\":";
        // An item's text is never empty: empty means not yet written.
        if (stored->text.empty()) write_json(*item, stored->text, JsonErrorHandler::replace);
        text += stored->text;
        text += '}';
        return json();
    }
    if (item) out["Item"] = ex.projection ? project(*item, *ex.projection) : *item;
    return out;
}

json Backend::update_item(const Caller& caller, json& in) {
    Expressions ex = parse_expressions(in);
    WriteOptions o =
        write_options(in, {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW"});
    json key = checked_item(in, "Key", "key");
    std::lock_guard lock(mu_);
    Table& t = table(caller, in, "tableName");
    KeyBytes k = t.key_of_request(key);
    check_update_paths(t, ex.update);
    const json* old = t.find(k);
    if (!holds(ex, old)) throw condition_failed(old, o.old_on_failure);
    // Removing attributes from an item that does not exist leaves it not existing: only SET and
    // ADD (or no action at all) create one.
    const bool only_removes =
        !ex.update.empty() &&
        std::all_of(ex.update.begin(), ex.update.end(), [](const expr::UpdateAction& a) {
            return a.kind == expr::UpdateAction::Kind::remove ||
                   a.kind == expr::UpdateAction::Kind::del;
        });
    if (!old && only_removes) {
        json out = json::object();
        add_write_extras(out, t, o, 1, key);
        return out;
    }
    json item = apply_updates(t, old, key, ex);
    json out = json::object();
    json attrs = updated_attributes(o.return_values, old, item, ex.update);
    if (!attrs.empty()) out["Attributes"] = std::move(attrs);
    store_write(t, k, std::move(item), old, o, out);
    return out;
}

json Backend::delete_item(const Caller& caller, json& in) {
    Expressions ex = parse_expressions(in);
    WriteOptions o = write_options(in, {"NONE", "ALL_OLD"});
    json key = checked_item(in, "Key", "key");
    std::lock_guard lock(mu_);
    Table& t = table(caller, in, "tableName");
    KeyBytes k = t.key_of_request(key);
    const json* old = t.find(k);
    if (!holds(ex, old)) throw condition_failed(old, o.old_on_failure);
    json out = json::object();
    if (!old) {
        add_write_extras(out, t, o, 1, key);
        return out;
    }
    if (o.return_values == "ALL_OLD") out["Attributes"] = *old;
    add_write_extras(out, t, o, write_units(item_size(*old)), *old);
    Store::Batch batch(store_);
    remove_item(t, k);
    batch.commit();
    return out;
}

}  // namespace fogbank::dynamodb
