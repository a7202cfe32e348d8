#include "services/dynamodb/legacy.hpp"

#include <set>

#include "services/dynamodb/attribute_value.hpp"
#include "services/dynamodb/backend.hpp"

namespace fogbank::dynamodb::legacy {

namespace {

using expr::Condition;
using expr::Operand;

constexpr std::string_view kLegacy[] = {
    "AttributesToGet", "AttributeUpdates", "ConditionalOperator", "Expected",
    "KeyConditions",   "QueryFilter",      "ScanFilter"};
constexpr std::string_view kModern[] = {"ConditionExpression", "FilterExpression",
                                        "KeyConditionExpression", "ProjectionExpression",
                                        "UpdateExpression"};

bool present(const json& in, std::string_view name) {
    auto it = in.find(name);
    return it != in.end() && !it->is_null();
}

// Whether `in` has a non-null member named in `names`: one pass over the request's few members,
// where asking for each name would walk the object's tree a dozen times per request.
template <size_t N>
bool any_present(const json& in, const std::string_view (&names)[N]) {
    if (!in.is_object()) return false;
    for (auto& [k, v] : in.get_ref<const json::object_t&>()) {
        if (v.is_null()) continue;
        for (std::string_view n : names)
            if (k == n) return true;
    }
    return false;
}

// Holds each legacy value under a placeholder of its own.
struct Values {
    json& store;
    Operand add(json v) {
        try {
            validate_value(v);
        } catch (const AwsError& e) {
            throw validation(std::string("One or more parameter values were invalid: ") + e.what());
        }
        std::string name = ":legacy" + std::to_string(store.size());
        store[name] = std::move(v);
        Operand o;
        o.kind = Operand::Kind::value;
        o.value = name;
        return o;
    }
};

Operand path_of(const std::string& attr) {
    Operand o;
    o.path = {{attr}};
    return o;
}

// One attribute's {ComparisonOperator, AttributeValueList} as a condition.
Condition comparison(const std::string& attr, const std::string& op, const json& list,
                     Values& values) {
    static const std::map<std::string, std::pair<int, int>> arity = {
        {"EQ", {1, 1}},       {"NE", {1, 1}},           {"LE", {1, 1}},          {"LT", {1, 1}},
        {"GE", {1, 1}},       {"GT", {1, 1}},           {"NOT_NULL", {0, 0}},    {"NULL", {0, 0}},
        {"CONTAINS", {1, 1}}, {"NOT_CONTAINS", {1, 1}}, {"BEGINS_WITH", {1, 1}}, {"IN", {1, 100}},
        {"BETWEEN", {2, 2}}};
    auto a = arity.find(op);
    if (a == arity.end())
        throw constraint(
            "'" + op + "'", "comparisonOperator",
            "Member must satisfy enum value set: [IN, NULL, BETWEEN, LT, NOT_CONTAINS, "
            "EQ, GT, NOT_NULL, NE, LE, BEGINS_WITH, GE, CONTAINS]");
    size_t n = list.is_array() ? list.size() : 0;
    if (static_cast<int>(n) < a->second.first || static_cast<int>(n) > a->second.second)
        throw validation(
            "One or more parameter values were invalid: Invalid number of argument(s) "
            "for the " +
            op + " ComparisonOperator");
    Condition c;
    c.operands.push_back(path_of(attr));
    static const std::map<std::string, std::string> compare = {
        {"EQ", "="}, {"NE", "<>"}, {"LE", "<="}, {"LT", "<"}, {"GE", ">="}, {"GT", ">"}};
    if (auto cmp = compare.find(op); cmp != compare.end()) {
        c.kind = Condition::Kind::compare;
        c.op = cmp->second;
    } else if (op == "NOT_NULL") {
        c.kind = Condition::Kind::attribute_exists;
    } else if (op == "NULL") {
        c.kind = Condition::Kind::attribute_not_exists;
    } else if (op == "CONTAINS" || op == "NOT_CONTAINS") {
        c.kind = Condition::Kind::contains;
    } else if (op == "BEGINS_WITH") {
        c.kind = Condition::Kind::begins_with;
    } else if (op == "IN") {
        c.kind = Condition::Kind::in;
    } else {
        c.kind = Condition::Kind::between;
    }
    for (size_t i = 0; i < n; ++i)
        c.operands.push_back(values.add(list[i]));
    if (op == "NOT_CONTAINS") {
        Condition neg;
        neg.kind = Condition::Kind::not_;
        neg.children.push_back(std::move(c));
        return neg;
    }
    return c;
}

Condition combine(std::vector<Condition> parts, const std::string& op) {
    Condition out = std::move(parts[0]);
    for (size_t i = 1; i < parts.size(); ++i) {
        Condition c;
        c.kind = op == "OR" ? Condition::Kind::or_ : Condition::Kind::and_;
        c.children.push_back(std::move(out));
        c.children.push_back(std::move(parts[i]));
        out = std::move(c);
    }
    return out;
}

// Expected: {attr: {Value, Exists} | {ComparisonOperator, AttributeValueList}}.
Condition expected(const json& spec, const std::string& op, Values& values) {
    std::vector<Condition> parts;
    for (auto& [attr, e] : spec.items()) {
        if (e.contains("ComparisonOperator")) {
            if (e.contains("Value") || e.contains("Exists"))
                throw validation(
                    "One or more parameter values were invalid: Value or Exists cannot be used "
                    "with ComparisonOperator");
            parts.push_back(comparison(attr, e["ComparisonOperator"].get<std::string>(),
                                       e.value("AttributeValueList", json::array()), values));
            continue;
        }
        bool exists = e.value("Exists", true);
        if (exists && !e.contains("Value"))
            throw validation(
                "One or more parameter values were invalid: Value must be provided when Exists "
                "is true for Attribute: " +
                attr);
        if (!exists && e.contains("Value"))
            throw validation(
                "One or more parameter values were invalid: Value cannot be used when Exists is "
                "false for Attribute: " +
                attr);
        parts.push_back(exists ? comparison(attr, "EQ", json::array({e["Value"]}), values)
                               : comparison(attr, "NULL", json::array(), values));
    }
    return combine(std::move(parts), op);
}

Condition filter(const json& spec, const std::string& op, Values& values) {
    std::vector<Condition> parts;
    for (auto& [attr, e] : spec.items())
        parts.push_back(comparison(attr, e.value("ComparisonOperator", ""),
                                   e.value("AttributeValueList", json::array()), values));
    return combine(std::move(parts), op);
}

}  // namespace

void check_not_mixed(const json& in) {
    if (!any_present(in, kLegacy) || !any_present(in, kModern)) return;
    std::string legacy, modern;
    for (auto name : kLegacy)
        if (present(in, name)) legacy.append(legacy.empty() ? "" : ", ").append(name);
    for (auto name : kModern)
        if (present(in, name)) modern.append(modern.empty() ? "" : ", ").append(name);
    // DynamoDB lets a Query's legacy KeyConditions stand beside a ProjectionExpression, and
    // nothing else beside it.
    if (legacy == "KeyConditions" && modern == "ProjectionExpression") return;
    if (!legacy.empty() && !modern.empty())
        throw validation(
            "Can not use both expression and non-expression parameters in the same request: "
            "Non-expression parameters: {" +
            legacy + "} Expression parameters: {" + modern + "}");
}

void translate(json& in, Expressions& out) {
    if (!any_present(in, kLegacy)) return;
    out.legacy_values = std::make_shared<json>(json::object());
    Values values{*out.legacy_values};
    std::string op = in.value("ConditionalOperator", "AND");
    if (op != "AND" && op != "OR")
        throw constraint("'" + op + "'", "conditionalOperator",
                         "Member must satisfy enum value set: [OR, AND]");
    auto nonempty = [&](const char* name) -> const json* {
        if (!present(in, name)) return nullptr;
        const json& j = in[name];
        if (!j.is_object() || j.empty()) return nullptr;
        return &j;
    };
    if (auto e = nonempty("Expected")) out.condition = expected(*e, op, values);
    for (auto name : {"QueryFilter", "ScanFilter"})
        if (auto f = nonempty(name)) out.condition = filter(*f, op, values);
    if (auto k = nonempty("KeyConditions")) {
        // A key is read through its index: only the operators an index can answer.
        static const std::set<std::string> indexable = {"EQ", "LE",      "LT",         "GE",
                                                        "GT", "BETWEEN", "BEGINS_WITH"};
        for (auto& [attr, e] : k->items())
            if (auto op = e.find("ComparisonOperator");
                op != e.end() && op->is_string() && !indexable.count(op->get<std::string>()))
                throw validation("Attempted conditional constraint is not an indexable operation");
        out.key_condition = filter(*k, "AND", values);
    }
    if (present(in, "AttributesToGet")) {
        const json& names = in["AttributesToGet"];
        if (!names.is_array() || names.empty())
            throw constraint("[]", "attributesToGet",
                             "Member must have length greater than or equal to 1");
        std::vector<expr::Path> paths;
        for (auto& n : names) {
            for (auto& p : paths)
                if (p[0].name == n.get<std::string>())
                    throw validation(
                        "One or more parameter values were invalid: Duplicate value in "
                        "attribute name: " +
                        n.get<std::string>());
            paths.push_back({{n.get<std::string>()}});
        }
        out.projection = std::move(paths);
    }
    if (auto u = nonempty("AttributeUpdates")) {
        for (auto& [attr, spec] : u->items()) {
            std::string action = spec.value("Action", "PUT");
            expr::UpdateAction a;
            a.path = {{attr}};
            if (action == "PUT") {
                if (!spec.contains("Value"))
                    throw validation(
                        "One or more parameter values were invalid: Only DELETE action is "
                        "allowed when no attribute value is specified");
                a.kind = expr::UpdateAction::Kind::set;
                a.value = values.add(spec["Value"]);
            } else if (action == "DELETE") {
                a.kind = spec.contains("Value") ? expr::UpdateAction::Kind::del
                                                : expr::UpdateAction::Kind::remove;
                if (spec.contains("Value")) a.value = values.add(spec["Value"]);
            } else if (action == "ADD") {
                if (!spec.contains("Value"))
                    throw validation(
                        "One or more parameter values were invalid: Only DELETE action is "
                        "allowed when no attribute value is specified");
                a.kind = expr::UpdateAction::Kind::add;
                a.value = values.add(spec["Value"]);
            } else {
                throw constraint("'" + action + "'", "attributeUpdates.action",
                                 "Member must satisfy enum value set: [ADD, PUT, DELETE]");
            }
            out.update.push_back(std::move(a));
        }
    }
    out.values = out.legacy_values.get();
}

}  // namespace fogbank::dynamodb::legacy
