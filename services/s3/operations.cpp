// The S3 operation table: which (method, scope, sub-resource) is which AWS operation, and the
// rest-xml codec around it. Adding an operation is adding its handler and a row here.
#include <spdlog/spdlog.h>

#include "services/s3/bucket_policy.hpp"
#include "services/s3/handlers.hpp"
#include "services/s3/s3_service.hpp"

namespace fogbank::s3 {

namespace {

enum class Scope { service, bucket, object };
using Handler = Response (*)(Context&, Request&, const Target&);

struct Operation {
    http::verb method;
    Scope scope;
    const char* subresource;  // query parameter that must be present, or nullptr
    const char* header;       // header that must be present, or nullptr
    const char* name;
    Handler handler;
};

// First match wins: specific rows before the plain ones.
const Operation kOperations[] = {
    {http::verb::get, Scope::service, nullptr, nullptr, "ListBuckets",
     [](Context& c, Request& r, const Target&) { return list_buckets(c, r); }},

    {http::verb::put, Scope::bucket, "tagging", nullptr, "PutBucketTagging", put_bucket_tagging},
    {http::verb::put, Scope::bucket, "notification", nullptr, "PutBucketNotificationConfiguration",
     put_bucket_notification},
    {http::verb::get, Scope::bucket, "notification", nullptr, "GetBucketNotificationConfiguration",
     get_bucket_notification},
    {http::verb::put, Scope::bucket, "acl", nullptr, "PutBucketAcl", put_bucket_acl},
    {http::verb::get, Scope::bucket, "acl", nullptr, "GetBucketAcl", get_bucket_acl},
    {http::verb::put, Scope::object, "acl", nullptr, "PutObjectAcl", put_object_acl},
    {http::verb::put, Scope::object, "retention", nullptr, "PutObjectRetention",
     put_object_retention},
    {http::verb::get, Scope::object, "retention", nullptr, "GetObjectRetention",
     get_object_retention},
    {http::verb::put, Scope::object, "legal-hold", nullptr, "PutObjectLegalHold",
     put_object_legal_hold},
    {http::verb::get, Scope::object, "legal-hold", nullptr, "GetObjectLegalHold",
     get_object_legal_hold},
    {http::verb::get, Scope::object, "acl", nullptr, "GetObjectAcl", get_object_acl},
    {http::verb::put, Scope::bucket, "cors", nullptr, "PutBucketCors", put_bucket_cors},
    {http::verb::put, Scope::bucket, "versioning", nullptr, "PutBucketVersioning",
     put_bucket_versioning},
    {http::verb::put, Scope::bucket, "lifecycle", nullptr, "PutBucketLifecycleConfiguration",
     put_bucket_config},
    {http::verb::get, Scope::bucket, "lifecycle", nullptr, "GetBucketLifecycleConfiguration",
     get_bucket_config},
    {http::verb::delete_, Scope::bucket, "lifecycle", nullptr, "DeleteBucketLifecycle",
     delete_bucket_config},
    {http::verb::put, Scope::bucket, "encryption", nullptr, "PutBucketEncryption",
     put_bucket_config},
    {http::verb::get, Scope::bucket, "encryption", nullptr, "GetBucketEncryption",
     get_bucket_config},
    {http::verb::delete_, Scope::bucket, "encryption", nullptr, "DeleteBucketEncryption",
     delete_bucket_config},
    {http::verb::put, Scope::bucket, "logging", nullptr, "PutBucketLogging", put_bucket_config},
    {http::verb::get, Scope::bucket, "logging", nullptr, "GetBucketLogging", get_bucket_config},
    {http::verb::put, Scope::bucket, "website", nullptr, "PutBucketWebsite", put_bucket_config},
    {http::verb::get, Scope::bucket, "website", nullptr, "GetBucketWebsite", get_bucket_config},
    {http::verb::delete_, Scope::bucket, "website", nullptr, "DeleteBucketWebsite",
     delete_bucket_config},
    {http::verb::put, Scope::bucket, "requestPayment", nullptr, "PutBucketRequestPayment",
     put_bucket_config},
    {http::verb::get, Scope::bucket, "requestPayment", nullptr, "GetBucketRequestPayment",
     get_bucket_config},
    {http::verb::put, Scope::bucket, "accelerate", nullptr, "PutBucketAccelerateConfiguration",
     put_bucket_config},
    {http::verb::get, Scope::bucket, "accelerate", nullptr, "GetBucketAccelerateConfiguration",
     get_bucket_config},
    {http::verb::put, Scope::bucket, "replication", nullptr, "PutBucketReplication",
     put_bucket_config},
    {http::verb::get, Scope::bucket, "replication", nullptr, "GetBucketReplication",
     get_bucket_config},
    {http::verb::delete_, Scope::bucket, "replication", nullptr, "DeleteBucketReplication",
     delete_bucket_config},
    {http::verb::put, Scope::bucket, "object-lock", nullptr, "PutObjectLockConfiguration",
     put_bucket_config},
    {http::verb::get, Scope::bucket, "object-lock", nullptr, "GetObjectLockConfiguration",
     get_bucket_config},
    {http::verb::put, Scope::bucket, "ownershipControls", nullptr, "PutBucketOwnershipControls",
     put_bucket_config},
    {http::verb::get, Scope::bucket, "ownershipControls", nullptr, "GetBucketOwnershipControls",
     get_bucket_config},
    {http::verb::delete_, Scope::bucket, "ownershipControls", nullptr,
     "DeleteBucketOwnershipControls", delete_bucket_config},
    {http::verb::put, Scope::bucket, "publicAccessBlock", nullptr, "PutPublicAccessBlock",
     put_bucket_config},
    {http::verb::get, Scope::bucket, "publicAccessBlock", nullptr, "GetPublicAccessBlock",
     get_bucket_config},
    {http::verb::delete_, Scope::bucket, "publicAccessBlock", nullptr, "DeletePublicAccessBlock",
     delete_bucket_config},
    {http::verb::put, Scope::bucket, "policy", nullptr, "PutBucketPolicy", put_bucket_policy},
    {http::verb::get, Scope::bucket, "policy", nullptr, "GetBucketPolicy", get_bucket_policy},
    {http::verb::delete_, Scope::bucket, "policy", nullptr, "DeleteBucketPolicy",
     delete_bucket_policy},
    {http::verb::get, Scope::bucket, "policyStatus", nullptr, "GetBucketPolicyStatus",
     get_bucket_policy_status},
    {http::verb::get, Scope::object, "attributes", nullptr, "GetObjectAttributes",
     get_object_attributes},
    {http::verb::put, Scope::bucket, nullptr, nullptr, "CreateBucket", create_bucket},
    {http::verb::get, Scope::bucket, "location", nullptr, "GetBucketLocation", get_bucket_location},
    {http::verb::get, Scope::bucket, "tagging", nullptr, "GetBucketTagging", get_bucket_tagging},
    {http::verb::get, Scope::bucket, "cors", nullptr, "GetBucketCors", get_bucket_cors},
    {http::verb::get, Scope::bucket, "versioning", nullptr, "GetBucketVersioning",
     get_bucket_versioning},
    {http::verb::get, Scope::bucket, "uploads", nullptr, "ListMultipartUploads",
     list_multipart_uploads},
    {http::verb::get, Scope::bucket, "list-type", nullptr, "ListObjectsV2",
     [](Context& c, Request& r, const Target& t) { return list_objects(c, r, t, true); }},
    {http::verb::get, Scope::bucket, "versions", nullptr, "ListObjectVersions",
     list_object_versions},
    {http::verb::get, Scope::bucket, nullptr, nullptr, "ListObjects",
     [](Context& c, Request& r, const Target& t) { return list_objects(c, r, t, false); }},
    {http::verb::head, Scope::bucket, nullptr, nullptr, "HeadBucket", head_bucket},
    {http::verb::delete_, Scope::bucket, "tagging", nullptr, "DeleteBucketTagging",
     delete_bucket_tagging},
    {http::verb::delete_, Scope::bucket, "cors", nullptr, "DeleteBucketCors", delete_bucket_cors},
    {http::verb::delete_, Scope::bucket, nullptr, nullptr, "DeleteBucket", delete_bucket},
    {http::verb::post, Scope::bucket, "delete", nullptr, "DeleteObjects", delete_objects},
    {http::verb::post, Scope::bucket, nullptr, nullptr, "PostObject", post_object},
    {http::verb::options, Scope::bucket, nullptr, nullptr, "PreflightRequest", cors_preflight},

    {http::verb::put, Scope::object, "tagging", nullptr, "PutObjectTagging", put_object_tagging},
    {http::verb::put, Scope::object, "uploadId", "x-amz-copy-source", "UploadPartCopy",
     upload_part_copy},
    {http::verb::put, Scope::object, "uploadId", nullptr, "UploadPart", upload_part},
    {http::verb::put, Scope::object, nullptr, "x-amz-copy-source", "CopyObject", copy_object},
    {http::verb::put, Scope::object, nullptr, nullptr, "PutObject", put_object},
    {http::verb::get, Scope::object, "tagging", nullptr, "GetObjectTagging", get_object_tagging},
    {http::verb::get, Scope::object, "uploadId", nullptr, "ListParts", list_parts},
    {http::verb::get, Scope::object, nullptr, nullptr, "GetObject",
     [](Context& c, Request& r, const Target& t) { return get_object(c, r, t, false); }},
    {http::verb::head, Scope::object, nullptr, nullptr, "HeadObject",
     [](Context& c, Request& r, const Target& t) { return get_object(c, r, t, true); }},
    {http::verb::delete_, Scope::object, "tagging", nullptr, "DeleteObjectTagging",
     delete_object_tagging},
    {http::verb::delete_, Scope::object, "uploadId", nullptr, "AbortMultipartUpload",
     abort_multipart_upload},
    {http::verb::delete_, Scope::object, nullptr, nullptr, "DeleteObject", delete_object},
    {http::verb::post, Scope::object, "uploads", nullptr, "CreateMultipartUpload",
     create_multipart_upload},
    {http::verb::post, Scope::object, "uploadId", nullptr, "CompleteMultipartUpload",
     complete_multipart_upload},
    {http::verb::options, Scope::object, nullptr, nullptr, "PreflightRequest", cors_preflight},
};

// S3 sub-resources fogbank does not serve yet: answered NotImplemented instead of being
// mistaken for the plain operation (a GET ?acl is not a GetObject).
constexpr const char* kUnservedSubresources[] = {
    "analytics", "inventory", "metrics", "intelligent-tiering",
    "torrent",   "restore",   "select",  "renameObject"};

Target address(const RequestHead& req, const Config& cfg) {
    Target t;
    std::string_view path = req.path;
    if (!path.empty() && path.front() == '/') path.remove_prefix(1);
    bool exact = false;
    for (auto& s : cfg.s3_virtual_host_suffixes)
        if (req.host == s) exact = true;
    if (!exact) {
        for (auto& s : cfg.s3_virtual_host_suffixes) {
            if (req.host.size() > s.size() + 1 &&
                req.host.compare(req.host.size() - s.size(), s.size(), s) == 0 &&
                req.host[req.host.size() - s.size() - 1] == '.') {
                t.bucket = req.host.substr(0, req.host.size() - s.size() - 1);
                t.key = std::string(path);
                return t;
            }
        }
    }
    auto slash = path.find('/');
    t.bucket = std::string(path.substr(0, slash));
    if (slash != std::string_view::npos) t.key = std::string(path.substr(slash + 1));
    return t;
}

bool is_upload(const RequestHead& h, const Target& t) {
    return h.method == http::verb::put && !t.key.empty() && !h.header("x-amz-copy-source") &&
           !h.has_query("tagging");
}

bool is_form_upload(const RequestHead& h, const Target& t) {
    return h.method == http::verb::post && t.key.empty() && !t.bucket.empty() && h.query.empty();
}

}  // namespace

S3Service::S3Service(const Config& cfg, Database& db, BlobStore& blobs)
    : cfg_(cfg), blobs_(blobs), store_(db, blobs), notifications_(db) {}

// The event an operation that succeeded causes, for the bucket's notification targets.
void S3Service::publish(const Request& req, const Target& t, const Response& res) {
    const std::string& op = req.operation;
    if (op == "DeleteBucket") {
        notifications_.drop(t.bucket);
        return;
    }
    bool created = op == "PutObject" || op == "CopyObject" || op == "CompleteMultipartUpload" ||
                   op == "PostObject";
    bool removed = op == "DeleteObject" || op == "DeleteObjects";
    if ((!created && !removed) || !notifications_.configured(t.bucket)) return;
    auto bucket = store_.bucket(t.bucket);
    if (!bucket) return;
    ObjectEvent e;
    e.bucket = t.bucket;
    e.region = bucket->region;
    e.account = bucket->account;
    e.request_id = req.request_id;
    if (created) {
        // The version the write made, as its response reported it.
        auto version = res.headers.find("x-amz-version-id");
        std::optional<ObjectRecord> o;
        if (version == res.headers.end()) {
            o = store_.object(t.bucket, t.key);
        } else {
            e.version_id = std::string(version->value());
            o = store_.object_version(t.bucket, t.key,
                                      e.version_id == "null" ? std::string() : e.version_id);
        }
        if (!o) return;  // deleted again already
        e.key = t.key;
        e.name = "ObjectCreated:" + std::string(op == "PutObject"    ? "Put"
                                                : op == "CopyObject" ? "Copy"
                                                : op == "PostObject" ? "Post"
                                                                     : "CompleteMultipartUpload");
        e.size = o->size;
        e.etag = o->etag;
        notifications_.publish(e);
        return;
    }
    auto removal = [&](bool marker_made) {
        e.name = marker_made ? "ObjectRemoved:DeleteMarkerCreated" : "ObjectRemoved:Delete";
        notifications_.publish(e);
    };
    if (op == "DeleteObject") {
        e.key = t.key;
        auto version = res.headers.find("x-amz-version-id");
        if (version != res.headers.end()) e.version_id = std::string(version->value());
        removal(!req.query_param("versionId") &&
                res.headers.find("x-amz-delete-marker") != res.headers.end());
        return;
    }
    pugi::xml_document doc;
    if (!doc.load_string(res.body.c_str())) return;
    for (auto deleted : doc.first_child().children("Deleted")) {
        e.key = deleted.child("Key").text().get();
        bool by_version = !deleted.child("VersionId").empty();
        e.version_id = by_version ? deleted.child("VersionId").text().get()
                                  : deleted.child("DeleteMarkerVersionId").text().get();
        removal(!by_version && !deleted.child("DeleteMarker").empty());
    }
}

BodyPlan S3Service::body_plan(const RequestHead& head) const {
    BodyPlan plan;
    Target t = address(head, cfg_);
    if (is_upload(head, t)) {
        plan.spool = true;
        // Small objects are kept inline in the database (parts always go to files).
        if (!head.has_query("uploadId")) plan.memory_threshold = kInlineObjectLimit;
        plan.md5 = true;
        plan.max_size = kMaxObjectSize;
        plan.too_large =
            AwsError("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400)
                .with("MaxSizeAllowed", std::to_string(kMaxObjectSize));
        std::optional<ChecksumAlgorithm> alg = requested_checksum(head);
        if (!alg && head.has_query("uploadId")) {
            // Parts of an upload created with a checksum algorithm carry that checksum.
            if (auto u = store_.upload(head.query_param("uploadId").value_or(""));
                u && !u->checksum_algorithm.empty())
                alg = parse_checksum_algorithm(u->checksum_algorithm);
        }
        // Like S3 since 2025: an object stored without a client checksum gets CRC64NVME.
        if (!alg && !head.has_query("uploadId")) alg = ChecksumAlgorithm::crc64nvme;
        if (alg) plan.checksums.push_back(*alg);
    } else if (is_form_upload(head, t)) {
        // A browser upload: the form and its file, the file up to S3's 5 GB, spooled.
        plan.spool = true;
        plan.memory_threshold = kInlineObjectLimit + 64 * 1024;
        plan.max_size = kMaxObjectSize + 1024 * 1024;
        plan.too_large =
            AwsError("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size", 400)
                .with("MaxSizeAllowed", std::to_string(kMaxObjectSize));
    } else {
        plan.max_size = 20 * 1024 * 1024;  // XML documents: DeleteObjects of 1000 long keys fits
        plan.md5 = head.header("content-md5").has_value();
        if (auto alg = requested_checksum(head)) plan.checksums.push_back(*alg);
        plan.too_large = AwsError("MaxMessageLengthExceeded", "Your request was too big.", 400);
    }
    return plan;
}

bool S3Service::quick(const RequestHead& head) const {
    // Copies (CopyObject, UploadPartCopy) and everything POSTed (CompleteMultipartUpload
    // concatenates parts; DeleteObjects unlinks up to 1000 files) are bulk work; so is dropping
    // a bucket with its uploads.
    if (head.header("x-amz-copy-source") || head.method == http::verb::post) return false;
    if (head.method == http::verb::delete_ && address(head, cfg_).key.empty()) return false;
    return true;
}

Response S3Service::handle(Request& req) {
    Target t = address(req, cfg_);
    Scope scope = t.bucket.empty() ? Scope::service : t.key.empty() ? Scope::bucket : Scope::object;
    if (t.key.size() > kMaxKeyLength)
        throw AwsError("KeyTooLongError", "Your key is too long", 400)
            .with("MaxSizeAllowed", std::to_string(kMaxKeyLength))
            .with("Size", std::to_string(t.key.size()));
    Context ctx{cfg_, store_, blobs_, &notifications_, &t};
    // An anonymous caller owns nothing: only a bucket's policy can let it in.
    if (req.anonymous &&
        (scope == Scope::service ||
         (scope == Scope::bucket && req.method == http::verb::put && req.query.empty())))
        throw access_denied();

    for (const char* sub : kUnservedSubresources)
        if (req.has_query(sub))
            throw not_implemented("the '" + std::string(sub) + "' sub-resource");
    // Every operation that takes a versionId refuses one that cannot be a version id.
    if (auto v = req.query_param("versionId"); v && !valid_version_id(*v))
        throw invalid_argument("Invalid version id specified", "versionId", *v);
    for (const auto& op : kOperations) {
        if (op.method != req.method || op.scope != scope) continue;
        if (op.subresource && !req.has_query(op.subresource)) continue;
        if (op.header && !req.header(op.header)) continue;
        req.operation = op.name;
        // A browser reads an error only if it carries the bucket's CORS headers too. Only such
        // requests catch their error here: a rethrow would unwind twice for every other one.
        bool cors = req.header("origin") && req.method != http::verb::options;
        Response res;
        if (!cors) {
            res = op.handler(ctx, req, t);
        } else {
            try {
                res = op.handler(ctx, req, t);
            } catch (const AwsError& e) {
                res = error_response(e, req);
                apply_cors(ctx, req, t, res);
                return res;
            }
        }
        if (res.status < 400 && !ctx.replayed)
            publish(req, ctx.posted_key.empty() ? t : Target{t.bucket, ctx.posted_key}, res);
        if (res.status < 300 && req.operation == "PutBucketLifecycleConfiguration")
            lifecycle_.wake();
        if (cors) apply_cors(ctx, req, t, res);
        return res;
    }
    if (scope == Scope::service && req.method != http::verb::get)
        throw AwsError("MethodNotAllowed",
                       "The specified method is not allowed against this resource.", 405)
            .with("Method", req.method_name)
            .with("ResourceType", "SERVICE");
    throw AwsError("MethodNotAllowed", "The specified method is not allowed against this resource.",
                   405)
        .with("Method", req.method_name)
        .with("ResourceType", scope == Scope::bucket ? "BUCKET" : "OBJECT");
}

Response S3Service::error_response(const AwsError& err, const RequestHead& head) const {
    return rest_xml::error_response(err, head);
}

// --- errors shared by the handlers ---

AwsError no_such_bucket(const std::string& bucket) {
    return AwsError("NoSuchBucket", "The specified bucket does not exist", 404)
        .with("BucketName", bucket);
}

AwsError no_such_key(const std::string& key) {
    return AwsError("NoSuchKey", "The specified key does not exist.", 404).with("Key", key);
}

AwsError invalid_argument(std::string message, std::string name, std::string value) {
    AwsError e("InvalidArgument", std::move(message), 400);
    if (!name.empty())
        e.with("ArgumentName", std::move(name)).with("ArgumentValue", std::move(value));
    return e;
}

AwsError not_implemented(const std::string& what) {
    return AwsError(
        "NotImplemented",
        "A header or query you provided implies functionality that is not implemented: " + what,
        501);
}

BucketRecord require_bucket(Context& ctx, const Request& req, const std::string& bucket) {
    auto b = ctx.store.bucket(bucket);
    if (!b) throw no_such_bucket(bucket);
    bool owner = !req.anonymous && b->account == req.account;
    auto* policy = b->config("policy");
    if (!policy) {
        if (!owner && !acl_grants_access(ctx, req, *b)) throw access_denied();
        return *b;
    }
    const std::string& op = req.operation;
    if (owner && op.find("BucketPolicy") != std::string::npos) return *b;
    std::string resource = "arn:aws:s3:::" + bucket;
    if (ctx.target && ctx.target->bucket == bucket && !ctx.target->key.empty())
        resource += "/" + ctx.target->key;
    auto decision = evaluate_policy(nlohmann::json::parse(*policy), req.anonymous, req.account,
                                    policy_action(op), resource,
                                    public_access_setting(*b, "RestrictPublicBuckets"));
    if (decision == PolicyDecision::deny) throw access_denied();
    if (!owner && decision != PolicyDecision::allow && !acl_grants_access(ctx, req, *b))
        throw access_denied();
    return *b;
}

AwsError access_denied() {
    return AwsError("AccessDenied", "Access Denied", 403);
}

pugi::xml_node add_owner(pugi::xml_node parent, const char* name, const std::string& account) {
    auto node = parent.append_child(name);
    rest_xml::add(node, "ID", account);
    rest_xml::add(node, "DisplayName", "fogbank");
    return node;
}

std::string quote_etag(const std::string& etag) {
    return "\"" + etag + "\"";
}

Response empty(int status) {
    Response r;
    r.status = status;
    return r;
}

}  // namespace fogbank::s3
