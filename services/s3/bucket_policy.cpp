#include "services/s3/bucket_policy.hpp"

#include "emulator/aws_error.hpp"
#include "emulator/encoding.hpp"
#include "emulator/json_limits.hpp"
#include "services/s3/handlers.hpp"

namespace fogbank::s3 {

namespace {

using json = nlohmann::json;

// S3 keeps bucket policies to 20 KB.
constexpr size_t kMaxPolicySize = 20 * 1024;
constexpr size_t kMaxPolicyDepth = 16;

AwsError malformed_policy(const std::string& message) {
    return AwsError("MalformedPolicy", message, 400);
}

// A policy field that is one string or a list of strings.
std::vector<std::string> strings(const json& v, const char* invalid) {
    std::vector<std::string> out;
    if (v.is_string()) {
        out.push_back(v.get<std::string>());
    } else if (v.is_array() && !v.empty()) {
        for (auto& e : v) {
            if (!e.is_string()) throw malformed_policy(invalid);
            out.push_back(e.get<std::string>());
        }
    } else {
        throw malformed_policy(invalid);
    }
    return out;
}

// IAM's wildcards: '*' any run, '?' any one character. Greedy with one backtrack point, so
// linear in practice and never recursive.
bool glob(std::string_view pattern, std::string_view value, bool case_insensitive) {
    auto eq = [&](char a, char b) {
        return case_insensitive ? std::tolower(static_cast<unsigned char>(a)) ==
                                      std::tolower(static_cast<unsigned char>(b))
                                : a == b;
    };
    size_t p = 0, v = 0, star = std::string_view::npos, mark = 0;
    while (v < value.size()) {
        if (p < pattern.size() && (pattern[p] == '?' || eq(pattern[p], value[v]))) {
            ++p;
            ++v;
        } else if (p < pattern.size() && pattern[p] == '*') {
            star = p++;
            mark = v;
        } else if (star != std::string_view::npos) {
            p = star + 1;
            v = ++mark;
        } else {
            return false;
        }
    }
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

bool any_glob(const std::vector<std::string>& patterns, std::string_view value, bool ci) {
    for (auto& p : patterns)
        if (glob(p, value, ci)) return true;
    return false;
}

// "*", {"AWS": "*"} or {"AWS": [..., "*"]}.
bool names_everyone(const json& principal) {
    if (principal.is_string()) return principal == "*";
    if (!principal.is_object() || !principal.contains("AWS")) return false;
    auto& aws = principal["AWS"];
    if (aws.is_string()) return aws == "*";
    if (aws.is_array())
        for (auto& a : aws)
            if (a == "*") return true;
    return false;
}

// An AWS principal naming `account`: its id, its root, or any of its users and roles.
bool names_account(const json& principal, const std::string& account) {
    if (!principal.is_object() || !principal.contains("AWS")) return false;
    auto matches = [&](const json& p) {
        if (!p.is_string()) return false;
        auto s = p.get<std::string>();
        if (s == account) return true;
        std::string prefix = "arn:aws:iam::" + account + ":";
        return s.compare(0, prefix.size(), prefix) == 0;
    };
    auto& aws = principal["AWS"];
    if (aws.is_array()) {
        for (auto& a : aws)
            if (matches(a)) return true;
        return false;
    }
    return matches(aws);
}

void check_statement(const json& st, const std::string& bucket) {
    if (!st.is_object()) throw malformed_policy("Statement is not well formed");
    for (auto& [k, v] : st.items()) {
        static const char* kFields[] = {"Sid",          "Effect",      "Principal",
                                        "NotPrincipal", "Action",      "NotAction",
                                        "Resource",     "NotResource", "Condition"};
        bool known = false;
        for (auto* f : kFields)
            known |= k == f;
        if (!known) throw malformed_policy("Unknown field " + k);
    }
    if (!st.contains("Effect")) throw malformed_policy("Missing required field Effect");
    const auto& effect = st["Effect"];
    if (effect != "Allow" && effect != "Deny")
        throw malformed_policy("Invalid effect: " +
                               (effect.is_string() ? effect.get<std::string>() : effect.dump()));
    if (!st.contains("Principal") && !st.contains("NotPrincipal"))
        throw malformed_policy("Missing required field Principal");
    const auto& principal = st.contains("Principal") ? st["Principal"] : st["NotPrincipal"];
    if (!(principal == "*" || (principal.is_object() && !principal.empty())))
        throw malformed_policy("Invalid principal in policy");
    for (auto& [kind, who] : principal.items()) {
        if (principal.is_string()) break;
        if (kind != "AWS" && kind != "Service" && kind != "CanonicalUser" && kind != "Federated")
            throw malformed_policy("Invalid principal in policy");
        strings(who, "Invalid principal in policy");
    }
    if (!st.contains("Action") && !st.contains("NotAction"))
        throw malformed_policy("Missing required field Action");
    for (auto& a : strings(st.contains("Action") ? st["Action"] : st["NotAction"],
                           "Policy has invalid action"))
        if (a != "*" && !(a.size() > 3 && iequals(std::string_view(a).substr(0, 3), "s3:")))
            throw malformed_policy("Policy has invalid action");
    if (!st.contains("Resource") && !st.contains("NotResource"))
        throw malformed_policy("Missing required field Resource");
    // Every resource must lie in this bucket: its ARN, or objects under it.
    std::string arn = "arn:aws:s3:::" + bucket;
    for (auto& r : strings(st.contains("Resource") ? st["Resource"] : st["NotResource"],
                           "Policy has invalid resource"))
        if (r != arn && r.compare(0, arn.size() + 1, arn + "/") != 0)
            throw malformed_policy("Policy has invalid resource");
    if (st.contains("Condition") && !st["Condition"].is_object())
        throw malformed_policy("Invalid Condition in policy");
}

bool statement_applies(const json& st, bool anonymous, const std::string& account,
                       std::string_view action, std::string_view resource, bool public_ignored) {
    // Conditions are not evaluated: a conditional statement is not applied.
    if (st.contains("Condition")) return false;
    if (!st.contains("Principal")) return false;  // NotPrincipal: not evaluated either
    const auto& principal = st["Principal"];
    bool everyone = names_everyone(principal);
    if (everyone && public_ignored && st["Effect"] == "Allow") return false;
    if (!everyone && (anonymous || !names_account(principal, account))) return false;
    bool action_match = st.contains("Action")
                            ? any_glob(strings(st["Action"], ""), action, true)
                            : !any_glob(strings(st["NotAction"], ""), action, true);
    if (!action_match) return false;
    return st.contains("Resource") ? any_glob(strings(st["Resource"], ""), resource, false)
                                   : !any_glob(strings(st["NotResource"], ""), resource, false);
}

std::vector<json> statements(const json& policy) {
    auto& s = policy["Statement"];
    if (s.is_array()) return s.get<std::vector<json>>();
    return {s};
}

}  // namespace

json parse_bucket_policy(std::string_view text, const std::string& bucket) {
    if (text.size() > kMaxPolicySize) throw malformed_policy("Policies must be no more than 20 KB");
    json policy = parse_json(text, kMaxPolicyDepth);
    if (policy.is_discarded() || !policy.is_object())
        throw malformed_policy("Policies must be valid JSON and the first byte must be '{'");
    for (auto& [k, v] : policy.items())
        if (k != "Version" && k != "Id" && k != "Statement")
            throw malformed_policy("Unknown field " + k);
    if (policy.contains("Version") && policy["Version"] != "2012-10-17" &&
        policy["Version"] != "2008-10-17")
        throw malformed_policy("Policy has an invalid version");
    if (!policy.contains("Statement")) throw malformed_policy("Missing required field Statement");
    auto& s = policy["Statement"];
    if (!(s.is_object() || (s.is_array() && !s.empty())))
        throw malformed_policy("Missing required field Statement");
    for (auto& st : statements(policy))
        check_statement(st, bucket);
    return policy;
}

bool policy_is_public(const json& policy) {
    for (auto& st : statements(policy))
        if (st["Effect"] == "Allow" && !st.contains("Condition") &&
            ((st.contains("Principal") && names_everyone(st["Principal"])) ||
             st.contains("NotPrincipal")))
            return true;
    return false;
}

PolicyDecision evaluate_policy(const json& policy, bool anonymous, const std::string& account,
                               std::string_view action, std::string_view resource,
                               bool public_ignored) {
    auto decision = PolicyDecision::none;
    for (auto& st : statements(policy)) {
        if (!statement_applies(st, anonymous, account, action, resource, public_ignored)) continue;
        if (st["Effect"] == "Deny") return PolicyDecision::deny;
        decision = PolicyDecision::allow;
    }
    return decision;
}

std::string policy_action(std::string_view op) {
    struct Alias {
        std::string_view operation, action;
    };
    static constexpr Alias kAliases[] = {
        {"HeadObject", "GetObject"},
        {"HeadBucket", "ListBucket"},
        {"ListObjects", "ListBucket"},
        {"ListObjectsV2", "ListBucket"},
        {"ListObjectVersions", "ListBucketVersions"},
        {"CopyObject", "PutObject"},
        {"PostObject", "PutObject"},
        {"CreateMultipartUpload", "PutObject"},
        {"UploadPart", "PutObject"},
        {"UploadPartCopy", "PutObject"},
        {"CompleteMultipartUpload", "PutObject"},
        {"ListParts", "ListMultipartUploadParts"},
        {"ListMultipartUploads", "ListBucketMultipartUploads"},
        {"DeleteObjects", "DeleteObject"},
        {"GetBucketPolicyStatus", "GetBucketPolicyStatus"},
        {"PutBucketLifecycleConfiguration", "PutLifecycleConfiguration"},
        {"GetBucketLifecycleConfiguration", "GetLifecycleConfiguration"},
        {"DeleteBucketLifecycle", "PutLifecycleConfiguration"},
        {"DeleteBucketPolicy", "DeleteBucketPolicy"},
        {"PutBucketNotificationConfiguration", "PutBucketNotification"},
        {"GetBucketNotificationConfiguration", "GetBucketNotification"},
        {"PutBucketCors", "PutBucketCORS"},
        {"GetBucketCors", "GetBucketCORS"},
        {"DeleteBucketCors", "PutBucketCORS"},
        {"GetObjectAttributes", "GetObjectAttributes"},
    };
    for (auto& a : kAliases)
        if (a.operation == op) return "s3:" + std::string(a.action);
    return "s3:" + std::string(op);
}

// --- handlers ---

Response put_bucket_policy(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    check_content_md5(req);
    verified_checksums(req);
    std::string text = req.body.text();
    auto policy = parse_bucket_policy(text, t.bucket);
    if (policy_is_public(policy) && public_access_setting(b, "BlockPublicPolicy"))
        throw AwsError("AccessDenied",
                       "User: arn:aws:iam::" + req.account +
                           ":root is not authorized to perform: s3:PutBucketPolicy on resource: "
                           "\"arn:aws:s3:::" +
                           t.bucket +
                           "\" because public policies are blocked by the BlockPublicPolicy "
                           "block public access setting.",
                       403);
    ctx.store.set_bucket_config(t.bucket, "policy", text);
    return empty(204);
}

AwsError no_such_bucket_policy(const std::string& bucket) {
    return AwsError("NoSuchBucketPolicy", "The bucket policy does not exist", 404)
        .with("BucketName", bucket);
}

Response get_bucket_policy(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    auto* doc = b.config("policy");
    if (!doc) throw no_such_bucket_policy(t.bucket);
    Response res;
    res.headers.set("Content-Type", "application/json");
    res.body = *doc;
    return res;
}

Response delete_bucket_policy(Context& ctx, Request& req, const Target& t) {
    require_bucket(ctx, req, t.bucket);
    ctx.store.set_bucket_config(t.bucket, "policy", std::nullopt);
    return empty(204);
}

Response get_bucket_policy_status(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    auto* doc = b.config("policy");
    if (!doc) throw no_such_bucket_policy(t.bucket);
    rest_xml::Document d("PolicyStatus");
    rest_xml::add(d.root, "IsPublic", policy_is_public(json::parse(*doc)) ? "true" : "false");
    return rest_xml::xml_response(d);
}

}  // namespace fogbank::s3
