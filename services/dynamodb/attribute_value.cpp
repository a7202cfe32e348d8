#include "services/dynamodb/attribute_value.hpp"

#include <algorithm>
#include <set>

#include "emulator/aws_error.hpp"
#include "emulator/encoding.hpp"
#include "services/dynamodb/errors.hpp"
#include "services/dynamodb/number.hpp"

namespace fogbank::dynamodb {

namespace {

const std::set<std::string> kAttributeTypes = {"S", "N", "B",  "BOOL", "NULL",
                                               "M", "L", "SS", "NS",   "BS"};

std::string set_name(const std::string& t) {
    return t == "SS" ? "string" : t == "NS" ? "number" : "binary";
}

// DynamoDB's limit on an attribute name, at the top level or as a map key.
constexpr size_t kMaxNameBytes = 65535;

void check_name_size(const std::string& name) {
    if (name.size() > kMaxNameBytes)
        throw validation(
            "One or more parameter values were invalid: Attribute name is too large, must be "
            "less than 65536 bytes");
}

AwsError too_deep() {
    return validation(
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested "
        "levels beyond supported limit");
}

// The deepest level inside `v`, which sits at `level`; stops once past the limit.
int deepest(const json& v, int level) {
    if (level > kMaxNestingLevels || !v.is_object() || v.size() != 1) return level;
    const std::string& t = v.begin().key();
    const json& p = v.begin().value();
    int out = level;
    if (t == "L" && p.is_array()) {
        for (auto& e : p)
            if ((out = std::max(out, deepest(e, level + 1))) > kMaxNestingLevels) break;
    } else if (t == "M" && p.is_object()) {
        for (auto& [_, e] : p.items())
            if ((out = std::max(out, deepest(e, level + 1))) > kMaxNestingLevels) break;
    }
    return out;
}

void validate_at(json& v, int level);

size_t value_size(const json& v) {
    const std::string& t = v.begin().key();
    const json& p = v.begin().value();
    if (t == "S") return p.get_ref<const std::string&>().size();
    if (t == "N") return Number::parse(p.get<std::string>()).storage_size();
    if (t == "B") return base64_decode(p.get<std::string>()).value_or("").size();
    if (t == "BOOL" || t == "NULL") return 1;
    size_t n = 0;
    if (t == "SS")
        for (auto& e : p)
            n += e.get_ref<const std::string&>().size();
    else if (t == "NS")
        for (auto& e : p)
            n += Number::parse(e.get<std::string>()).storage_size();
    else if (t == "BS")
        for (auto& e : p)
            n += base64_decode(e.get<std::string>()).value_or("").size();
    else if (t == "L") {
        n = 3;
        for (auto& e : p)
            n += value_size(e) + 1;
    } else if (t == "M") {
        n = 3;
        for (auto& [k, e] : p.items())
            n += k.size() + value_size(e) + 1;
    }
    return n;
}

}  // namespace

void validate_value(json& v) {
    validate_at(v, 1);
}

namespace {

void validate_at(json& v, int level) {
    if (level > kMaxNestingLevels) throw too_deep();
    if (!v.is_object() || v.empty())
        throw validation(
            "Supplied AttributeValue is empty, must contain exactly one of the supported "
            "datatypes");
    if (v.size() > 1)
        throw validation(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
            "the supported datatypes");
    const std::string t = v.begin().key();
    json& p = v.begin().value();
    if (!kAttributeTypes.count(t))
        throw validation("Supplied AttributeValue has an unknown datatype: " + t);
    auto expect_string = [&](const json& x) {
        if (!x.is_string())
            throw validation("Supplied AttributeValue of type " + t + " must be a string");
    };
    if (t == "S") {
        expect_string(p);
    } else if (t == "N") {
        expect_string(p);
        p = Number::parse(p.get<std::string>()).str();
    } else if (t == "B") {
        expect_string(p);
        if (!base64_decode(p.get<std::string>()))
            throw validation("Supplied AttributeValue of type B is not valid base64");
    } else if (t == "BOOL") {
        if (!p.is_boolean())
            throw validation("Supplied AttributeValue of type BOOL must be true or false");
    } else if (t == "NULL") {
        if (!p.is_boolean() || !p.get<bool>())
            throw validation(
                "One or more parameter values were invalid: Null attribute value types must have "
                "the value of true");
    } else if (t == "L") {
        if (!p.is_array()) throw validation("Supplied AttributeValue of type L must be a list");
        for (auto& e : p)
            validate_at(e, level + 1);
    } else if (t == "M") {
        if (!p.is_object()) throw validation("Supplied AttributeValue of type M must be a map");
        for (auto& [k, e] : p.items()) {
            check_name_size(k);
            validate_at(e, level + 1);
        }
    } else {  // sets
        if (!p.is_array())
            throw validation("Supplied AttributeValue of type " + t + " must be a list");
        if (p.empty())
            throw validation("One or more parameter values were invalid: An " + set_name(t) +
                             " set  may not be empty");
        // Every member is a string before any is compared: the duplicates message lists them
        // all (a fuzzed set with an object after a duplicate threw from that list).
        for (auto& e : p)
            expect_string(e);
        std::set<std::string> seen;
        for (auto& e : p) {
            std::string canonical = e.get<std::string>();
            if (t == "NS") {
                canonical = Number::parse(canonical).str();
                e = canonical;
            } else if (t == "BS") {
                auto bytes = base64_decode(canonical);
                if (!bytes)
                    throw validation("Supplied AttributeValue of type BS is not valid base64");
                canonical = *bytes;
            }
            if (!seen.insert(canonical).second) {
                std::string list;
                for (auto& x : p)
                    list += (list.empty() ? "" : ", ") + x.get<std::string>();
                throw validation("One or more parameter values were invalid: Input collection [" +
                                 list + "] contains duplicates.");
            }
        }
    }
}

}  // namespace

void check_nesting(const json& item) {
    for (auto& [_, v] : item.items())
        if (deepest(v, 1) > kMaxNestingLevels) throw too_deep();
}

void validate_item(json& item) {
    if (!item.is_object())
        throw validation("One or more parameter values were invalid: Item must be a map");
    for (auto& [name, v] : item.items()) {
        if (name.empty())
            throw validation(
                "One or more parameter values were invalid: An attribute name can not be empty");
        check_name_size(name);
        validate_value(v);
    }
}

size_t item_size(const json& item) {
    size_t n = 0;
    for (auto& [name, v] : item.items())
        n += name.size() + value_size(v);
    return n;
}

std::string sort_key(const json& v) {
    const std::string& t = v.begin().key();
    const std::string& p = v.begin().value().get_ref<const std::string&>();
    if (t == "N") return Number::parse(p).sort_key();
    if (t == "B") return base64_decode(p).value_or("");
    return p;
}

}  // namespace fogbank::dynamodb
