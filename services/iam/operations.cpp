#include <regex>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "emulator/json_limits.hpp"
#include "emulator/protocol/aws_query.hpp"
#include "services/iam/iam_service.hpp"

namespace fogbank::iam {

namespace {

constexpr std::string_view kIamNamespace = "https://iam.amazonaws.com/doc/2010-05-08/";

using aws_query::add;

AwsError validation(const std::string& message) {
    return AwsError("ValidationError", message, 400);
}

AwsError no_such_entity(const std::string& message) {
    return AwsError("NoSuchEntity", message, 404);
}

const std::string& required(const Params& p, const char* name, const char* wire) {
    auto it = p.find(name);
    if (it == p.end())
        throw validation(std::string("1 validation error detected: Value null at '") + wire +
                         "' failed to satisfy constraint: Member must not be null");
    return it->second;
}

std::string optional(const Params& p, const char* name, std::string fallback = {}) {
    auto it = p.find(name);
    return it == p.end() ? fallback : it->second;
}

void check_name(const std::string& value, const char* wire, size_t max) {
    static const std::regex pattern(R"(^[\w+=,.@-]+$)");
    if (value.empty() || value.size() > max || !std::regex_match(value, pattern))
        throw validation("1 validation error detected: Value '" + value + "' at '" + wire +
                         "' failed to satisfy constraint: Member must satisfy regular expression "
                         "pattern: [\\w+=,.@-]+");
}

std::string checked_path(const Params& p) {
    std::string path = optional(p, "Path", "/");
    if (path.empty() || path.front() != '/' || path.back() != '/' || path.size() > 512)
        throw validation(
            "The specified value for path is invalid. It must begin and end with / "
            "and contain only alphanumeric characters and/or / characters.");
    return path;
}

std::string checked_policy(const std::string& document) {
    auto j = fogbank::parse_json(document);
    if (j.is_discarded() || !j.is_object())
        throw AwsError("MalformedPolicyDocument", "This policy contains invalid Json", 400);
    if (!j.contains("Statement"))
        throw AwsError("MalformedPolicyDocument", "Syntax errors in policy.", 400);
    return document;
}

std::string unique_id(const char* prefix) {
    return prefix + random_id("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 17);
}

std::string timestamp() {
    std::string t = format_iso8601_ms(now_ms());
    return t.substr(0, 19) + "Z";
}

// Tags.member.N.Key / Tags.member.N.Value
json tags_of(const Params& p) {
    std::map<int, json> by_index;
    for (auto& [k, v] : p) {
        static const std::regex pattern(R"(^Tags\.member\.(\d+)\.(Key|Value)$)");
        std::smatch m;
        if (std::regex_match(k, m, pattern)) by_index[std::stoi(m[1])][m[2].str()] = v;
    }
    json out = json::array();
    for (auto& [i, t] : by_index)
        out.push_back(t);
    if (out.size() > 50)
        throw AwsError("LimitExceeded", "Cannot exceed quota for TagsPerRole: 50", 409);
    return out;
}

void write_tags(pugi::xml_node parent, const json& tags) {
    auto node = parent.append_child("Tags");
    for (auto& t : tags) {
        auto m = node.append_child("member");
        add(m, "Key", t.value("Key", ""));
        add(m, "Value", t.value("Value", ""));
    }
}

// <Role> in GetRole/CreateRole, <member> in ListRoles: the same fields.
void write_role(pugi::xml_node parent, const json& r, bool full, const char* name = "Role") {
    auto node = parent.append_child(name);
    add(node, "Path", r["Path"].get<std::string>());
    add(node, "RoleName", r["RoleName"].get<std::string>());
    add(node, "RoleId", r["RoleId"].get<std::string>());
    add(node, "Arn", r["Arn"].get<std::string>());
    add(node, "CreateDate", r["CreateDate"].get<std::string>());
    // IAM returns policy documents URL-encoded; SDKs decode them.
    add(node, "AssumeRolePolicyDocument",
        uri_encode(r["AssumeRolePolicyDocument"].get<std::string>()));
    if (!r.value("Description", "").empty())
        add(node, "Description", r["Description"].get<std::string>());
    add(node, "MaxSessionDuration", std::to_string(r.value("MaxSessionDuration", 3600)));
    if (full) {
        if (!r["Tags"].empty()) write_tags(node, r["Tags"]);
        node.append_child("RoleLastUsed");
    }
}

void write_policy(pugi::xml_node parent, const json& p, const char* name = "Policy") {
    auto node = parent.append_child(name);
    add(node, "PolicyName", p["PolicyName"].get<std::string>());
    add(node, "PolicyId", p["PolicyId"].get<std::string>());
    add(node, "Arn", p["Arn"].get<std::string>());
    add(node, "Path", p["Path"].get<std::string>());
    add(node, "DefaultVersionId", "v1");
    add(node, "AttachmentCount", std::to_string(p.value("AttachmentCount", 0)));
    add(node, "PermissionsBoundaryUsageCount", "0");
    add(node, "IsAttachable", "true");
    if (!p.value("Description", "").empty())
        add(node, "Description", p["Description"].get<std::string>());
    add(node, "CreateDate", p["CreateDate"].get<std::string>());
    add(node, "UpdateDate", p["CreateDate"].get<std::string>());
}

// Marker/MaxItems paging over names in order.
template <typename Map, typename Write>
void page(const Params& p, const Map& items, pugi::xml_node result, const char* list_name,
          Write write) {
    int max = 100;
    if (auto m = optional(p, "MaxItems"); !m.empty()) {
        try {
            max = std::stoi(m);
        } catch (...) {
            max = 0;
        }
        if (max < 1 || max > 1000)
            throw validation("1 validation error detected: Value '" + m +
                             "' at 'maxItems' failed to satisfy constraint: Member must have "
                             "value between 1 and 1000");
    }
    std::string marker = optional(p, "Marker");
    auto list = result.append_child(list_name);
    int n = 0;
    std::string last;
    bool truncated = false;
    for (auto& [key, item] : items) {
        if (!marker.empty() && key <= marker) continue;
        if (n == max) {
            truncated = true;
            break;
        }
        if (!write(list, item)) continue;
        last = key;
        ++n;
    }
    add(result, "IsTruncated", truncated ? "true" : "false");
    if (truncated) add(result, "Marker", last);
}

}  // namespace

IamService::IamService(Database& db) : db_(db) {
    std::lock_guard lock(db_.mutex());
    db_.exec(
        "CREATE TABLE IF NOT EXISTS iam_entities (account TEXT NOT NULL, kind TEXT NOT NULL, "
        "id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (account, kind, id))");
    auto s = db_.prepare("SELECT account, kind, id, doc FROM iam_entities");
    while (s.step()) {
        auto& e = accounts_[s.text(0)];
        (s.text(1) == "role" ? e.roles : e.policies)[s.text(2)] = json::parse(s.text(3));
    }
}

void IamService::reset() {
    std::lock_guard lock(mu_);
    accounts_.clear();
    std::lock_guard dblock(db_.mutex());
    db_.exec("DELETE FROM iam_entities");
}

void IamService::save_role(const std::string& account, const json& role) {
    std::lock_guard dblock(db_.mutex());
    db_.prepare(
           "INSERT OR REPLACE INTO iam_entities (account, kind, id, doc) VALUES (?, 'role', ?, ?)")
        .bind_all(account, role["RoleName"].get<std::string>(), role.dump())
        .run();
}

void IamService::save_policy(const std::string& account, const json& policy) {
    std::lock_guard dblock(db_.mutex());
    db_.prepare(
           "INSERT OR REPLACE INTO iam_entities (account, kind, id, doc) VALUES (?, 'policy', ?, "
           "?)")
        .bind_all(account, policy["Arn"].get<std::string>(), policy.dump())
        .run();
}

const std::map<std::string, IamService::Handler, std::less<>>& IamService::handlers() {
    static const std::map<std::string, Handler, std::less<>> table = {
        {"CreateRole", &IamService::create_role},
        {"GetRole", &IamService::get_role},
        {"ListRoles", &IamService::list_roles},
        {"DeleteRole", &IamService::delete_role},
        {"UpdateRole", &IamService::update_role},
        {"UpdateAssumeRolePolicy", &IamService::update_assume_role_policy},
        {"PutRolePolicy", &IamService::put_role_policy},
        {"GetRolePolicy", &IamService::get_role_policy},
        {"DeleteRolePolicy", &IamService::delete_role_policy},
        {"ListRolePolicies", &IamService::list_role_policies},
        {"AttachRolePolicy", &IamService::attach_role_policy},
        {"DetachRolePolicy", &IamService::detach_role_policy},
        {"ListAttachedRolePolicies", &IamService::list_attached_role_policies},
        {"CreatePolicy", &IamService::create_policy},
        {"GetPolicy", &IamService::get_policy},
        {"DeletePolicy", &IamService::delete_policy},
        {"ListPolicies", &IamService::list_policies},
        {"TagRole", &IamService::tag_role},
        {"ListRoleTags", &IamService::list_role_tags},
    };
    return table;
}

Response IamService::handle(Request& req) {
    Params p = aws_query::params(req);
    aws_query::require_utf8(p);
    std::string action = optional(p, "Action");
    req.operation = action;
    auto it = handlers().find(action);
    if (it == handlers().end())
        throw AwsError("InvalidAction",
                       "Could not find operation " + action + " for version 2010-05-08", 400);
    aws_query::ResultDocument doc(action, kIamNamespace, req.request_id);
    {
        std::lock_guard lock(mu_);
        (this->*(it->second))(req.account, p, doc.result);
    }
    // Operations with nothing to return answer an empty <ActionResponse>.
    if (!doc.result.first_child()) doc.result.parent().remove_child(doc.result);
    return doc.response();
}

Response IamService::error_response(const AwsError& err, const RequestHead& head) const {
    return aws_query::error_response(err, err.code(), head, kIamNamespace);
}

json& IamService::role(const std::string& account, const Params& p) {
    const std::string& name = required(p, "RoleName", "roleName");
    auto& roles = accounts_[account].roles;
    auto it = roles.find(name);
    if (it == roles.end()) throw no_such_entity("The role with name " + name + " cannot be found.");
    return it->second;
}

void IamService::create_role(const std::string& account, const Params& p, pugi::xml_node result) {
    const std::string& name = required(p, "RoleName", "roleName");
    check_name(name, "roleName", 64);
    std::string document =
        checked_policy(required(p, "AssumeRolePolicyDocument", "assumeRolePolicyDocument"));
    std::string path = checked_path(p);
    int max_session = 3600;
    if (auto m = optional(p, "MaxSessionDuration"); !m.empty()) {
        try {
            max_session = std::stoi(m);
        } catch (...) {
            max_session = 0;
        }
        if (max_session < 3600 || max_session > 43200)
            throw validation("1 validation error detected: Value '" + m +
                             "' at 'maxSessionDuration' failed to satisfy constraint: Member must "
                             "have value less than or equal to 43200");
    }
    auto& roles = accounts_[account].roles;
    if (roles.count(name))
        throw AwsError("EntityAlreadyExists", "Role with name " + name + " already exists.", 409);
    json r = {{"RoleName", name},
              {"Path", path},
              {"RoleId", unique_id("AROA")},
              {"Arn", "arn:aws:iam::" + account + ":role" + path + name},
              {"CreateDate", timestamp()},
              {"AssumeRolePolicyDocument", document},
              {"Description", optional(p, "Description")},
              {"MaxSessionDuration", max_session},
              {"Tags", tags_of(p)},
              {"InlinePolicies", json::object()},
              {"AttachedPolicies", json::array()}};
    roles[name] = r;
    save_role(account, r);
    write_role(result, r, true);
}

void IamService::get_role(const std::string& account, const Params& p, pugi::xml_node result) {
    write_role(result, role(account, p), true);
}

void IamService::list_roles(const std::string& account, const Params& p, pugi::xml_node result) {
    std::string prefix = optional(p, "PathPrefix", "/");
    page(p, accounts_[account].roles, result, "Roles", [&](pugi::xml_node list, const json& r) {
        if (r["Path"].get<std::string>().rfind(prefix, 0) != 0) return false;
        write_role(list, r, false, "member");
        return true;
    });
}

void IamService::delete_role(const std::string& account, const Params& p, pugi::xml_node) {
    json& r = role(account, p);
    if (!r["AttachedPolicies"].empty())
        throw AwsError("DeleteConflict", "Cannot delete entity, must detach all policies first.",
                       409);
    if (!r["InlinePolicies"].empty())
        throw AwsError("DeleteConflict", "Cannot delete entity, must delete policies first.", 409);
    std::string name = r["RoleName"];
    accounts_[account].roles.erase(name);
    std::lock_guard dblock(db_.mutex());
    db_.prepare("DELETE FROM iam_entities WHERE account=? AND kind='role' AND id=?")
        .bind_all(account, name)
        .run();
}

void IamService::update_role(const std::string& account, const Params& p, pugi::xml_node) {
    json& r = role(account, p);
    if (p.count("Description")) r["Description"] = p.at("Description");
    if (p.count("MaxSessionDuration"))
        r["MaxSessionDuration"] = std::stoi(p.at("MaxSessionDuration"));
    save_role(account, r);
}

void IamService::update_assume_role_policy(const std::string& account, const Params& p,
                                           pugi::xml_node) {
    json& r = role(account, p);
    r["AssumeRolePolicyDocument"] = checked_policy(required(p, "PolicyDocument", "policyDocument"));
    save_role(account, r);
}

void IamService::put_role_policy(const std::string& account, const Params& p, pugi::xml_node) {
    json& r = role(account, p);
    const std::string& name = required(p, "PolicyName", "policyName");
    check_name(name, "policyName", 128);
    r["InlinePolicies"][name] = checked_policy(required(p, "PolicyDocument", "policyDocument"));
    save_role(account, r);
}

void IamService::get_role_policy(const std::string& account, const Params& p,
                                 pugi::xml_node result) {
    json& r = role(account, p);
    const std::string& name = required(p, "PolicyName", "policyName");
    if (!r["InlinePolicies"].contains(name))
        throw no_such_entity("The role policy with name " + name + " cannot be found.");
    add(result, "RoleName", r["RoleName"].get<std::string>());
    add(result, "PolicyName", name);
    add(result, "PolicyDocument", uri_encode(r["InlinePolicies"][name].get<std::string>()));
}

void IamService::delete_role_policy(const std::string& account, const Params& p, pugi::xml_node) {
    json& r = role(account, p);
    const std::string& name = required(p, "PolicyName", "policyName");
    if (!r["InlinePolicies"].contains(name))
        throw no_such_entity("The role policy with name " + name + " cannot be found.");
    r["InlinePolicies"].erase(name);
    save_role(account, r);
}

void IamService::list_role_policies(const std::string& account, const Params& p,
                                    pugi::xml_node result) {
    json& r = role(account, p);
    std::map<std::string, json> names;
    for (auto& [k, v] : r["InlinePolicies"].items())
        names[k] = k;
    page(p, names, result, "PolicyNames", [](pugi::xml_node list, const json& n) {
        add(list, "member", n.get<std::string>());
        return true;
    });
}

void IamService::attach_role_policy(const std::string& account, const Params& p, pugi::xml_node) {
    json& r = role(account, p);
    const std::string& arn = required(p, "PolicyArn", "policyArn");
    static const std::regex pattern(R"(^arn:aws[a-z-]*:iam::(aws|\d{12}):policy/[\w+=,.@/-]+$)");
    if (!std::regex_match(arn, pattern))
        throw AwsError("InvalidInput", "ARN " + arn + " is not valid.", 400);
    // AWS managed policies exist everywhere; customer managed ones must have been created.
    bool aws_managed = arn.find(":iam::aws:policy/") != std::string::npos;
    auto& policies = accounts_[account].policies;
    if (!aws_managed && !policies.count(arn))
        throw no_such_entity("Policy " + arn + " does not exist or is not attachable.");
    for (auto& a : r["AttachedPolicies"])
        if (a == arn) return;
    r["AttachedPolicies"].push_back(arn);
    save_role(account, r);
    if (!aws_managed) {
        auto& pol = policies[arn];
        pol["AttachmentCount"] = pol.value("AttachmentCount", 0) + 1;
        save_policy(account, pol);
    }
}

void IamService::detach_role_policy(const std::string& account, const Params& p, pugi::xml_node) {
    json& r = role(account, p);
    const std::string& arn = required(p, "PolicyArn", "policyArn");
    auto& list = r["AttachedPolicies"];
    for (auto it = list.begin(); it != list.end(); ++it)
        if (*it == arn) {
            list.erase(it);
            save_role(account, r);
            auto& policies = accounts_[account].policies;
            if (auto pit = policies.find(arn); pit != policies.end()) {
                pit->second["AttachmentCount"] =
                    std::max(0, pit->second.value("AttachmentCount", 0) - 1);
                save_policy(account, pit->second);
            }
            return;
        }
    throw no_such_entity("Policy " + arn + " was not found.");
}

void IamService::list_attached_role_policies(const std::string& account, const Params& p,
                                             pugi::xml_node result) {
    json& r = role(account, p);
    std::map<std::string, json> attached;
    for (auto& a : r["AttachedPolicies"])
        attached[a.get<std::string>()] = a;
    page(p, attached, result, "AttachedPolicies", [](pugi::xml_node list, const json& a) {
        std::string arn = a;
        auto m = list.append_child("member");
        add(m, "PolicyName", arn.substr(arn.rfind('/') + 1));
        add(m, "PolicyArn", arn);
        return true;
    });
}

void IamService::create_policy(const std::string& account, const Params& p, pugi::xml_node result) {
    const std::string& name = required(p, "PolicyName", "policyName");
    check_name(name, "policyName", 128);
    std::string document = checked_policy(required(p, "PolicyDocument", "policyDocument"));
    std::string path = checked_path(p);
    std::string arn = "arn:aws:iam::" + account + ":policy" + path + name;
    auto& policies = accounts_[account].policies;
    if (policies.count(arn))
        throw AwsError(
            "EntityAlreadyExists",
            "A policy called " + name + " already exists. Duplicate names are not allowed.", 409);
    json pol = {{"PolicyName", name},
                {"PolicyId", unique_id("ANPA")},
                {"Arn", arn},
                {"Path", path},
                {"Description", optional(p, "Description")},
                {"CreateDate", timestamp()},
                {"Document", document},
                {"AttachmentCount", 0}};
    policies[arn] = pol;
    save_policy(account, pol);
    write_policy(result, pol);
}

void IamService::get_policy(const std::string& account, const Params& p, pugi::xml_node result) {
    const std::string& arn = required(p, "PolicyArn", "policyArn");
    auto& policies = accounts_[account].policies;
    auto it = policies.find(arn);
    if (it == policies.end()) throw no_such_entity("Policy " + arn + " was not found.");
    write_policy(result, it->second);
}

void IamService::delete_policy(const std::string& account, const Params& p, pugi::xml_node) {
    const std::string& arn = required(p, "PolicyArn", "policyArn");
    auto& policies = accounts_[account].policies;
    auto it = policies.find(arn);
    if (it == policies.end()) throw no_such_entity("Policy " + arn + " was not found.");
    if (it->second.value("AttachmentCount", 0) > 0)
        throw AwsError("DeleteConflict", "Cannot delete a policy attached to entities.", 409);
    policies.erase(it);
    std::lock_guard dblock(db_.mutex());
    db_.prepare("DELETE FROM iam_entities WHERE account=? AND kind='policy' AND id=?")
        .bind_all(account, arn)
        .run();
}

void IamService::list_policies(const std::string& account, const Params& p, pugi::xml_node result) {
    std::string scope = optional(p, "Scope", "All");
    // fogbank knows no AWS managed policies by content, so only the account's own are listed.
    page(p, accounts_[account].policies, result, "Policies",
         [&](pugi::xml_node list, const json& pol) {
             if (scope == "AWS") return false;
             write_policy(list, pol, "member");
             return true;
         });
}

void IamService::tag_role(const std::string& account, const Params& p, pugi::xml_node) {
    json& r = role(account, p);
    for (auto& t : tags_of(p)) {
        bool replaced = false;
        for (auto& existing : r["Tags"])
            if (existing["Key"] == t["Key"]) {
                existing["Value"] = t["Value"];
                replaced = true;
            }
        if (!replaced) r["Tags"].push_back(t);
    }
    save_role(account, r);
}

void IamService::list_role_tags(const std::string& account, const Params& p,
                                pugi::xml_node result) {
    json& r = role(account, p);
    auto node = result.append_child("Tags");
    for (auto& t : r["Tags"]) {
        auto m = node.append_child("member");
        add(m, "Key", t.value("Key", ""));
        add(m, "Value", t.value("Value", ""));
    }
    add(result, "IsTruncated", "false");
}

}  // namespace fogbank::iam
