// Query and Scan: key conditions turned into byte ranges over a table's or an index's ordered
// keys, filters, projections, Select, Limit and 1 MB pages with LastEvaluatedKey.
#include "services/dynamodb/attribute_value.hpp"
#include "services/dynamodb/backend.hpp"
#include "services/dynamodb/evaluator.hpp"

namespace fogbank::dynamodb {

namespace {

using expr::Condition;
using expr::Operand;

constexpr size_t kMaxPageBytes = 1024 * 1024;

// The part of a partition a key condition selects: range-key bytes in [lo, hi).
struct KeyRange {
    std::string hash;
    std::string lo;
    std::optional<std::string> hi;  // none: to the end of the partition
};

// The smallest string greater than every string starting with `p` (none if p is all 0xff).
std::optional<std::string> prefix_end(std::string p) {
    while (!p.empty() && static_cast<unsigned char>(p.back()) == 0xff)
        p.pop_back();
    if (p.empty()) return std::nullopt;
    p.back() = static_cast<char>(static_cast<unsigned char>(p.back()) + 1);
    return p;
}

void flatten(const Condition& c, std::vector<const Condition*>& out) {
    if (c.kind == Condition::Kind::and_) {
        for (auto& child : c.children)
            flatten(child, out);
        return;
    }
    out.push_back(&c);
}

std::string operator_name(const Condition& c) {
    switch (c.kind) {
        case Condition::Kind::or_:
            return "OR";
        case Condition::Kind::not_:
            return "NOT";
        case Condition::Kind::in:
            return "IN";
        case Condition::Kind::attribute_exists:
            return "attribute_exists";
        case Condition::Kind::attribute_not_exists:
            return "attribute_not_exists";
        case Condition::Kind::attribute_type:
            return "attribute_type";
        case Condition::Kind::contains:
            return "contains";
        default:
            return c.op;
    }
}

KeyRange key_range(const Condition& root, const KeySchema& ks, const json& values) {
    std::vector<const Condition*> parts;
    flatten(root, parts);
    if (parts.size() > 2) throw validation("Conditions can be of length 1 or 2 only");
    std::optional<std::string> hash;
    bool range_seen = false;
    KeyRange r;
    for (const Condition* c : parts) {
        bool usable = c->kind == Condition::Kind::compare || c->kind == Condition::Kind::between ||
                      c->kind == Condition::Kind::begins_with;
        if (!usable || (c->kind == Condition::Kind::compare && c->op == "<>"))
            throw validation("Invalid operator used in KeyConditionExpression: " +
                             operator_name(*c));
        std::string op = c->kind == Condition::Kind::compare   ? c->op
                         : c->kind == Condition::Kind::between ? "BETWEEN"
                                                               : "begins_with";
        std::vector<Operand> ops = c->operands;
        // ":v < k" reads as "k > :v".
        if (op != "BETWEEN" && op != "begins_with" && ops.size() == 2 &&
            ops[0].kind == Operand::Kind::value && ops[1].kind == Operand::Kind::path) {
            std::swap(ops[0], ops[1]);
            static const std::map<std::string, std::string> flip = {
                {"=", "="}, {"<", ">"}, {"<=", ">="}, {">", "<"}, {">=", "<="}};
            op = flip.at(op);
        }
        if (ops[0].kind != Operand::Kind::path)
            throw validation("Invalid condition in KeyConditionExpression: " + op +
                             " operator must have the key attribute as its first "
                             "operand");
        if (ops[0].path.size() != 1 || ops[0].path[0].index >= 0)
            throw validation(
                "KeyConditionExpressions cannot contain nested paths; key attribute: " +
                ops[0].path[0].name);
        const std::string& attr = ops[0].path[0].name;
        const KeyAttr* key = attr == ks.hash.name                 ? &ks.hash
                             : ks.range && attr == ks.range->name ? &*ks.range
                                                                  : nullptr;
        if (!key) throw validation("Query condition missed key schema element");
        std::vector<std::string> bytes;
        for (size_t i = 1; i < ops.size(); ++i) {
            if (ops[i].kind != Operand::Kind::value)
                throw validation(
                    "Invalid KeyConditionExpression: The key attribute must be compared with a "
                    "value");
            const json& v = values.at(ops[i].value);
            auto b = key_bytes(v, key->type);
            if (!b)
                throw validation(
                    "One or more parameter values were invalid: Condition parameter type does "
                    "not match schema type");
            bytes.push_back(std::move(*b));
        }
        if (key == &ks.hash) {
            if (hash)
                throw validation("KeyConditionExpressions must only contain one condition per key");
            if (op != "=") throw validation("Query key condition not supported");
            hash = bytes[0];
            continue;
        }
        if (range_seen)
            throw validation("KeyConditionExpressions must only contain one condition per key");
        range_seen = true;
        if (op == "begins_with" && key->type == "N")
            throw validation(
                "Invalid KeyConditionExpression: Incorrect operand type for operator or function; "
                "operator or function: begins_with, operand type: N");
        const std::string& v = bytes[0];
        if (op == "=") {
            r.lo = v;
            r.hi = v + '\0';
        } else if (op == "<") {
            r.hi = v;
        } else if (op == "<=") {
            r.hi = v + '\0';
        } else if (op == ">") {
            r.lo = v + '\0';
        } else if (op == ">=") {
            r.lo = v;
        } else if (op == "BETWEEN") {
            if (bytes[1] < bytes[0])
                throw validation(
                    "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound "
                    "to be greater than or equal to lower bound; lower bound operand: "
                    "AttributeValue: " +
                    values.at(ops[1].value).dump() +
                    ", upper bound operand: AttributeValue: " + values.at(ops[2].value).dump());
            r.lo = bytes[0];
            r.hi = bytes[1] + '\0';
        } else {  // begins_with
            r.lo = v;
            r.hi = prefix_end(v);
        }
    }
    if (!hash) throw validation("Query condition missed key schema element: " + ks.hash.name);
    r.hash = std::move(*hash);
    return r;
}

// Top-level attribute names a condition reads.
void condition_attributes(const Condition& c, std::set<std::string>& out) {
    for (auto& o : c.operands) {
        if (o.kind == Operand::Kind::path || o.kind == Operand::Kind::size)
            if (!o.path.empty()) out.insert(o.path[0].name);
    }
    for (auto& child : c.children)
        condition_attributes(child, out);
}

const KeyBytes& key_of(const std::pair<const KeyBytes, StoredItem>& e) {
    return e.first;
}
const std::pair<KeyBytes, KeyBytes>& key_of(const std::pair<KeyBytes, KeyBytes>& e) {
    return e;
}

// Visits the entries of one partition in [lo, hi), forward or backward, resuming after
// `start` (an ExclusiveStartKey) if given; `visit` returns false to stop.
template <class C, class MakeKey, class Visit>
void walk_range(const C& c, const KeyRange& r, const std::optional<typename C::key_type>& start,
                bool forward, MakeKey mk, Visit visit) {
    auto less = c.key_comp();
    auto first = mk(r.hash, r.lo);
    auto last = r.hi ? mk(r.hash, *r.hi) : mk(r.hash + '\0', "");
    if (forward) {
        auto it = start && !less(*start, first) ? c.upper_bound(*start) : c.lower_bound(first);
        for (; it != c.end() && less(key_of(*it), last); ++it)
            if (!visit(*it)) return;
    } else {
        auto it = start && less(*start, last) ? c.lower_bound(*start) : c.lower_bound(last);
        while (it != c.begin()) {
            --it;
            if (less(key_of(*it), first)) return;
            if (!visit(*it)) return;
        }
    }
}

template <class C, class Visit>
void walk_all(const C& c, const std::optional<typename C::key_type>& start, Visit visit) {
    for (auto it = start ? c.upper_bound(*start) : c.begin(); it != c.end(); ++it)
        if (!visit(*it)) return;
}

uint32_t fnv1a(const std::string& s) {
    uint32_t h = 2166136261u;
    for (unsigned char ch : s)
        h = (h ^ ch) * 16777619u;
    return h;
}

// What a Query or Scan was asked for, checked.
struct ReadRequest {
    Expressions ex;
    std::string select;
    std::optional<int64_t> limit;
    bool consistent = false;
    std::string capacity;
    Index* index = nullptr;
    std::optional<json> start;  // ExclusiveStartKey
};

ReadRequest read_request(json& in, Table& t) {
    ReadRequest r;
    r.ex = parse_expressions(in);
    r.select = enum_param(
        in, "Select", "select",
        {"ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT"}, "");
    if (auto it = in.find("Limit"); it != in.end() && !it->is_null()) {
        if (!it->is_number_integer() || it->get<int64_t>() < 1)
            throw constraint("'" + it->dump() + "'", "limit",
                             "Member must have value greater than or equal to 1");
        r.limit = it->get<int64_t>();
    }
    r.consistent = in.value("ConsistentRead", false);
    r.capacity = enum_param(in, "ReturnConsumedCapacity", "returnConsumedCapacity",
                            {"INDEXES", "TOTAL", "NONE"}, "NONE");
    if (auto it = in.find("IndexName"); it != in.end() && !it->is_null()) {
        std::string name = it->get<std::string>();
        r.index = t.index(name);
        if (!r.index) throw validation("The table does not have the specified index: " + name);
        if (r.index->global && r.consistent)
            throw validation("Consistent reads are not supported on global secondary indexes");
    }
    bool projected = r.ex.projection.has_value();
    if (r.select.empty())
        r.select = projected ? "SPECIFIC_ATTRIBUTES"
                   : r.index ? "ALL_PROJECTED_ATTRIBUTES"
                             : "ALL_ATTRIBUTES";
    if (r.select == "SPECIFIC_ATTRIBUTES" && !projected)
        throw validation(
            "One or more parameter values were invalid: Select type SPECIFIC_ATTRIBUTES "
            "requires a ProjectionExpression or AttributesToGet");
    if (r.select != "SPECIFIC_ATTRIBUTES" && projected)
        throw validation(
            "One or more parameter values were invalid: Cannot specify the ProjectionExpression "
            "when choosing to get " +
            r.select);
    if (r.select == "ALL_PROJECTED_ATTRIBUTES" && !r.index)
        throw validation(
            "One or more parameter values were invalid: Select type ALL_PROJECTED_ATTRIBUTES "
            "can be used only when Querying using an IndexName");
    if (r.select == "ALL_ATTRIBUTES" && r.index && r.index->global &&
        r.index->projection_type != "ALL")
        throw validation(
            "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
            "supported for global secondary index " +
            r.index->name + " because its projection type is not ALL");
    if (auto it = in.find("ExclusiveStartKey"); it != in.end() && !it->is_null()) {
        if (!it->is_object() || it->empty())
            throw validation(
                "The provided starting key is invalid: The provided key element "
                "does not match the schema");
        try {
            validate_item(*it);
        } catch (const AwsError& e) {
            throw validation(std::string("The provided starting key is invalid: ") + e.what());
        }
        r.start = *it;
    }
    return r;
}

// Where to resume: the table's key of an ExclusiveStartKey, and the index's key when reading
// an index.
std::pair<KeyBytes, std::optional<KeyBytes>> start_keys(const Table& t, const Index* ix,
                                                        const json& start) {
    auto bad = [] {
        return validation(
            "The provided starting key is invalid: The provided key element does not match the "
            "schema");
    };
    json table_part = json::object();
    for (const KeyAttr* a : {&t.key.hash, t.key.range ? &*t.key.range : nullptr})
        if (a && start.contains(a->name)) table_part[a->name] = start[a->name];
    KeyBytes tk;
    try {
        tk = t.key_of_request(table_part);
    } catch (const AwsError&) {
        throw bad();
    }
    if (!ix) {
        if (start.size() != table_part.size()) throw bad();
        return {tk, std::nullopt};
    }
    auto ik = t.index_key(*ix, start);
    if (!ik) throw bad();
    return {tk, ik};
}

// The item as the read returns it: through the index's projection (`index_view`, null when the
// index projects ALL), then the request's. An LSI may answer from the table instead.
json shape(const ReadRequest& r, const json& item, const json* index_view) {
    bool from_table =
        !r.index ||
        (!r.index->global && (r.select == "ALL_ATTRIBUTES" || r.select == "SPECIFIC_ATTRIBUTES"));
    const json& base = from_table || !index_view ? item : *index_view;
    if (r.ex.projection) return project(base, *r.ex.projection);
    return base;
}

// Collects a page: Limit items read, or 1 MB of them, whichever comes first.
struct Page {
    const Table& t;
    const ReadRequest& r;
    json items = json::array();
    int64_t count = 0, scanned = 0;
    size_t bytes = 0;
    std::optional<json> last_key;

