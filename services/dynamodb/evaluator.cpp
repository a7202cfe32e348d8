#include "services/dynamodb/evaluator.hpp"

#include <algorithm>

#include "emulator/aws_error.hpp"
#include "emulator/encoding.hpp"
#include "services/dynamodb/errors.hpp"
#include "services/dynamodb/number.hpp"

namespace fogbank::dynamodb {

namespace {

using expr::Condition;
using expr::Operand;
using expr::Path;
using expr::UpdateAction;

// The type tag of an AttributeValue ("S", "N", "M", ...), or "" if it is not one.
std::string type_of(const json& v) {
    if (!v.is_object() || v.size() != 1) return "";
    return v.begin().key();
}

const json& payload(const json& v) {
    return v.begin().value();
}

std::string bytes_of(const json& v) {  // B values travel as base64
    return base64_decode(payload(v).get<std::string>()).value_or("");
}

bool set_contains(const json& set, const std::string& elem_type, const json& elem) {
    for (auto& e : payload(set))
        if (values_equal(json{{elem_type, e}}, elem)) return true;
    return false;
}

}  // namespace

bool values_equal(const json& a, const json& b) {
    std::string ta = type_of(a), tb = type_of(b);
    if (ta != tb || ta.empty()) return false;
    const json& pa = payload(a);
    const json& pb = payload(b);
    if (ta == "N")
        return Number::parse(pa.get<std::string>()) == Number::parse(pb.get<std::string>());
    if (ta == "B") return bytes_of(a) == bytes_of(b);
    if (ta == "SS" || ta == "NS" || ta == "BS") {
        if (pa.size() != pb.size()) return false;
        std::string elem = ta.substr(0, 1);
        for (auto& e : pa)
            if (!set_contains(b, elem, json{{elem, e}})) return false;
        return true;
    }
    if (ta == "L") {
        if (pa.size() != pb.size()) return false;
        for (size_t i = 0; i < pa.size(); ++i)
            if (!values_equal(pa[i], pb[i])) return false;
        return true;
    }
    if (ta == "M") {
        if (pa.size() != pb.size()) return false;
        for (auto& [k, v] : pa.items())
            if (!pb.contains(k) || !values_equal(v, pb[k])) return false;
        return true;
    }
    return pa == pb;  // S, BOOL, NULL
}

std::optional<int> compare_values(const json& a, const json& b) {
    std::string ta = type_of(a);
    if (ta != type_of(b)) return std::nullopt;
    if (ta == "N")
        return Number::parse(payload(a).get<std::string>())
            .compare(Number::parse(payload(b).get<std::string>()));
    if (ta == "S") {
        int c = payload(a).get<std::string>().compare(payload(b).get<std::string>());
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    if (ta == "B") {
        int c = bytes_of(a).compare(bytes_of(b));
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    return std::nullopt;
}

const json* resolve(const json& item, const Path& path) {
    const json* cur = nullptr;
    for (size_t i = 0; i < path.size(); ++i) {
        const auto& step = path[i];
        if (i == 0) {
            auto it = item.find(step.name);
            if (it == item.end()) return nullptr;
            cur = &*it;
            continue;
        }
        std::string t = type_of(*cur);
        if (step.index >= 0) {
            if (t != "L" || static_cast<size_t>(step.index) >= payload(*cur).size()) return nullptr;
            cur = &payload(*cur)[static_cast<size_t>(step.index)];
        } else {
            if (t != "M") return nullptr;
            auto it = payload(*cur).find(step.name);
            if (it == payload(*cur).end()) return nullptr;
            cur = &*it;
        }
    }
    return cur;
}

namespace {

const json& value_ref(const json& values, const std::string& name) {
    return values.at(name);  // the parser checked that it exists
}

std::optional<json> size_of(const json& v) {
    std::string t = type_of(v);
    size_t n;
    if (t == "S")
        n = payload(v).get<std::string>().size();
    else if (t == "B")
        n = bytes_of(v).size();
    else if (t == "SS" || t == "NS" || t == "BS" || t == "L" || t == "M")
        n = payload(v).size();
    else
        return std::nullopt;
    return json{{"N", std::to_string(n)}};
}

// A condition operand's value, or nullopt when it names nothing.
std::optional<json> operand_value(const Operand& o, const json& item, const json& values) {
    switch (o.kind) {
        case Operand::Kind::value:
            return value_ref(values, o.value);
        case Operand::Kind::path:
            if (auto* v = resolve(item, o.path)) return *v;
            return std::nullopt;
        case Operand::Kind::size:
            if (auto* v = resolve(item, o.path)) return size_of(*v);
            return std::nullopt;
        default:
            return std::nullopt;
    }
}

bool compare_op(const std::string& op, const json& a, const json& b) {
    if (op == "=") return values_equal(a, b);
    if (op == "<>") return !values_equal(a, b);
    auto c = compare_values(a, b);
    if (!c) return false;
    if (op == "<") return *c < 0;
    if (op == "<=") return *c <= 0;
    if (op == ">") return *c > 0;
    return *c >= 0;
}

const char* kTypeNames[] = {"S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"};

}  // namespace

bool evaluate(const Condition& c, const json& item, const json& values, const char* which) {
    using K = Condition::Kind;
    auto val = [&](size_t i) { return operand_value(c.operands[i], item, values); };
    switch (c.kind) {
        case K::and_:
            return evaluate(c.children[0], item, values, which) &&
                   evaluate(c.children[1], item, values, which);
        case K::or_:
            return evaluate(c.children[0], item, values, which) ||
                   evaluate(c.children[1], item, values, which);
        case K::not_:
            return !evaluate(c.children[0], item, values, which);
        case K::compare: {
            auto a = val(0), b = val(1);
            if (!a || !b) return c.op == "<>" && (a || b);
            return compare_op(c.op, *a, *b);
        }
        case K::between: {
            auto a = val(0), lo = val(1), hi = val(2);
            if (lo && hi) {
                auto order = compare_values(*lo, *hi);
                if (order && *order > 0)
                    throw validation(std::string("Invalid ") + which +
                                     ": The BETWEEN operator requires upper bound to be greater "
                                     "than or equal to lower bound; lower operand: " +
                                     lo->dump() + ", upper operand: " + hi->dump());
            }
            if (!a || !lo || !hi) return false;
            auto x = compare_values(*a, *lo), y = compare_values(*a, *hi);
            return x && y && *x >= 0 && *y <= 0;
        }
        case K::in: {
            auto a = val(0);
            if (!a) return false;
            for (size_t i = 1; i < c.operands.size(); ++i)
                if (auto v = val(i); v && values_equal(*a, *v)) return true;
            return false;
        }
        case K::attribute_exists:
            return resolve(item, c.operands[0].path) != nullptr;
        case K::attribute_not_exists:
            return resolve(item, c.operands[0].path) == nullptr;
        case K::attribute_type: {
            auto t = val(1);
            std::string name = t && type_of(*t) == "S" ? payload(*t).get<std::string>() : "";
            if (std::find(std::begin(kTypeNames), std::end(kTypeNames), name) ==
                std::end(kTypeNames))
                throw validation(std::string("Invalid ") + which +
                                 ": Invalid attribute type name found; type: " + name +
                                 ", valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}");
            auto a = val(0);
            return a && type_of(*a) == name;
        }
        case K::begins_with: {
            auto a = val(0), p = val(1);
            if (!a || !p || type_of(*a) != type_of(*p)) return false;
            if (type_of(*a) == "S")
                return payload(*a).get<std::string>().rfind(payload(*p).get<std::string>(), 0) == 0;
            if (type_of(*a) == "B") return bytes_of(*a).rfind(bytes_of(*p), 0) == 0;
            return false;
        }
        case K::contains: {
            auto a = val(0), p = val(1);
            if (!a || !p) return false;
            std::string ta = type_of(*a), tp = type_of(*p);
            if (ta == "S" && tp == "S")
                return payload(*a).get<std::string>().find(payload(*p).get<std::string>()) !=
                       std::string::npos;
            if (ta == "B" && tp == "B") return bytes_of(*a).find(bytes_of(*p)) != std::string::npos;
            if ((ta == "SS" || ta == "NS" || ta == "BS") && tp == ta.substr(0, 1))
                return set_contains(*a, tp, *p);
            if (ta == "L")
                for (auto& e : payload(*a))
                    if (values_equal(e, *p)) return true;
            return false;
        }
    }
    return false;
}

namespace {

json number(const Number& n) {
    return json{{"N", n.str()}};
}

// SET's right-hand side, evaluated against the item before the update.
json set_value(const Operand& o, const json& before, const json& values) {
    switch (o.kind) {
        case Operand::Kind::value:
            return value_ref(values, o.value);
        case Operand::Kind::path:
            if (auto* v = resolve(before, o.path)) return *v;
            throw validation(
                "The provided expression refers to an attribute that does not exist in the item");
        case Operand::Kind::if_not_exists:
            if (auto* v = resolve(before, o.args[0].path)) return *v;
            return set_value(o.args[1], before, values);
        case Operand::Kind::list_append: {
            json a = set_value(o.args[0], before, values);
            json b = set_value(o.args[1], before, values);
            if (type_of(a) != "L" || type_of(b) != "L")
                throw validation(
                    "Invalid UpdateExpression: Incorrect operand type for operator or function; "
                    "operator or function: list_append, operand type: " +
                    (type_of(a) != "L" ? type_of(a) : type_of(b)));
            json out = payload(a);
            for (auto& e : payload(b))
                out.push_back(e);
            return json{{"L", out}};
        }
        case Operand::Kind::plus:
        case Operand::Kind::minus: {
            json a = set_value(o.args[0], before, values);
            json b = set_value(o.args[1], before, values);
            const char* op = o.kind == Operand::Kind::plus ? "+" : "-";
            for (auto* v : {&a, &b})
                if (type_of(*v) != "N")
                    throw validation(
                        std::string("Invalid UpdateExpression: Incorrect operand type for "
                                    "operator or function; operator or function: ") +
                        op + ", operand type: " + type_of(*v));
            Number x = Number::parse(payload(a).get<std::string>());
            Number y = Number::parse(payload(b).get<std::string>());
            return number(o.kind == Operand::Kind::plus ? x + y : x - y);
        }
        case Operand::Kind::size:
            break;
    }
    throw validation("Invalid UpdateExpression: unsupported operand");
}

AwsError bad_path() {
    return validation("The document path provided in the update expression is invalid for update");
}

// The container that holds the last step of `path`, creating nothing. nullptr if absent.
json* parent_of(json& item, const Path& path) {
    if (path.size() == 1) return &item;
    Path up(path.begin(), path.end() - 1);
    auto* p = const_cast<json*>(resolve(item, up));
    if (!p) return nullptr;
    return &p->begin().value();  // the M's map or the L's array
}

void set_at(json& item, const Path& path, json value) {
    json* parent = parent_of(item, path);
    if (!parent) throw bad_path();
    const auto& last = path.back();
    if (path.size() == 1) {
        (*parent)[last.name] = std::move(value);
    } else if (last.index >= 0) {
        if (!parent->is_array()) throw bad_path();
        auto i = static_cast<size_t>(last.index);
        if (i < parent->size())
            (*parent)[i] = std::move(value);
        else
            parent->push_back(std::move(value));  // past the end appends, as DynamoDB does
    } else {
        if (!parent->is_object()) throw bad_path();
        (*parent)[last.name] = std::move(value);
    }
}

void remove_at(json& item, const Path& path) {
    json* parent = parent_of(item, path);
    if (!parent) return;
    const auto& last = path.back();
    if (last.index >= 0) {
        if (parent->is_array() && static_cast<size_t>(last.index) < parent->size())
            parent->erase(static_cast<size_t>(last.index));
    } else if (parent->is_object()) {
        parent->erase(last.name);
    }
}

json set_union(const json& a, const json& b) {
    json out = payload(a);
    std::string elem = type_of(a).substr(0, 1);
    for (auto& e : payload(b))
        if (!set_contains(a, elem, json{{elem, e}})) out.push_back(e);
    return json{{type_of(a), out}};
}

}  // namespace

void apply_update(json& item, const std::vector<UpdateAction>& actions, const json& values) {
    const json before = item;
    // Right-hand sides first, all against the old item; then the writes.
    std::vector<json> computed;
    for (auto& a : actions)
        computed.push_back(a.kind == UpdateAction::Kind::set ? set_value(a.value, before, values)
                           : a.kind == UpdateAction::Kind::remove
                               ? json()
                               : value_ref(values, a.value.value));
    // REMOVEs of list elements go from the highest index down so earlier ones don't shift them.
    std::vector<size_t> order(actions.size());
    for (size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) {
        const auto& a = actions[x];
        const auto& b = actions[y];
        bool ra = a.kind == UpdateAction::Kind::remove, rb = b.kind == UpdateAction::Kind::remove;
        if (ra != rb) return rb;  // removes last
        return ra && a.path.back().index > b.path.back().index;
    });
    for (size_t i : order) {
        const auto& a = actions[i];
        json& v = computed[i];
        switch (a.kind) {
            case UpdateAction::Kind::set:
                set_at(item, a.path, std::move(v));
                break;
            case UpdateAction::Kind::remove:
                remove_at(item, a.path);
                break;
            case UpdateAction::Kind::add: {
                std::string t = type_of(v);
                const json* cur = resolve(item, a.path);
                if (t == "N") {
                    if (cur && type_of(*cur) != "N")
                        throw validation(
                            "An operand in the update expression has an incorrect "
                            "data type");
                    Number sum = Number::parse(payload(v).get<std::string>());
                    if (cur) sum = Number::parse(payload(*cur).get<std::string>()) + sum;
                    set_at(item, a.path, number(sum));
                } else if (t == "SS" || t == "NS" || t == "BS") {
                    if (cur && type_of(*cur) != t)
                        throw validation(
                            "An operand in the update expression has an incorrect "
                            "data type");
                    set_at(item, a.path, cur ? set_union(*cur, v) : v);
                } else {
                    throw validation(
                        "Invalid UpdateExpression: Incorrect operand type for operator or "
                        "function; operator: ADD, operand type: " +
                        t);
                }
                break;
            }
            case UpdateAction::Kind::del: {
                std::string t = type_of(v);
                if (t != "SS" && t != "NS" && t != "BS")
                    throw validation(
                        "Invalid UpdateExpression: Incorrect operand type for operator or "
                        "function; operator: DELETE, operand type: " +
                        t);
                const json* cur = resolve(item, a.path);
                if (!cur) break;
                if (type_of(*cur) != t)
                    throw validation(
                        "An operand in the update expression has an incorrect data "
                        "type");
                json kept = json::array();
                std::string elem = t.substr(0, 1);
                for (auto& e : payload(*cur))
                    if (!set_contains(v, elem, json{{elem, e}})) kept.push_back(e);
                if (kept.empty())
                    remove_at(item, a.path);  // sets can't be empty: the attribute goes
                else
                    set_at(item, a.path, json{{t, kept}});
                break;
            }
        }
    }
}

json project(const json& item, const std::vector<Path>& paths) {
    json out = json::object();
    for (auto& p : paths) {
        const json* v = resolve(item, p);
        if (!v) continue;
        // Rebuild the path's containers in `out`, then place the value.
        json* cur = &out;
        const json* src = &item;
        for (size_t i = 0; i < p.size(); ++i) {
            const auto& step = p[i];
            bool last = i + 1 == p.size();
            if (i == 0) {
                src = &item.at(step.name);
                if (last) {
                    (*cur)[step.name] = *v;
                    break;
                }
                if (!cur->contains(step.name))
                    (*cur)[step.name] = json{
                        {type_of(*src), type_of(*src) == "L" ? json::array() : json::object()}};
                cur = &(*cur)[step.name];
                continue;
            }
            json& inner = cur->begin().value();
            if (step.index >= 0) {
                src = &payload(*src)[static_cast<size_t>(step.index)];
                if (last) {
                    inner.push_back(*v);
                    break;
                }
                inner.push_back(
                    json{{type_of(*src), type_of(*src) == "L" ? json::array() : json::object()}});
                cur = &inner.back();
            } else {
                src = &payload(*src).at(step.name);
                if (last) {
                    inner[step.name] = *v;
                    break;
                }
                if (!inner.contains(step.name))
                    inner[step.name] = json{
                        {type_of(*src), type_of(*src) == "L" ? json::array() : json::object()}};
                cur = &inner[step.name];
            }
        }
    }
    return out;
}

}  // namespace fogbank::dynamodb
