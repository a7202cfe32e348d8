// Bucket operations: create, head, list, delete, location, tagging, versioning status.
#include "emulator/encoding.hpp"
#include "services/s3/bucket_name.hpp"
#include "services/s3/handlers.hpp"

namespace fogbank::s3 {

Response create_bucket(Context& ctx, Request& req, const Target& t) {
    if (!valid_bucket_name(t.bucket))
        throw AwsError("InvalidBucketName", "The specified bucket is not valid.", 400)
            .with("BucketName", t.bucket);
    std::string constraint;
    std::string body = req.body.text();
    if (!trim(body).empty()) {
        auto doc = rest_xml::parse(body);
        auto root = doc.document_element();
        if (std::string_view(root.name()) != "CreateBucketConfiguration")
            throw rest_xml::malformed();
        constraint = rest_xml::child_text(root, "LocationConstraint");
    }
    std::string region = "us-east-1";
    if (constraint.empty()) {
        if (req.region != "us-east-1")
            throw AwsError("IllegalLocationConstraintException",
                           "The unspecified location constraint is incompatible for the region "
                           "specific endpoint "
                           "this request was sent to.",
                           400);
    } else if (constraint == "us-east-1") {
        throw AwsError("InvalidLocationConstraint",
                       "The specified location-constraint is not valid", 400)
            .with("LocationConstraint", constraint);
    } else {
        // The us-east-1 endpoint creates buckets anywhere; a regional one only in its region.
        if (req.region != "us-east-1" && constraint != req.region)
            throw AwsError("IllegalLocationConstraintException",
                           "The " + constraint +
                               " location constraint is incompatible for the region specific "
                               "endpoint this request "
                               "was sent to.",
                           400);
        region = constraint == "EU" ? "eu-west-1" : constraint;
    }
    // New buckets have ACLs disabled and every public access setting on, as on S3 since 2023.
    std::string ownership = req.header("x-amz-object-ownership").value_or("BucketOwnerEnforced");
    if (!valid_object_ownership(ownership))
        throw invalid_argument("Invalid x-amz-object-ownership header: " + ownership,
                               "x-amz-object-ownership", ownership);
    auto acl = acl_for_new_bucket(req, ownership);
    BucketRecord b;
    b.name = t.bucket;
    b.account = req.account;
    b.region = region;
    BucketRecord::Configs configs{{"ownershipControls", ownership_controls_document(ownership)},
                                  {"publicAccessBlock", default_public_access_block()}};
    if (acl) configs.emplace("acl", *acl);
    // A bucket made for Object Lock is versioned from the start, and stays so.
    if (iequals(req.header("x-amz-bucket-object-lock-enabled").value_or(""), "true")) {
        b.versioning = "Enabled";
        rest_xml::Document lock("ObjectLockConfiguration");
        rest_xml::add(lock.root, "ObjectLockEnabled", "Enabled");
        configs.emplace("object-lock", lock.str());
    }
    b.configs = std::make_shared<const BucketRecord::Configs>(std::move(configs));
    b.created_ms = now_ms().time_since_epoch().count();
    if (!ctx.store.create_bucket(b)) {
        auto existing = ctx.store.bucket(t.bucket);
        if (existing && existing->account != req.account)
            throw AwsError("BucketAlreadyExists",
                           "The requested bucket name is not available. The bucket namespace is "
                           "shared by all users "
                           "of the system. Please select a different name and try again.",
                           409)
                .with("BucketName", t.bucket);
        // S3 keeps this legacy answer in us-east-1 only.
        if (!(existing && existing->region == "us-east-1" && region == "us-east-1"))
            throw AwsError("BucketAlreadyOwnedByYou",
                           "Your previous request to create the named bucket succeeded and you "
                           "already own it.",
                           409)
                .with("BucketName", t.bucket);
    }
    Response res;
    res.headers.set("Location", "/" + t.bucket);
    return res;
}

Response head_bucket(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    Response res;
    res.headers.set("x-amz-bucket-region", b.region);
    res.headers.set("x-amz-access-point-alias", "false");
    res.head_length = 0;
    return res;
}

Response list_buckets(Context& ctx, Request& req) {
    auto prefix = req.query_param("prefix").value_or("");
    auto region = req.query_param("bucket-region");
    auto after = req.query_param("continuation-token").value_or("");
    size_t max = 10000;
    if (auto m = req.query_param("max-buckets")) {
        try {
            max = std::stoul(*m);
        } catch (...) {
            max = 0;
        }
        if (max < 1 || max > 10000)
            throw invalid_argument("Argument max-buckets must be an integer between 1 and 10000",
                                   "max-buckets", *m);
    }
    rest_xml::Document d("ListAllMyBucketsResult");
    auto list = d.root.append_child("Buckets");
    size_t n = 0;
    std::string last;
    bool truncated = false;
    for (auto& b : ctx.store.buckets(req.account)) {
        if (b.name.compare(0, prefix.size(), prefix) != 0 || b.name <= after) continue;
        if (region && b.region != *region) continue;
        if (n == max) {
            truncated = true;
            break;
        }
        auto e = list.append_child("Bucket");
        rest_xml::add(e, "Name", b.name);
        rest_xml::add(e, "CreationDate",
                      format_iso8601_ms(TimePoint{std::chrono::milliseconds{b.created_ms}}));
        rest_xml::add(e, "BucketRegion", b.region);
        last = b.name;
        ++n;
    }
    add_owner(d.root, "Owner", req.account);
    if (truncated) rest_xml::add(d.root, "ContinuationToken", last);
    if (!prefix.empty()) rest_xml::add(d.root, "Prefix", prefix);
    return rest_xml::xml_response(d);
}

Response delete_bucket(Context& ctx, Request& req, const Target& t) {
    require_bucket(ctx, req, t.bucket);
    switch (ctx.store.delete_bucket(t.bucket)) {
        case Store::DeleteBucketResult::missing:
            throw no_such_bucket(t.bucket);
        case Store::DeleteBucketResult::not_empty:
            throw AwsError("BucketNotEmpty", "The bucket you tried to delete is not empty", 409)
                .with("BucketName", t.bucket);
        case Store::DeleteBucketResult::deleted:
            break;
    }
    return empty(204);
}

Response get_bucket_location(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    rest_xml::Document d("LocationConstraint");
    // us-east-1 is reported as an empty constraint, for historical reasons.
    if (b.region != "us-east-1") d.root.append_child(pugi::node_pcdata).set_value(b.region.c_str());
    return rest_xml::xml_response(d);
}

Response put_bucket_tagging(Context& ctx, Request& req, const Target& t) {
    require_bucket(ctx, req, t.bucket);
    check_content_md5(req);
    ctx.store.set_bucket_tags(t.bucket, parse_tagging_xml(req.body.text(), false));
    return empty(204);
}

Response get_bucket_tagging(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    if (b.tags.empty())
        throw AwsError("NoSuchTagSet", "The TagSet does not exist", 404)
            .with("BucketName", t.bucket);
    return tagging_response(b.tags);
}

Response delete_bucket_tagging(Context& ctx, Request& req, const Target& t) {
    require_bucket(ctx, req, t.bucket);
    ctx.store.set_bucket_tags(t.bucket, nlohmann::json::object());
    return empty(204);
}

Response get_bucket_versioning(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    rest_xml::Document d("VersioningConfiguration");
    if (!b.versioning.empty()) rest_xml::add(d.root, "Status", b.versioning);
    return rest_xml::xml_response(d);
}

Response put_bucket_versioning(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    check_content_md5(req);
    auto doc = rest_xml::parse(req.body.text());
    auto root = doc.document_element();
    if (std::string_view(root.name()) != "VersioningConfiguration") throw rest_xml::malformed();
    auto status = rest_xml::child_text(root, "Status");
    if (status != "Enabled" && status != "Suspended") throw rest_xml::malformed();
    auto mfa = rest_xml::child_text(root, "MfaDelete");
    if (!mfa.empty() && mfa != "Enabled" && mfa != "Disabled") throw rest_xml::malformed();
    if (mfa == "Enabled")
        // MFA delete needs a device serial and a code on every delete: not emulated.
        throw not_implemented("MfaDelete=Enabled");
    if (status == "Suspended" && b.config("object-lock"))
        throw AwsError("InvalidBucketState",
                       "An Object Lock configuration is present on this bucket, so the versioning "
                       "state cannot be changed.",
                       409);
    ctx.store.set_bucket_versioning(t.bucket, status);
    return empty(200);
}

}  // namespace fogbank::s3
