// Access control lists as S3 has served them since April 2023: new buckets enforce bucket-owner
// object ownership, so ACLs are disabled. Reading an ACL shows the owner's FULL_CONTROL;
// setting one is accepted only when it says exactly that, otherwise
// AccessControlListNotSupported, the same answer a fresh AWS bucket gives.
#include "emulator/encoding.hpp"
#include "services/s3/handlers.hpp"

namespace fogbank::s3 {

namespace {

AwsError acls_disabled() {
    return AwsError("AccessControlListNotSupported", "The bucket does not allow ACLs", 400);
}

Response owner_full_control(const std::string& account) {
    rest_xml::Document d("AccessControlPolicy");
    add_owner(d.root, "Owner", account);
    auto grant = d.root.append_child("AccessControlList").append_child("Grant");
    auto grantee = add_owner(grant, "Grantee", account);
    grantee.append_attribute("xmlns:xsi") = "http://www.w3.org/2001/XMLSchema-instance";
    grantee.append_attribute("xsi:type") = "CanonicalUser";
    rest_xml::add(grant, "Permission", "FULL_CONTROL");
    return rest_xml::xml_response(d);
}

// An ACL document is acceptable only if every grant gives the owner FULL_CONTROL.
void check_acl_document(const std::string& body, const std::string& account) {
    auto doc = rest_xml::parse(body);
    auto root = doc.document_element();
    if (std::string_view(root.name()) != "AccessControlPolicy") throw rest_xml::malformed();
    auto list = root.child("AccessControlList");
    for (auto grant : list.children("Grant")) {
        if (rest_xml::child_text(grant, "Permission") != "FULL_CONTROL") throw acls_disabled();
        if (rest_xml::child_text(grant.child("Grantee"), "ID") != account) throw acls_disabled();
    }
}

}  // namespace

void check_acl_headers(const Request& req) {
    if (auto canned = req.header("x-amz-acl");
        canned && *canned != "private" && *canned != "bucket-owner-full-control")
        throw acls_disabled();
    for (auto* grant : {"x-amz-grant-read", "x-amz-grant-write", "x-amz-grant-read-acp",
                        "x-amz-grant-write-acp", "x-amz-grant-full-control"})
        if (req.header(grant)) throw acls_disabled();
}

Response get_bucket_acl(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    return owner_full_control(b.account);
}

Response get_object_acl(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    if (!ctx.store.object(t.bucket, t.key)) throw no_such_key(t.key);
    return owner_full_control(b.account);
}

Response put_bucket_acl(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    check_acl_headers(req);
    if (auto body = req.body.text(); !trim(body).empty()) check_acl_document(body, b.account);
    return empty(200);
}

Response put_object_acl(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    if (!ctx.store.object(t.bucket, t.key)) throw no_such_key(t.key);
    check_acl_headers(req);
    if (auto body = req.body.text(); !trim(body).empty()) check_acl_document(body, b.account);
    return empty(200);
}

}  // namespace fogbank::s3
