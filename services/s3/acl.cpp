// Access control lists: parsing the three ways a request sets one (canned x-amz-acl,
// x-amz-grant-* headers, an AccessControlPolicy body), storing and answering them, and the
// grant check require_bucket makes for callers who do not own the bucket.
#include "services/s3/acl.hpp"

#include <nlohmann/json.hpp>

#include "emulator/encoding.hpp"
#include "services/s3/handlers.hpp"

namespace fogbank::s3 {

namespace {

constexpr const char* kAllUsers = "http://acs.amazonaws.com/groups/global/AllUsers";
constexpr const char* kAuthenticatedUsers =
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";
constexpr const char* kLogDelivery = "http://acs.amazonaws.com/groups/s3/LogDelivery";
constexpr const char* kPermissions[] = {"FULL_CONTROL", "WRITE", "WRITE_ACP", "READ", "READ_ACP"};
constexpr std::pair<const char*, const char*> kGrantHeaders[] = {
    {"x-amz-grant-full-control", "FULL_CONTROL"}, {"x-amz-grant-write", "WRITE"},
    {"x-amz-grant-write-acp", "WRITE_ACP"},       {"x-amz-grant-read", "READ"},
    {"x-amz-grant-read-acp", "READ_ACP"},
};

AwsError acls_disabled() {
    return AwsError("AccessControlListNotSupported", "The bucket does not allow ACLs", 400);
}

AwsError malformed_acl() {
    return AwsError("MalformedACLError",
                    "The XML you provided was not well-formed or did not validate against our "
                    "published schema",
                    400);
}

AwsError unresolvable_email(const std::string& email) {
    // fogbank keeps no e-mail addresses for its accounts, so none resolves.
    return AwsError("UnresolvableGrantByEmailAddress",
                    "The e-mail address you provided does not match any account on record.", 400)
        .with("EmailAddress", email);
}

AclGrant user_grant(const std::string& id, const char* permission) {
    return AclGrant{"CanonicalUser", id, "", permission};
}

AclGrant group_grant(const char* uri, const char* permission) {
    return AclGrant{"Group", "", uri, permission};
}

bool known_group(std::string_view uri) {
    return uri == kAllUsers || uri == kAuthenticatedUsers || uri == kLogDelivery;
}

// A canned ACL by name, for an object or bucket owned by `owner` in `bucket_owner`'s bucket.
Acl canned_acl(const std::string& name, const std::string& owner, const std::string& bucket_owner) {
    Acl acl = private_acl(owner);
    if (name == "private" || name == "aws-exec-read") {
    } else if (name == "public-read") {
        acl.grants.push_back(group_grant(kAllUsers, "READ"));
    } else if (name == "public-read-write") {
        acl.grants.push_back(group_grant(kAllUsers, "READ"));
        acl.grants.push_back(group_grant(kAllUsers, "WRITE"));
    } else if (name == "authenticated-read") {
        acl.grants.push_back(group_grant(kAuthenticatedUsers, "READ"));
    } else if (name == "bucket-owner-read") {
        if (bucket_owner != owner) acl.grants.push_back(user_grant(bucket_owner, "READ"));
    } else if (name == "bucket-owner-full-control") {
        if (bucket_owner != owner) acl.grants.push_back(user_grant(bucket_owner, "FULL_CONTROL"));
    } else if (name == "log-delivery-write") {
        acl.grants.push_back(group_grant(kLogDelivery, "WRITE"));
        acl.grants.push_back(group_grant(kLogDelivery, "READ_ACP"));
    } else {
        throw AwsError("InvalidArgument", "", 400)
            .with("ArgumentName", "x-amz-acl")
            .with("ArgumentValue", name);
    }
    return acl;
}

// One x-amz-grant-* value: grantees separated by commas, each id="…", uri="…" or
// emailAddress="…".
void parse_grant_header(const std::string& header, const std::string& value, const char* permission,
                        Acl& acl) {
    // Grantee ids end up in stored JSON and in XML answers: UTF-8 text only.
    if (!valid_utf8(value)) throw invalid_argument("Invalid " + header + " header");
    auto bad = [&] { return invalid_argument("Invalid " + header + " header", header, value); };
    for (auto& part : split_list(value)) {
        auto eq = part.find('=');
        if (eq == std::string::npos) throw bad();
        std::string type = to_lower(std::string(trim(part.substr(0, eq))));
        std::string v(trim(part.substr(eq + 1)));
        if (v.size() < 2 || v.front() != '"' || v.back() != '"') throw bad();
        v = v.substr(1, v.size() - 2);
        if (type == "id") {
            if (v.empty()) throw invalid_argument("Invalid id", "id", v);
            acl.grants.push_back(user_grant(v, permission));
        } else if (type == "uri") {
            if (!known_group(v)) throw invalid_argument("Invalid group uri", "uri", v);
            acl.grants.push_back(AclGrant{"Group", "", v, permission});
        } else if (type == "emailaddress") {
            throw unresolvable_email(v);
        } else {
            throw bad();
        }
    }
}

Acl parse_acl_body(const std::string& body, const std::string& owner) {
    pugi::xml_document doc;
    try {
        doc = rest_xml::parse(body);
    } catch (const AwsError&) {
        throw malformed_acl();
    }
    auto root = doc.document_element();
    if (std::string_view(root.name()) != "AccessControlPolicy") throw malformed_acl();
    auto list = root.child("AccessControlList");
    if (!list) throw malformed_acl();
    Acl acl;
    acl.owner = owner;
    if (auto id = rest_xml::child_text(root.child("Owner"), "ID"); !id.empty() && id != owner)
        throw AwsError("AccessDenied", "Access Denied", 403);
    for (auto grant : list.children("Grant")) {
        auto grantee = grant.child("Grantee");
        std::string permission = rest_xml::child_text(grant, "Permission");
        bool known = false;
        for (auto* p : kPermissions)
            known |= permission == p;
        if (!grantee || !known) throw malformed_acl();
        std::string type = grantee.attribute("xsi:type").value();
        if (type.empty())
            for (auto a : grantee.attributes())
                if (std::string_view(a.name()).ends_with(":type")) type = a.value();
        if (type == "CanonicalUser") {
            auto id = rest_xml::child_text(grantee, "ID");
            if (id.empty()) throw malformed_acl();
            acl.grants.push_back(AclGrant{"CanonicalUser", id, "", permission});
        } else if (type == "Group") {
            auto uri = rest_xml::child_text(grantee, "URI");
            if (!known_group(uri)) throw invalid_argument("Invalid group uri", "uri", uri);
            acl.grants.push_back(AclGrant{"Group", "", uri, permission});
        } else if (type == "AmazonCustomerByEmail") {
            throw unresolvable_email(rest_xml::child_text(grantee, "EmailAddress"));
        } else {
            throw malformed_acl();
        }
    }
    return acl;
}

bool has_grant_headers(const Request& req) {
    for (auto& [h, p] : kGrantHeaders)
        if (req.header(h)) return true;
    return false;
}

// The ACL a request's headers (and, for Put*Acl, its body) set; nullopt when it sets none.
std::optional<Acl> requested_acl(const Request& req, const std::string& owner,
                                 const std::string& bucket_owner, bool with_body) {
    auto canned = req.header("x-amz-acl");
    bool grants = has_grant_headers(req);
    bool body = with_body && !trim(req.body.text()).empty();
    if (canned && grants)
        throw AwsError("InvalidRequest",
                       "Specifying both Canned ACLs and Header Grants is not allowed", 400);
    if (body && (canned || grants))
        throw AwsError("UnexpectedContent", "This request does not support content", 400);
    if (canned) return canned_acl(*canned, owner, bucket_owner);
    if (grants) {
        Acl acl;
        acl.owner = owner;
        for (auto& [h, p] : kGrantHeaders)
            if (auto v = req.header(h)) parse_grant_header(h, *v, p, acl);
        return acl;
    }
    if (body) return parse_acl_body(req.body.text(), owner);
    return std::nullopt;
}

// What a bucket with ACLs disabled still accepts: ACLs that say the owner controls everything.
void check_enforced(const Request& req, const std::string& owner, bool with_body) {
    auto acl = requested_acl(req, owner, owner, with_body);
    if (!acl) return;
    for (auto& g : acl->grants)
        if (g.type != "CanonicalUser" || g.id != owner || g.permission != "FULL_CONTROL")
            throw acls_disabled();
}

void check_public_block(const BucketRecord& b, const Acl& acl) {
    if (acl.is_public() && public_access_setting(b, "BlockPublicAcls"))
        throw AwsError("AccessDenied", "Access Denied", 403);
}

Response acl_response(const Acl& acl) {
    rest_xml::Document d("AccessControlPolicy");
    add_owner(d.root, "Owner", acl.owner);
    auto list = d.root.append_child("AccessControlList");
    for (auto& g : acl.grants) {
        auto grant = list.append_child("Grant");
        pugi::xml_node grantee;
        if (g.type == "CanonicalUser") {
            grantee = add_owner(grant, "Grantee", g.id);
        } else {
            grantee = grant.append_child("Grantee");
            rest_xml::add(grantee, "URI", g.uri);
        }
        grantee.append_attribute("xmlns:xsi") = "http://www.w3.org/2001/XMLSchema-instance";
        grantee.append_attribute("xsi:type") = g.type.c_str();
        rest_xml::add(grant, "Permission", g.permission);
    }
    return rest_xml::xml_response(d);
}

Acl bucket_acl(const BucketRecord& b) {
    auto* doc = b.config("acl");
    return doc ? Acl::from_json(*doc) : private_acl(b.account);
}

Acl object_acl(const BucketRecord& b, const ObjectRecord& o) {
    return o.acl.empty() ? private_acl(b.account) : Acl::from_json(o.acl);
}

// The permission an operation needs from the bucket's ACL, or from the object's (object_level).
struct NeededPermission {
    const char* permission = nullptr;
    bool object_level = false;
};

NeededPermission needed_permission(std::string_view op, bool copy_source) {
    if (copy_source) return {"READ", true};
    static constexpr std::pair<std::string_view, NeededPermission> kTable[] = {
        {"ListObjects", {"READ", false}},
        {"ListObjectsV2", {"READ", false}},
        {"ListObjectVersions", {"READ", false}},
        {"ListMultipartUploads", {"READ", false}},
        {"HeadBucket", {"READ", false}},
        {"PutObject", {"WRITE", false}},
        {"PostObject", {"WRITE", false}},
        {"CopyObject", {"WRITE", false}},
        {"CreateMultipartUpload", {"WRITE", false}},
        {"UploadPart", {"WRITE", false}},
        {"UploadPartCopy", {"WRITE", false}},
        {"CompleteMultipartUpload", {"WRITE", false}},
        {"AbortMultipartUpload", {"WRITE", false}},
        {"ListParts", {"WRITE", false}},
        {"DeleteObject", {"WRITE", false}},
        {"DeleteObjects", {"WRITE", false}},
        {"GetBucketAcl", {"READ_ACP", false}},
        {"PutBucketAcl", {"WRITE_ACP", false}},
        {"GetObject", {"READ", true}},
        {"HeadObject", {"READ", true}},
        {"GetObjectAcl", {"READ_ACP", true}},
        {"PutObjectAcl", {"WRITE_ACP", true}},
    };
    for (auto& [name, need] : kTable)
        if (name == op) return need;
    return {};
}

}  // namespace

Acl private_acl(const std::string& owner) {
    return Acl{owner, {user_grant(owner, "FULL_CONTROL")}};
}

std::string Acl::to_json() const {
    nlohmann::json grants_json = nlohmann::json::array();
    for (auto& g : grants) {
        nlohmann::json j = {{"type", g.type}, {"permission", g.permission}};
        if (g.type == "CanonicalUser")
            j["id"] = g.id;
        else
            j["uri"] = g.uri;
        grants_json.push_back(std::move(j));
    }
    return nlohmann::json{{"owner", owner}, {"grants", grants_json}}.dump();
}

Acl Acl::from_json(const std::string& text) {
    auto j = nlohmann::json::parse(text);
    Acl acl;
    acl.owner = j.value("owner", "");
    for (auto& g : j.value("grants", nlohmann::json::array()))
        acl.grants.push_back(AclGrant{g.value("type", ""), g.value("id", ""), g.value("uri", ""),
                                      g.value("permission", "")});
    return acl;
}

bool Acl::is_public() const {
    for (auto& g : grants)
        if (g.type == "Group" && (g.uri == kAllUsers || g.uri == kAuthenticatedUsers)) return true;
    return false;
}

bool Acl::permits(bool anonymous, const std::string& account, std::string_view permission,
                  bool ignore_public) const {
    if (!anonymous && account == owner) return true;
    for (auto& g : grants) {
        if (g.permission != permission && g.permission != "FULL_CONTROL") continue;
        if (g.type == "CanonicalUser" && !anonymous && g.id == account) return true;
        if (g.type == "Group" && !ignore_public &&
            (g.uri == kAllUsers || (g.uri == kAuthenticatedUsers && !anonymous)))
            return true;
    }
    return false;
}

bool acls_enabled(const BucketRecord& b) {
    auto* doc = b.config("ownershipControls");
    return !doc || doc->find("BucketOwnerEnforced") == std::string::npos;
}

bool acl_grants_access(Context& ctx, const Request& req, const BucketRecord& b) {
    if (!acls_enabled(b)) return false;
    bool copy_source = ctx.source && ctx.source->bucket == b.name;
    auto need = needed_permission(req.operation, copy_source);
    if (!need.permission) return false;
    bool ignore_public = public_access_setting(b, "IgnorePublicAcls");
    if (!need.object_level)
        return bucket_acl(b).permits(req.anonymous, req.account, need.permission, ignore_public);
    const Target* t = copy_source ? ctx.source : ctx.target;
    if (!t || t->bucket != b.name || t->key.empty()) return false;
    auto version = copy_source ? ctx.source_version : requested_version(req);
    auto o = version ? ctx.store.object_version(b.name, t->key, *version)
                     : ctx.store.object(b.name, t->key);
    if (!o || o->delete_marker) return false;
    return object_acl(b, *o).permits(req.anonymous, req.account, need.permission, ignore_public);
}

std::string acl_for_new_object(const Request& req, const BucketRecord& b) {
    if (!acls_enabled(b)) {
        check_enforced(req, b.account, false);
        return "";
    }
    // Under ObjectWriter the writer owns what it writes; under BucketOwnerPreferred the bucket
    // owner does when the writer grants it full control.
    std::string owner = req.anonymous ? b.account : req.account;
    if (owner != b.account && req.header("x-amz-acl") == "bucket-owner-full-control" &&
        b.config("ownershipControls")->find("BucketOwnerPreferred") != std::string::npos)
        owner = b.account;
    auto acl = requested_acl(req, owner, b.account, false);
    if (!acl) {
        if (owner == b.account) return "";
        acl = private_acl(owner);
    }
    check_public_block(b, *acl);
    return acl->to_json();
}

std::optional<std::string> acl_for_new_bucket(const Request& req, const std::string& ownership) {
    if (ownership == "BucketOwnerEnforced") {
        auto canned = req.header("x-amz-acl");
        if (has_grant_headers(req) ||
            (canned && *canned != "private" && *canned != "bucket-owner-full-control"))
            throw AwsError("InvalidBucketAclWithObjectOwnership",
                           "Bucket cannot have ACLs set with ObjectOwnership's "
                           "BucketOwnerEnforced setting",
                           400);
        return std::nullopt;
    }
    auto acl = requested_acl(req, req.account, req.account, false);
    if (!acl) return std::nullopt;
    // A new bucket blocks public ACLs from the start (its default public access block).
    if (acl->is_public())
        throw AwsError("InvalidBucketAclWithBlockPublicAccessError",
                       "Bucket cannot have public ACLs set with BlockPublicAccess enabled", 400);
    return acl->to_json();
}

Response get_bucket_acl(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    return acl_response(acls_enabled(b) ? bucket_acl(b) : private_acl(b.account));
}

Response put_bucket_acl(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    if (!acls_enabled(b)) {
        check_enforced(req, b.account, true);
        return empty(200);
    }
    auto acl = requested_acl(req, b.account, b.account, true);
    if (!acl) throw malformed_acl();
    check_public_block(b, *acl);
    ctx.store.set_bucket_config(t.bucket, "acl", acl->to_json());
    return empty(200);
}

Response get_object_acl(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    auto o = require_object_version(ctx, req, b, t.key);
    Response res = acl_response(acls_enabled(b) ? object_acl(b, o) : private_acl(b.account));
    add_version_header(res, b, o);
    return res;
}

Response put_object_acl(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    auto o = require_object_version(ctx, req, b, t.key);
    Response res = empty(200);
    add_version_header(res, b, o);
    if (!acls_enabled(b)) {
        check_enforced(req, b.account, true);
        return res;
    }
    // The object keeps its owner; the request sets who else may do what.
    std::string owner = object_acl(b, o).owner;
    auto acl = requested_acl(req, owner, b.account, true);
    if (!acl) throw malformed_acl();
    check_public_block(b, *acl);
    ctx.store.set_object_acl(t.bucket, t.key, o.version_id, acl->to_json());
    return res;
}

}  // namespace fogbank::s3
