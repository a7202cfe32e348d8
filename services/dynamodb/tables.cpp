// Table operations: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable, tags, TTL
// and the account-level descriptions SDKs ask for.
#include <algorithm>
#include <regex>
#include <set>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "services/dynamodb/attribute_value.hpp"
#include "services/dynamodb/backend.hpp"

namespace fogbank::dynamodb {

namespace {

constexpr size_t kMaxGlobalIndexes = 20;
constexpr size_t kMaxLocalIndexes = 5;
constexpr size_t kMaxTags = 50;

void check_table_name(const std::string& name, const char* field) {
    if (name.size() < 3)
        throw constraint("'" + name + "'", field,
                         "Member must have length greater than or equal to 3");
    if (name.size() > 255)
        throw constraint("'" + name + "'", field,
                         "Member must have length less than or equal to 255");
    for (char c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
            throw constraint("'" + name + "'", field,
                             "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
}

// A KeySchema parameter: one HASH, then at most one RANGE, each defined in AttributeDefinitions.
KeySchema key_schema(const json& ks, const json& defs, const std::string& what) {
    if (!ks.is_array() || ks.empty())
        throw constraint("null", what == "table" ? "keySchema" : what + ".keySchema",
                         "Member must not be null");
    if (ks.size() > 2)
        throw constraint("'" + ks.dump() + "'", "keySchema",
                         "Member must have length less than or equal to 2");
    for (auto& e : ks) {
        if (!e.is_object() || !e.contains("AttributeName") || !e.contains("KeyType"))
            throw validation("Invalid KeySchema: Some index key attribute have no definition");
        std::string type = e["KeyType"].get<std::string>();
        if (type != "HASH" && type != "RANGE")
            throw constraint("'" + type + "'", "keySchema.1.member.keyType",
                             "Member must satisfy enum value set: [HASH, RANGE]");
    }
    if (ks[0]["KeyType"] != "HASH")
        throw validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
    if (ks.size() == 2 && ks[1]["KeyType"] != "RANGE")
        throw validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    if (ks.size() == 2 && ks[0]["AttributeName"] == ks[1]["AttributeName"])
        throw validation(
            "Both the Hash Key and the Range Key element in the KeySchema have the same name");
    std::string missing;
    for (auto& e : ks) {
        bool found = false;
        for (auto& d : defs)
            found = found || d.value("AttributeName", "") == e["AttributeName"];
        if (!found)
            missing += (missing.empty() ? "" : ", ") + e["AttributeName"].get<std::string>();
    }
    if (!missing.empty()) {
        std::string defined;
        for (auto& d : defs)
            defined += (defined.empty() ? "" : ", ") + d.value("AttributeName", "");
        throw validation(
            "One or more parameter values were invalid: Some index key attributes are not "
            "defined in AttributeDefinitions. Keys: [" +
            missing + "], AttributeDefinitions: [" + defined + "]");
    }
    return parse_key_schema(ks, defs);
}

void check_definitions(const json& defs) {
    if (!defs.is_array() || defs.empty())
        throw constraint("null", "attributeDefinitions", "Member must not be null");
    std::set<std::string> seen;
    for (size_t i = 0; i < defs.size(); ++i) {
        const json& d = defs[i];
        std::string name = d.value("AttributeName", "");
        std::string type = d.value("AttributeType", "");
        if (type != "S" && type != "N" && type != "B")
            throw constraint(
                "'" + type + "'",
                "attributeDefinitions." + std::to_string(i + 1) + ".member.attributeType",
                "Member must satisfy enum value set: [B, N, S]");
        if (!seen.insert(name).second)
            throw validation("Cannot have two attributes with the same name: " + name);
    }
}

// ProvisionedThroughput as BillingMode wants it: required for PROVISIONED, absent otherwise.
void throughput(const json& in, const std::string& mode, int64_t& rcu, int64_t& wcu,
                const std::string& field) {
    auto it = in.find("ProvisionedThroughput");
    bool given = it != in.end() && !it->is_null();
    if (mode == "PAY_PER_REQUEST") {
        if (given)
            throw validation(
                "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
                "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
        rcu = wcu = 0;
        return;
    }
    if (!given)
        throw validation(
            "One or more parameter values were invalid: ReadCapacityUnits and "
            "WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
    for (auto [name, out] :
         {std::pair{"ReadCapacityUnits", &rcu}, std::pair{"WriteCapacityUnits", &wcu}}) {
        auto v = it->find(name);
        if (v == it->end() || !v->is_number_integer())
            throw constraint(
                "null", field + "." + (name[0] == 'R' ? "readCapacityUnits" : "writeCapacityUnits"),
                "Member must not be null");
        if (v->get<int64_t>() < 1)
            throw constraint(
                "'" + v->dump() + "'",
                field + "." + (name[0] == 'R' ? "readCapacityUnits" : "writeCapacityUnits"),
                "Member must have value greater than or equal to 1");
        *out = v->get<int64_t>();
    }
}

Index make_index(const json& spec, bool global, const json& defs, const Table& t,
                 const std::string& mode) {
    Index ix;
    ix.global = global;
    ix.name = spec.value("IndexName", "");
    if (ix.name.size() < 3 || ix.name.size() > 255)
        throw validation("One or more parameter values were invalid: Index name " + ix.name +
                         " must be between 3 and 255 characters long");
    ix.key = key_schema(spec.value("KeySchema", json()), defs, "index");
    const json& p = spec.value("Projection", json::object());
    ix.projection_type = p.value("ProjectionType", "");
    if (ix.projection_type != "ALL" && ix.projection_type != "KEYS_ONLY" &&
        ix.projection_type != "INCLUDE")
        throw validation("One or more parameter values were invalid: Unknown ProjectionType: " +
                         ix.projection_type);
    if (p.contains("NonKeyAttributes")) {
        if (ix.projection_type != "INCLUDE")
            throw validation("One or more parameter values were invalid: ProjectionType is " +
                             ix.projection_type + ", but NonKeyAttributes is specified");
        ix.non_key_attributes = p["NonKeyAttributes"].get<std::vector<std::string>>();
    } else if (ix.projection_type == "INCLUDE") {
        throw validation(
            "One or more parameter values were invalid: NonKeyAttributes must be specified "
            "when ProjectionType is INCLUDE");
    }
    if (!global) {
        if (!t.key.range)
            throw validation(
                "One or more parameter values were invalid: Table KeySchema does not have a "
                "range key, which is required when specifying a LocalSecondaryIndex");
        if (ix.key.hash.name != t.key.hash.name || !ix.key.range)
            throw validation(
                "One or more parameter values were invalid: Index KeySchema does not have the "
                "same leading hash key as table KeySchema for index: " +
                ix.name + ". index hash key: " + ix.key.hash.name +
                ", table hash key: " + t.key.hash.name);
    } else {
        throughput(spec, mode, ix.read_capacity, ix.write_capacity,
                   "globalSecondaryIndexes.member.provisionedThroughput");
    }
    return ix;
}

// Every attribute definition must be used by the table's or an index's key schema.
void check_definitions_used(const Table& t) {
    std::set<std::string> used{t.key.hash.name};
    if (t.key.range) used.insert(t.key.range->name);
    for (auto& ix : t.indexes) {
        used.insert(ix.key.hash.name);
        if (ix.key.range) used.insert(ix.key.range->name);
    }
    if (used.size() != t.attribute_definitions.size())
        throw validation(
            "One or more parameter values were invalid: Number of attributes in KeySchema does "
            "not exactly match number of attributes defined in AttributeDefinitions");
}

std::vector<std::pair<std::string, std::string>> tags_param(const json& in) {
    std::vector<std::pair<std::string, std::string>> out;
    auto it = in.find("Tags");
    if (it == in.end() || it->is_null()) return out;
    for (auto& tag : *it) {
        std::string k = tag.value("Key", ""), v = tag.value("Value", "");
        // Counted in characters, as DynamoDB counts them, not in UTF-8 bytes.
        if (k.empty() || utf8_characters(k) > 128)
            throw validation(
                "One or more parameter values were invalid: Tag key must be between "
                "1 and 128 characters");
        if (utf8_characters(v) > 256)
            throw validation(
                "One or more parameter values were invalid: Tag value must be "
                "between 0 and 256 characters");
        if (k.rfind("aws:", 0) == 0)
            throw validation(
                "One or more parameter values were invalid: Tag keys starting with "
                "'aws:' are reserved for system use");
        out.emplace_back(k, v);
    }
    return out;
}

using Tags = std::vector<std::pair<std::string, std::string>>;

void check_tag_limit(const Tags& tags) {
    if (tags.size() > kMaxTags)
        throw validation(
            "One or more parameter values were invalid: The number of tags exceeds "
            "the limit of 50");
}

// `current` with `add` applied (a key given again takes its new value).
Tags merged_tags(Tags current, const Tags& add) {
    for (auto& tag : add) {
        auto it = std::find_if(current.begin(), current.end(),
                               [&](auto& p) { return p.first == tag.first; });
        if (it != current.end())
            it->second = tag.second;
        else
            current.emplace_back(tag);
    }
    check_tag_limit(current);
    return current;
}

void fill_index(Table& t, Index& ix) {
    for (auto& [k, stored] : t.items)
        if (auto ik = t.index_key(ix, stored.item)) {
            ix.entries.insert({*ik, k});
            ix.bytes += item_size(t.project_for(ix, stored.item));
        }
}

}  // namespace

json Backend::create_table(const Caller& caller, json& in) {
    const std::string& name = required_string(in, "TableName", "tableName");
    check_table_name(name, "tableName");
    const json defs = in.value("AttributeDefinitions", json());
    check_definitions(defs);
    Table t;
    t.account = caller.account;
    t.region = caller.region;
    t.name = name;
    t.attribute_definitions = defs;
    t.key = key_schema(in.value("KeySchema", json()), defs, "table");
    t.billing_mode = enum_param(in, "BillingMode", "billingMode",
                                {"PROVISIONED", "PAY_PER_REQUEST"}, "PROVISIONED");
    throughput(in, t.billing_mode, t.read_capacity, t.write_capacity, "provisionedThroughput");
    std::set<std::string> index_names;
    for (auto [param, global] :
         {std::pair{"LocalSecondaryIndexes", false}, std::pair{"GlobalSecondaryIndexes", true}}) {
        auto it = in.find(param);
        if (it == in.end() || it->is_null()) continue;
        if (!it->is_array() || it->empty())
            throw validation(std::string("One or more parameter values were invalid: List of ") +
                             param + " is empty");
        if (it->size() > (global ? kMaxGlobalIndexes : kMaxLocalIndexes))
            throw validation(std::string("One or more parameter values were invalid: Number of ") +
                             param + " exceeds per-table limit of " +
                             std::to_string(global ? kMaxGlobalIndexes : kMaxLocalIndexes));
        for (auto& spec : *it) {
            Index ix = make_index(spec, global, defs, t, t.billing_mode);
            if (!index_names.insert(ix.name).second)
                throw validation(
                    "One or more parameter values were invalid: Duplicate index name: " + ix.name);
            t.indexes.push_back(std::move(ix));
        }
    }
    check_definitions_used(t);
    if (in.contains("StreamSpecification") && in["StreamSpecification"].is_object()) {
        const json& s = in["StreamSpecification"];
        if (s.value("StreamEnabled", false) && !s.contains("StreamViewType"))
            throw validation(
                "One or more parameter values were invalid: StreamSpecification: StreamViewType "
                "is required when StreamEnabled is true");
        t.stream_specification = s;
    }
    if (in.contains("SSESpecification")) t.sse_specification = in["SSESpecification"];
    t.table_class = enum_param(in, "TableClass", "tableClass",
                               {"STANDARD", "STANDARD_INFREQUENT_ACCESS"}, "STANDARD");
    t.deletion_protection = in.value("DeletionProtectionEnabled", false);
    t.tags = tags_param(in);
    check_tag_limit(t.tags);

    std::lock_guard lock(mu_);
    if (find_table(caller, name))
        throw AwsError("ResourceInUseException", "Table already exists: " + name, 400);
    t.id = next_id_++;
    t.table_id = random_uuid();
    t.arn = "arn:aws:dynamodb:" + caller.region + ":" + caller.account + ":table/" + name;
    t.created = static_cast<double>(now_ms().time_since_epoch().count()) / 1000.0;
    t.stream_label = format_iso8601_ms(now_ms());
    t.stream_label.pop_back();  // DynamoDB's labels carry no zone suffix
    Store::Batch batch(store_);
    store_.put_table(t);
    streams_.table_changed(t);
    batch.commit();
    Table& added = add_table(std::move(t));
    return {{"TableDescription", added.description()}};
}

json Backend::describe_table(const Caller& caller, json& in) {
    const std::string& name = required_string(in, "TableName", "tableName");
    std::lock_guard lock(mu_);
    Table* t = find_table(caller, name);
    if (!t)
        throw AwsError("ResourceNotFoundException",
                       "Requested resource not found: Table: " + name + " not found", 400);
    return {{"Table", t->description()}};
}

json Backend::list_tables(const Caller& caller, json& in) {
    int64_t limit = 100;
    if (auto it = in.find("Limit"); it != in.end() && !it->is_null()) {
        limit = it->get<int64_t>();
        if (limit < 1)
            throw constraint("'" + it->dump() + "'", "limit",
                             "Member must have value greater than or equal to 1");
        if (limit > 100)
            throw constraint("'" + it->dump() + "'", "limit",
                             "Member must have value less than or equal to 100");
    }
    std::string start = in.value("ExclusiveStartTableName", "");
    std::lock_guard lock(mu_);
    json names = json::array();
    std::string last;
    bool more = false;
    for (auto it = tables_.upper_bound({caller.account, caller.region, start}); it != tables_.end();
         ++it) {
        auto& [account, region, name] = it->first;
        if (account != caller.account || region != caller.region) break;
        if (static_cast<int64_t>(names.size()) == limit) {
            more = true;
            break;
        }
        names.push_back(name);
        last = name;
    }
    json out{{"TableNames", names}};
    if (more) out["LastEvaluatedTableName"] = last;
    return out;
}

json Backend::update_table(const Caller& caller, json& in) {
    std::lock_guard lock(mu_);
    Table& t = table(caller, in, "tableName");
    Table next = Table::from_meta(t.meta());  // checked on a copy, then swapped in
    bool changed = false;
    if (auto it = in.find("AttributeDefinitions"); it != in.end() && !it->is_null()) {
        check_definitions(*it);
        for (auto& d : *it) {
            bool known = false;
            for (auto& old : next.attribute_definitions)
                if (old["AttributeName"] == d["AttributeName"]) {
                    old = d;
                    known = true;
                }
            if (!known) next.attribute_definitions.push_back(d);
        }
    }
    if (in.contains("BillingMode")) {
        next.billing_mode = enum_param(in, "BillingMode", "billingMode",
                                       {"PROVISIONED", "PAY_PER_REQUEST"}, "PROVISIONED");
        changed = true;
    }
    if (in.contains("ProvisionedThroughput") ||
        (in.contains("BillingMode") && next.billing_mode != t.billing_mode)) {
        throughput(in, next.billing_mode, next.read_capacity, next.write_capacity,
                   "provisionedThroughput");
        changed = true;
    }
    std::vector<std::string> created;
    if (auto it = in.find("GlobalSecondaryIndexUpdates"); it != in.end() && it->is_array()) {
        for (auto& u : *it) {
            if (u.contains("Create")) {
                Index ix = make_index(u["Create"], true, next.attribute_definitions, next,
                                      next.billing_mode);
                if (next.index(ix.name))
                    throw validation(
                        "One or more parameter values were invalid: Attempting to create an "
                        "index which already exists");
                created.push_back(ix.name);
                next.indexes.push_back(std::move(ix));
            } else if (u.contains("Delete")) {
                std::string n = u["Delete"].value("IndexName", "");
                auto pos = std::find_if(next.indexes.begin(), next.indexes.end(),
                                        [&](auto& ix) { return ix.global && ix.name == n; });
                if (pos == next.indexes.end())
                    throw AwsError("ResourceNotFoundException",
                                   "Requested resource not found: Index: " + n + " not found", 400);
                next.indexes.erase(pos);
            } else if (u.contains("Update")) {
                std::string n = u["Update"].value("IndexName", "");
                Index* ix = next.index(n);
                if (!ix || !ix->global)
                    throw AwsError("ResourceNotFoundException",
                                   "Requested resource not found: Index: " + n + " not found", 400);
                throughput(u["Update"], next.billing_mode, ix->read_capacity, ix->write_capacity,
                           "globalSecondaryIndexUpdates.member.update.provisionedThroughput");
            }
            changed = true;
        }
    }
    if (in.contains("StreamSpecification") && in["StreamSpecification"].is_object()) {
        const json& spec = in["StreamSpecification"];
        bool was = t.stream_specification.is_object() &&
                   t.stream_specification.value("StreamEnabled", false);
        bool wants = spec.value("StreamEnabled", false);
        if (was && wants)
            throw validation("Table already has an enabled stream: " + t.arn + "/stream/" +
                             t.stream_label);
        if (!was && !wants) throw validation("Table already has no enabled stream");
        if (wants) {
            auto view = spec.value("StreamViewType", "");
            if (view != "KEYS_ONLY" && view != "NEW_IMAGE" && view != "OLD_IMAGE" &&
                view != "NEW_AND_OLD_IMAGES")
                throw validation(
                    "One or more parameter values were invalid: StreamSpecification: "
                    "StreamViewType must be specified when streams are enabled");
            // Enabling makes a new stream, with a new label.
            next.stream_label = format_iso8601_ms(now_ms());
            next.stream_label.pop_back();
        }
        next.stream_specification = spec;
        changed = true;
    }
    if (in.contains("SSESpecification")) {
        next.sse_specification = in["SSESpecification"];
        changed = true;
    }
    if (in.contains("TableClass")) {
        next.table_class = enum_param(in, "TableClass", "tableClass",
                                      {"STANDARD", "STANDARD_INFREQUENT_ACCESS"}, "STANDARD");
        changed = true;
    }
    if (in.contains("DeletionProtectionEnabled")) {
        next.deletion_protection = in["DeletionProtectionEnabled"].get<bool>();
        changed = true;
    }
    if (!changed)
        throw validation(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
            "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
    // Keep the definitions the keys still use, as DynamoDB does after an index is dropped.
    json kept = json::array();
    std::set<std::string> used{next.key.hash.name};
    if (next.key.range) used.insert(next.key.range->name);
    for (auto& ix : next.indexes) {
        used.insert(ix.key.hash.name);
        if (ix.key.range) used.insert(ix.key.range->name);
    }
    for (auto& d : next.attribute_definitions)
        if (used.count(d.value("AttributeName", ""))) kept.push_back(d);
    next.attribute_definitions = kept;

    // Swap in: keep items and existing index entries; backfill new indexes.
    next.items = std::move(t.items);
    for (auto& ix : next.indexes) {
        if (Index* old = t.index(ix.name);
            old && !std::count(created.begin(), created.end(), ix.name)) {
            ix.entries = std::move(old->entries);
            ix.bytes = old->bytes;
        } else {
            ix.bytes = 0;
            fill_index(next, ix);
        }
    }
    t = std::move(next);
    Store::Batch batch(store_);
    store_.put_table(t);
    streams_.table_changed(t);
    batch.commit();
    return {{"TableDescription", t.description()}};
}

json Backend::delete_table(const Caller& caller, json& in) {
    std::lock_guard lock(mu_);
    Table& t = table(caller, in, "tableName");
    if (t.deletion_protection)
        throw validation(
            "Resource cannot be deleted as it is currently protected against deletion. Disable "
            "deletion protection first.");
    json d = t.description();
    d["TableStatus"] = "DELETING";
    Store::Batch batch(store_);
    store_.drop_table(t);
    streams_.table_changed(t, /*deleted=*/true);
    batch.commit();
    tables_.erase({t.account, t.region, t.name});
    return {{"TableDescription", d}};
}

namespace {

std::string resource_arn(const json& in) {
    auto it = in.find("ResourceArn");
    if (it == in.end() || !it->is_string())
        throw constraint("null", "resourceArn", "Member must not be null");
    std::string arn = it->get<std::string>();
    if (arn.rfind("arn:", 0) != 0)
        throw validation("Invalid TableArn: Invalid ResourceArn provided as input " + arn);
    return arn;
}

AwsError arn_not_found(const std::string& arn) {
    return AwsError("ResourceNotFoundException",
                    "Requested resource not found: ResourcArn: " + arn + " not found", 400);
}

}  // namespace

json Backend::tag_resource(const Caller&, json& in) {
    std::string arn = resource_arn(in);
    auto tags = tags_param(in);
    if (tags.empty()) throw constraint("null", "tags", "Member must not be null");
    std::lock_guard lock(mu_);
    Table* t = table_by_arn(arn);
    if (!t) throw arn_not_found(arn);
    t->tags = merged_tags(t->tags, tags);  // throws before anything changes past the limit
    Store::Batch batch(store_);
    store_.put_table(*t);
    batch.commit();
    return json::object();
}

json Backend::untag_resource(const Caller&, json& in) {
    std::string arn = resource_arn(in);
    if (!in.contains("TagKeys") || !in["TagKeys"].is_array())
        throw constraint("null", "tagKeys", "Member must not be null");
    std::lock_guard lock(mu_);
    Table* t = table_by_arn(arn);
    if (!t) throw arn_not_found(arn);
    for (auto& k : in["TagKeys"])
        std::erase_if(t->tags, [&](auto& p) { return p.first == k.get<std::string>(); });
    Store::Batch batch(store_);
    store_.put_table(*t);
    batch.commit();
    return json::object();
}

json Backend::list_tags_of_resource(const Caller&, json& in) {
    std::string arn = resource_arn(in);
    std::lock_guard lock(mu_);
    Table* t = table_by_arn(arn);
    if (!t) throw arn_not_found(arn);
    json tags = json::array();
    for (auto& [k, v] : t->tags)
        tags.push_back({{"Key", k}, {"Value", v}});
    return {{"Tags", tags}};
}

json Backend::update_time_to_live(const Caller& caller, json& in) {
    auto spec = in.find("TimeToLiveSpecification");
    if (spec == in.end() || !spec->is_object())
        throw constraint("null", "timeToLiveSpecification", "Member must not be null");
    if (!spec->contains("Enabled") || !(*spec)["Enabled"].is_boolean())
        throw constraint("null", "timeToLiveSpecification.enabled", "Member must not be null");
    std::string attr = spec->value("AttributeName", "");
    if (attr.empty())
        throw constraint("null", "timeToLiveSpecification.attributeName",
                         "Member must not be null");
    bool enable = (*spec)["Enabled"].get<bool>();
    std::lock_guard lock(mu_);
    Table& t = table(caller, in, "tableName");
    if (enable && !t.ttl_attribute.empty()) throw validation("TimeToLive is already enabled");
    if (!enable && t.ttl_attribute.empty()) throw validation("TimeToLive is already disabled");
    if (!enable && t.ttl_attribute != attr)
        throw validation(
            "TimeToLive is active on a different AttributeName: current "
            "AttributeName is " +
            t.ttl_attribute);
    t.ttl_attribute = enable ? attr : "";
    Store::Batch batch(store_);
    store_.put_table(t);
    batch.commit();
    start_ttl_sweep();
    return {{"TimeToLiveSpecification", *spec}};
}

json Backend::describe_time_to_live(const Caller& caller, json& in) {
    std::lock_guard lock(mu_);
    Table& t = table(caller, in, "tableName");
    json d{{"TimeToLiveStatus", t.ttl_attribute.empty() ? "DISABLED" : "ENABLED"}};
    if (!t.ttl_attribute.empty()) d["AttributeName"] = t.ttl_attribute;
    return {{"TimeToLiveDescription", d}};
}

json Backend::describe_endpoints(const Caller& caller, json&) {
    // The SDKs' endpoint discovery must come back to fogbank, not to AWS.
    return {{"Endpoints", {{{"Address", caller.endpoint}, {"CachePeriodInMinutes", 1440}}}}};
}

json Backend::describe_limits(const Caller&, json&) {
    return {{"AccountMaxReadCapacityUnits", 80000},
            {"AccountMaxWriteCapacityUnits", 80000},
            {"TableMaxReadCapacityUnits", 40000},
            {"TableMaxWriteCapacityUnits", 40000}};
}

json Backend::describe_continuous_backups(const Caller& caller, json& in) {
    std::lock_guard lock(mu_);
    Table& t = table(caller, in, "tableName");
    (void)t;
    return {{"ContinuousBackupsDescription",
             {{"ContinuousBackupsStatus", "ENABLED"},
              {"PointInTimeRecoveryDescription", {{"PointInTimeRecoveryStatus", "DISABLED"}}}}}};
}

}  // namespace fogbank::dynamodb
