#include "services/dynamodb/backend.hpp"

#include <cmath>

#include "emulator/encoding.hpp"
#include "services/dynamodb/attribute_value.hpp"
#include "services/dynamodb/legacy.hpp"

namespace fogbank::dynamodb {

AwsError constraint(const std::string& value, const std::string& field, const std::string& why) {
    return validation("1 validation error detected: Value " + value + " at '" + field +
                      "' failed to satisfy constraint: " + why);
}

const std::string& required_string(const json& in, const char* name, const char* field) {
    auto it = in.find(name);
    if (it == in.end() || it->is_null()) throw constraint("null", field, "Member must not be null");
    if (!it->is_string())
        throw AwsError("SerializationException",
                       std::string("Unexpected value type in payload for ") + name, 400);
    return it->get_ref<const std::string&>();
}

std::string enum_param(const json& in, const char* name, const char* field,
                       std::initializer_list<const char*> allowed, const char* fallback) {
    auto it = in.find(name);
    if (it == in.end() || it->is_null()) return fallback;
    std::string v = it->is_string() ? it->get<std::string>() : it->dump();
    for (auto a : allowed)
        if (v == a) return v;
    std::string set;
    for (auto a : allowed)
        set += std::string(set.empty() ? "" : ", ") + a;
    throw constraint("'" + v + "'", field, "Member must satisfy enum value set: [" + set + "]");
}

namespace {

json* object_param(json& in, const char* name) {
    auto it = in.find(std::string_view(name));
    if (it == in.end() || it->is_null()) return nullptr;
    if (!it->is_object())
        throw AwsError("SerializationException",
                       std::string("Unexpected value type in payload for ") + name, 400);
    if (it->empty()) throw validation(std::string(name) + " must not be empty");
    return &*it;
}

}  // namespace

Expressions parse_expressions(json& in) {
    Expressions out;
    const json* names = object_param(in, "ExpressionAttributeNames");
    json* values = object_param(in, "ExpressionAttributeValues");
    if (names)
        for (auto& [k, v] : names->items()) {
            if (k.size() < 2 || k[0] != '#')
                throw validation(
                    "ExpressionAttributeNames contains invalid key: Syntax error; key: \"" + k +
                    "\"");
            if (!v.is_string() || v.get_ref<const std::string&>().empty())
                throw validation(
                    "ExpressionAttributeNames contains invalid value: Empty attribute name; "
                    "key: \"" +
                    k + "\"");
        }
    if (values)
        for (auto& [k, v] : values->items()) {
            if (k.size() < 2 || k[0] != ':')
                throw validation(
                    "ExpressionAttributeValues contains invalid key: Syntax error; key: \"" + k +
                    "\"");
            try {
                validate_value(v);
            } catch (const AwsError& e) {
                throw validation("ExpressionAttributeValues contains invalid value: " +
                                 std::string(e.what()) + " for key " + k);
            }
        }
    legacy::check_not_mixed(in);

    expr::Placeholders ph{names, values};
    auto text = [&](const char* name) -> std::optional<std::string> {
        auto it = in.find(std::string_view(name));
        if (it == in.end() || it->is_null()) return std::nullopt;
        if (!it->is_string())
            throw AwsError("SerializationException",
                           std::string("Unexpected value type in payload for ") + name, 400);
        const std::string& s = it->get_ref<const std::string&>();
        // Checked before parsing, as DynamoDB does: the parser never sees more than 4 KB.
        if (s.size() > kMaxExpressionSize)
            throw validation(std::string("Invalid ") + name +
                             ": Expression size has exceeded the maximum allowed size; "
                             "expression size: " +
                             std::to_string(s.size()));
        return s;
    };
    bool any = false;
    if (auto t = text("KeyConditionExpression")) {
        out.key_condition = expr::parse_condition(*t, ph, "KeyConditionExpression");
        any = true;
    }
    for (const char* which : {"ConditionExpression", "FilterExpression"})
        if (auto t = text(which)) {
            out.condition = expr::parse_condition(*t, ph, which);
            any = true;
        }
    if (auto t = text("UpdateExpression")) {
        out.update = expr::parse_update(*t, ph);
        any = true;
    }
    if (auto t = text("ProjectionExpression")) {
        out.projection = expr::parse_projection(*t, ph);
        any = true;
    }
    if (!any && names)
        throw validation("ExpressionAttributeNames can only be specified when using expressions");
    if (!any && values)
        throw validation("ExpressionAttributeValues can only be specified when using expressions");
    ph.check_all_used();
    out.values = values;
    legacy::translate(in, out);
    return out;
}

json consumed_list(const std::map<Table*, double>& used, const std::string& mode) {
    json list = json::array();
    for (auto& [t, units] : used)
        list.push_back(consumed(*t, units, mode));
    return list;
}

double read_units(size_t bytes, bool consistent) {
    double units = std::max<double>(1, std::ceil(static_cast<double>(bytes) / 4096.0));
    return consistent ? units : units / 2;
}

double write_units(size_t bytes) {
    return std::max<double>(1, std::ceil(static_cast<double>(bytes) / 1024.0));
}

json consumed(const Table& t, double units, const std::string& mode) {
    json c{{"TableName", t.name}, {"CapacityUnits", units}};
    if (mode == "INDEXES") c["Table"] = {{"CapacityUnits", units}};
    return c;
}

Backend::Backend(const Config& cfg, Database& db)
    : cfg_(cfg), store_(db, !cfg.data_dir.empty()), streams_(db, !cfg.data_dir.empty()) {
    store_.load([this](Table t) -> Table& { return add_table(std::move(t)); });
    streams_.load();
    next_id_ = store_.next_table_id();
    std::lock_guard lock(mu_);
    start_ttl_sweep();
}

Backend::~Backend() = default;

const std::map<std::string, Backend::Handler>& Backend::handlers() {
    static const std::map<std::string, Handler> table = {
        {"CreateTable", &Backend::create_table},
        {"DescribeTable", &Backend::describe_table},
        {"ListTables", &Backend::list_tables},
        {"UpdateTable", &Backend::update_table},
        {"DeleteTable", &Backend::delete_table},
        {"TagResource", &Backend::tag_resource},
        {"UntagResource", &Backend::untag_resource},
        {"ListTagsOfResource", &Backend::list_tags_of_resource},
        {"UpdateTimeToLive", &Backend::update_time_to_live},
        {"DescribeTimeToLive", &Backend::describe_time_to_live},
        {"DescribeEndpoints", &Backend::describe_endpoints},
        {"DescribeLimits", &Backend::describe_limits},
        {"DescribeContinuousBackups", &Backend::describe_continuous_backups},
        {"PutItem", &Backend::put_item},
        {"GetItem", &Backend::get_item},
        {"UpdateItem", &Backend::update_item},
        {"DeleteItem", &Backend::delete_item},
        {"Query", &Backend::query},
        {"Scan", &Backend::scan},
        {"BatchGetItem", &Backend::batch_get_item},
        {"BatchWriteItem", &Backend::batch_write_item},
        {"TransactGetItems", &Backend::transact_get_items},
        {"TransactWriteItems", &Backend::transact_write_items},
        {"ExecuteStatement", &Backend::execute_statement},
        {"BatchExecuteStatement", &Backend::batch_execute_statement},
        {"ExecuteTransaction", &Backend::execute_transaction},
    };
    return table;
}

bool Backend::knows(const std::string& op) const {
    return handlers().count(op) > 0;
}

std::optional<uint64_t> Backend::stream_position(const std::string& arn, bool latest) {
    std::lock_guard lock(mu_);
    return streams_.position(arn, latest);
}

std::optional<json> Backend::stream_records(const std::string& arn, uint64_t from, size_t max) {
    std::lock_guard lock(mu_);
    return streams_.records_from(arn, from, max);
}

json Backend::call_streams(const std::string& op, const Caller& caller, json& in) {
    std::lock_guard lock(mu_);
    return streams_.call(op, caller, in);
}

json Backend::call(const std::string& op, const Caller& caller, json& in) {
    auto it = handlers().find(op);
    if (it == handlers().end())
        throw AwsError("UnknownOperationException", "Unknown operation: " + op, 400);
    return (this->*(it->second))(caller, in);
}

void Backend::reset() {
    std::lock_guard lock(mu_);
    tables_.clear();
    tokens_.clear();
    store_.wipe();
    streams_.reset();
    next_id_ = 1;
}

Table* Backend::find_table(const Caller& caller, const std::string& name_or_arn) {
    if (name_or_arn.rfind("arn:", 0) == 0) return table_by_arn(name_or_arn);
    auto it = tables_.find({caller.account, caller.region, name_or_arn});
    return it == tables_.end() ? nullptr : it->second.get();
}

Table* Backend::table_by_arn(const std::string& arn) {
    for (auto& [k, t] : tables_)
        if (t->arn == arn) return t.get();
    return nullptr;
}

Table& Backend::table(const Caller& caller, const json& in, const char* field) {
    const std::string& name = required_string(in, "TableName", field);
    Table* t = find_table(caller, name);
    if (!t) throw AwsError("ResourceNotFoundException", "Requested resource not found", 400);
    return *t;
}

Table& Backend::add_table(Table t) {
    Key k{t.account, t.region, t.name};
    auto& slot = tables_[k];
    slot = std::make_unique<Table>(std::move(t));
    return *slot;
}

void Backend::write_item(Table& t, const KeyBytes& k, json item) {
    const StoredItem* old = t.find_stored(k);
    int64_t row = store_.put_item(t, k, item, old);
    if (!t.stream_label.empty() && t.stream_specification.is_object())
        streams_.record(t, old ? &old->item : nullptr, &item, false);
    t.put(k, std::move(item), row);
}

void Backend::remove_item(Table& t, const KeyBytes& k, bool by_ttl) {
    const StoredItem* old = t.find_stored(k);
    store_.drop_item(t, k, old);
    if (!t.stream_label.empty() && t.stream_specification.is_object())
        streams_.record(t, t.find(k), nullptr, by_ttl);
    t.erase(k);
}

void Backend::start_ttl_sweep() {
    if (sweeping_) return;
    bool any = false;
    for (auto& [key, t] : tables_)
        any = any || !t->ttl_attribute.empty();
    if (!any) return;
    sweeping_ = true;
    background_.after(std::chrono::seconds(1), [this] { ttl_sweep(); });
}

void Backend::ttl_sweep() {
    std::lock_guard lock(mu_);
    bool any = true;
    try {
        any = sweep_expired();
    } catch (const std::exception&) {
        // A failed sweep (disk full) leaves the items for the next one.
    }
    sweeping_ = any;
    if (any) background_.after(std::chrono::seconds(1), [this] { ttl_sweep(); });
}

bool Backend::sweep_expired() {
    // DynamoDB expires items whose TTL attribute is a Number of epoch seconds in the past, and
    // ignores values more than five years old (they were probably not meant as TTLs).
    const int64_t now_s = now_ms().time_since_epoch().count() / 1000;
    const int64_t oldest = now_s - 5 * 365 * 24 * 3600;
    bool any = false;
    for (auto& [key, t] : tables_) {
        if (t->ttl_attribute.empty()) continue;
        any = true;
        std::vector<KeyBytes> expired;
        for (auto& [k, stored] : t->items) {
            const json& item = stored.item;
            auto it = item.find(t->ttl_attribute);
            if (it == item.end() || !it->contains("N")) continue;
            const std::string& n = (*it)["N"].get_ref<const std::string&>();
            char* end = nullptr;
            double when = std::strtod(n.c_str(), &end);
            if (when <= static_cast<double>(now_s) && when >= static_cast<double>(oldest))
                expired.push_back(k);
        }
        if (expired.empty()) continue;
        Store::Batch batch(store_);
        for (auto& k : expired)
            remove_item(*t, k, /*by_ttl=*/true);
        batch.commit();
    }
    return any;
}

}  // namespace fogbank::dynamodb