    bool take(const json& item) {
        ++scanned;
        // Reading an index reads its projection of the item: made once, for size and answer.
        std::optional<json> view;
        if (r.index && r.index->projection_type != "ALL") view = t.project_for(*r.index, item);
        bytes += item_size(view ? *view : item);
        bool keep =
            !r.ex.condition || evaluate(*r.ex.condition, item, r.ex.values ? *r.ex.values : json(),
                                        "FilterExpression");
        if (keep) {
            ++count;
            if (r.select != "COUNT") items.push_back(shape(r, item, view ? &*view : nullptr));
        }
        if ((r.limit && scanned >= *r.limit) || bytes >= kMaxPageBytes) {
            last_key = t.key_json(item, r.index);
            return false;
        }
        return true;
    }

    // Hands the items over: a page is built once and answered once.
    json result() {
        json out{{"Count", count}, {"ScannedCount", scanned}};
        if (r.select != "COUNT") out["Items"] = std::move(items);
        if (last_key) out["LastEvaluatedKey"] = *last_key;
        if (r.capacity != "NONE")
            out["ConsumedCapacity"] = consumed(t, read_units(bytes, r.consistent), r.capacity);
        return out;
    }
};

}  // namespace

json Backend::query(const Caller& caller, json& in) {
    std::lock_guard lock(mu_);
    Table& t = table(caller, in, "tableName");
    ReadRequest r = read_request(in, t);
    if (!r.ex.key_condition)
        throw validation(
            "Either the KeyConditions or KeyConditionExpression parameter must be specified in "
            "the request.");
    const KeySchema& ks = r.index ? r.index->key : t.key;
    KeyRange range = key_range(*r.ex.key_condition, ks, r.ex.values ? *r.ex.values : json());
    if (r.ex.condition) {
        std::set<std::string> attrs;
        condition_attributes(*r.ex.condition, attrs);
        for (const KeyAttr* a : {&ks.hash, ks.range ? &*ks.range : nullptr})
            if (a && attrs.count(a->name))
                throw validation(
                    "Filter Expression can only contain non-primary key attributes: Primary key "
                    "attribute: " +
                    a->name);
    }
    bool forward = in.value("ScanIndexForward", true);
    // A starting key must itself satisfy the key condition (it names an item of the range).
    auto check_inside = [&](const KeyBytes& k) {
        if (k.first != range.hash || k.second < range.lo || (range.hi && k.second >= *range.hi))
            throw validation(
                "The provided starting key is outside query boundaries based on provided "
                "conditions");
    };
    Page page{t, r};
    if (!r.index) {
        std::optional<KeyBytes> start;
        if (r.start) {
            start = start_keys(t, nullptr, *r.start).first;
            check_inside(*start);
        }
        walk_range(
            t.items, range, start, forward,
            [](const std::string& h, const std::string& rk) {
                return KeyBytes{h, rk};
            },
            [&](const auto& e) { return page.take(e.second.item); });
    } else {
        std::optional<std::pair<KeyBytes, KeyBytes>> start;
        if (r.start) {
            auto [tk, ik] = start_keys(t, r.index, *r.start);
            check_inside(*ik);
            start = std::pair{*ik, tk};
        }
        walk_range(
            r.index->entries, range, start, forward,
            [](const std::string& h, const std::string& rk) {
                return std::pair{KeyBytes{h, rk}, KeyBytes{}};
            },
            [&](const auto& e) { return page.take(*t.find(e.second)); });
    }
    return page.result();
}

json Backend::scan(const Caller& caller, json& in) {
    std::optional<int64_t> segment, total;
    if (auto it = in.find("TotalSegments"); it != in.end() && !it->is_null()) {
        total = it->get<int64_t>();
        if (*total < 1)
            throw constraint("'" + it->dump() + "'", "totalSegments",
                             "Member must have value greater than or equal to 1");
        if (*total > 1000000)
            throw constraint("'" + it->dump() + "'", "totalSegments",
                             "Member must have value less than or equal to 1000000");
    }
    if (auto it = in.find("Segment"); it != in.end() && !it->is_null()) {
        segment = it->get<int64_t>();
        if (*segment < 0)
            throw constraint("'" + it->dump() + "'", "segment",
                             "Member must have value greater than or equal to 0");
    }
    if (segment && !total)
        throw validation(
            "The TotalSegments parameter is required but was not present in the request when "
            "Segment parameter is present");
    if (total && !segment)
        throw validation(
            "The Segment parameter is required but was not present in the request when "
            "parameter TotalSegments is present");
    if (segment && *segment >= *total)
        throw validation(
            "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
            "Segment: " +
            std::to_string(*segment) +
            " is not less than TotalSegments: " + std::to_string(*total));
    std::lock_guard lock(mu_);
    Table& t = table(caller, in, "tableName");
    ReadRequest r = read_request(in, t);
    if (r.ex.key_condition) throw validation("KeyConditionExpression is not allowed in a Scan");
    Page page{t, r};
    // Segments split the table by partition key, as DynamoDB's do.
    auto in_segment = [&](const KeyBytes& k) {
        return !total ||
               fnv1a(k.first) % static_cast<uint32_t>(*total) == static_cast<uint32_t>(*segment);
    };
    if (!r.index) {
        std::optional<KeyBytes> start;
        if (r.start) start = start_keys(t, nullptr, *r.start).first;
        walk_all(t.items, start,
                 [&](const auto& e) { return !in_segment(e.first) || page.take(e.second.item); });
    } else {
        std::optional<std::pair<KeyBytes, KeyBytes>> start;
        if (r.start) {
            auto [tk, ik] = start_keys(t, r.index, *r.start);
            start = std::pair{*ik, tk};
        }
        walk_all(r.index->entries, start, [&](const auto& e) {
            return !in_segment(e.first) || page.take(*t.find(e.second));
        });
    }
    return page.result();
}

}  // namespace fogbank::dynamodb
