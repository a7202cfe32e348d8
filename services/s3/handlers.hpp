// The S3 operation handlers and the helpers they share. Each handler takes the decoded request
// and its bucket/key and returns a Response or throws AwsError; none writes HTTP itself.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "emulator/aws_error.hpp"
#include "emulator/blob_store.hpp"
#include "emulator/config.hpp"
#include "emulator/http_message.hpp"
#include "emulator/protocol/rest_xml.hpp"
#include "services/s3/store.hpp"

namespace fogbank::s3 {

struct Target {
    std::string bucket;
    std::string key;  // empty: a bucket-level request
};

class Notifications;

struct Context {
    const Config& cfg;
    Store& store;
    BlobStore& blobs;
    Notifications* notifications = nullptr;
    const Target* target = nullptr;  // the request's own bucket and key
    std::string posted_key;          // POST Object: the key the form named
    // While a copy's source bucket is checked: the source object and version, which its ACL
    // must let the caller read.
    const Target* source = nullptr;
    std::optional<std::string> source_version;
    // The answer repeats an earlier request's (a retried Complete): it announces nothing new.
    bool replayed = false;
};

inline constexpr uint64_t kMaxObjectSize = 5ull * 1024 * 1024 * 1024;
inline constexpr uint64_t kMinPartSize = 5ull * 1024 * 1024;
inline constexpr int kMaxParts = 10000;
inline constexpr size_t kMaxKeyLength = 1024;
inline constexpr size_t kMaxMetadataSize = 2048;
// Objects up to this size are stored in their SQLite row instead of a blob file.
inline constexpr uint64_t kInlineObjectLimit = 128 * 1024;

// Errors S3 returns from many operations.
AwsError no_such_bucket(const std::string& bucket);
AwsError no_such_key(const std::string& key);
AwsError invalid_argument(std::string message, std::string name = {}, std::string value = {});
AwsError not_implemented(const std::string& what);
AwsError access_denied();

// The bucket, which must exist and either belong to the caller's account or have a policy
// that lets the caller do req.operation (on the request's key, for its own bucket); an explicit
// Deny in the policy holds for the owner too, except over the policy itself.
BucketRecord require_bucket(Context& ctx, const Request& req, const std::string& bucket);
std::string quote_etag(const std::string& etag);
// <name><ID>account</ID><DisplayName>fogbank</DisplayName></name> (Owner, Initiator, Grantee).
pugi::xml_node add_owner(pugi::xml_node parent, const char* name, const std::string& account);
Response empty(int status = 200);

// Object attributes from a PUT/POST/COPY(REPLACE) request: Content-Type and the other stored
// headers, x-amz-meta-*, x-amz-tagging, x-amz-storage-class. Validates their limits.
void read_object_attributes(const Request& req, ObjectRecord& o);
void write_object_headers(Response& res, const ObjectRecord& o, bool with_checksums);

// Checksums the client sent (headers or trailers) checked against what the body computed;
// returns what to store (with "type").
nlohmann::json verified_checksums(const Request& req);
void check_content_md5(const Request& req);
// The single checksum algorithm a request names, if any (header, trailer or sdk-algorithm).
std::optional<ChecksumAlgorithm> requested_checksum(const RequestHead& head);

// 1..10000, else InvalidArgument.
int parse_part_number(const std::string& value);

// If-None-Match: * and If-Match on writes (S3 conditional writes), checked inside the write.
Store::Precondition write_precondition(const Request& req, const std::string& key);
AwsError precondition_failed(const std::string& condition);
void add_checksum_response_headers(Response& res, const nlohmann::json& checksums);

nlohmann::json parse_tagging_header(const std::string& value);
nlohmann::json parse_tagging_xml(const std::string& body, bool object_tags);
Response tagging_response(const nlohmann::json& tags);

// Bucket notifications (notifications.cpp)
Response put_bucket_notification(Context&, Request&, const Target&);
Response get_bucket_notification(Context&, Request&, const Target&);

// Bucket operations (bucket_ops.cpp)
Response create_bucket(Context&, Request&, const Target&);
Response head_bucket(Context&, Request&, const Target&);
Response list_buckets(Context&, Request&);
Response delete_bucket(Context&, Request&, const Target&);
Response get_bucket_location(Context&, Request&, const Target&);
Response put_bucket_tagging(Context&, Request&, const Target&);
Response get_bucket_tagging(Context&, Request&, const Target&);
Response delete_bucket_tagging(Context&, Request&, const Target&);
Response get_bucket_versioning(Context&, Request&, const Target&);
Response put_bucket_versioning(Context&, Request&, const Target&);

// CORS (cors.cpp)
Response put_bucket_cors(Context&, Request&, const Target&);
Response get_bucket_cors(Context&, Request&, const Target&);
Response delete_bucket_cors(Context&, Request&, const Target&);
Response cors_preflight(Context&, Request&, const Target&);
// Adds Access-Control-* headers to a response for a request with an Origin header.
void apply_cors(Context&, const Request&, const Target&, Response&);

// ACLs (acl.cpp; see acl.hpp)
// Whether the bucket's (or the addressed object's) ACL lets a caller who does not own the
// bucket do req.operation.
bool acl_grants_access(Context& ctx, const Request& req, const BucketRecord& b);
// The stored ACL (JSON; "" for the default) a new object gets from the request's x-amz-acl or
// x-amz-grant-* headers, refused as S3 refuses it when the bucket has ACLs disabled.
std::string acl_for_new_object(const Request& req, const BucketRecord& b);
// CreateBucket's ACL under the ownership it asks for; nullopt for the default.
std::optional<std::string> acl_for_new_bucket(const Request& req, const std::string& ownership);
Response get_bucket_acl(Context&, Request&, const Target&);
Response put_bucket_acl(Context&, Request&, const Target&);
Response get_object_acl(Context&, Request&, const Target&);
Response put_object_acl(Context&, Request&, const Target&);

// Configuration documents (bucket_config.cpp): put/get/delete for the sub-resource the request
// names (lifecycle, encryption, logging, website, requestPayment, accelerate, replication,
// object-lock, ownershipControls, publicAccessBlock).
Response put_bucket_config(Context&, Request&, const Target&);
Response get_bucket_config(Context&, Request&, const Target&);
Response delete_bucket_config(Context&, Request&, const Target&);
bool valid_object_ownership(std::string_view value);
std::string ownership_controls_document(std::string_view ownership);
// What new buckets get: every public access setting on, as on S3 since April 2023.
std::string default_public_access_block();
// One of BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets.
bool public_access_setting(const BucketRecord& b, const char* setting);

// Server-side encryption as S3 reports it: the request's x-amz-server-side-encryption or the
// bucket's default, SSE-S3 (AES256) unless configured; kept in the object's stored headers
// only when it is not SSE-S3.
inline constexpr const char* kSseHeader = "x-amz-server-side-encryption";
inline constexpr const char* kSseKeyHeader = "x-amz-server-side-encryption-aws-kms-key-id";
void apply_encryption(const Request& req, const BucketRecord& b, ObjectRecord& o);
void add_encryption_headers(Response& res, const ObjectRecord& o);

// Bucket policies (bucket_policy.cpp)
Response put_bucket_policy(Context&, Request&, const Target&);
Response get_bucket_policy(Context&, Request&, const Target&);
Response delete_bucket_policy(Context&, Request&, const Target&);
Response get_bucket_policy_status(Context&, Request&, const Target&);

// Object Lock on objects (object_lock.cpp)
// The version's retention and legal hold from the request's x-amz-object-lock-* headers or the
// bucket's default retention, into o.headers; InvalidRequest without Object Lock.
void apply_object_lock(const Request& req, const BucketRecord& b, ObjectRecord& o);
// AccessDenied for a version a retention or legal hold protects from deletion by id.
void check_version_deletable(const Request& req, const ObjectRecord& o);
Response put_object_retention(Context&, Request&, const Target&);
Response get_object_retention(Context&, Request&, const Target&);
Response put_object_legal_hold(Context&, Request&, const Target&);
Response get_object_legal_hold(Context&, Request&, const Target&);

// Browser uploads (post_object.cpp)
Response post_object(Context&, Request&, const Target&);

// GetObjectAttributes (object_attributes.cpp)
Response get_object_attributes(Context&, Request&, const Target&);

// Objects (object_ops.cpp)
// MissingContentLength (411) for an upload framed by neither Content-Length nor chunks.
void require_content_length(const Request& req);
Response put_object(Context&, Request&, const Target&);
Response get_object(Context&, Request&, const Target&, bool head);
Response delete_object(Context&, Request&, const Target&);
Response delete_objects(Context&, Request&, const Target&);
Response copy_object(Context&, Request&, const Target&);
Response put_object_tagging(Context&, Request&, const Target&);
Response get_object_tagging(Context&, Request&, const Target&);
Response delete_object_tagging(Context&, Request&, const Target&);
// "bucket/key" or "/bucket/key" (URL-encoded) from x-amz-copy-source, its ?versionId removed.
Target parse_copy_source(const std::string& header);

// Versions (versions.cpp)
// "null" or a 32-character id of the kind fogbank makes.
bool valid_version_id(std::string_view v);
// The request's versionId ("" for null), InvalidArgument if it is not one.
std::optional<std::string> requested_version(const Request& req);
// x-amz-version-id on a response about `o`, when its bucket has (or had) versioning.
void add_version_header(Response& res, const BucketRecord& b, const ObjectRecord& o);
AwsError no_such_version(const std::string& key, const std::string& version_id);
// 405 for a request that names a delete marker by its version id.
AwsError delete_marker_addressed(const Request& req, const ObjectRecord& marker);
// NoSuchVersion, or NoSuchKey (with x-amz-delete-marker when a marker hides the key).
AwsError missing_object(Context& ctx, const BucketRecord& b, const std::string& key,
                        const std::optional<std::string>& version);
// The object, or the version the request names; never a delete marker.
ObjectRecord require_object_version(Context& ctx, const Request& req, const BucketRecord& b,
                                    const std::string& key);
struct SourceObject {
    Target target;
    BucketRecord bucket;
    OpenedObject object;
    bool by_version = false;
};
// x-amz-copy-source opened: its bucket checked, its version (or current object) read.
SourceObject open_copy_source(Context& ctx, const Request& req);
void add_copy_source_version(Response& res, const SourceObject& src);

// Listing (listing.cpp)
Response list_objects(Context&, Request&, const Target&, bool v2);
Response list_object_versions(Context&, Request&, const Target&);

// Multipart (multipart.cpp)
Response create_multipart_upload(Context&, Request&, const Target&);
Response upload_part(Context&, Request&, const Target&);
Response upload_part_copy(Context&, Request&, const Target&);
Response complete_multipart_upload(Context&, Request&, const Target&);
Response abort_multipart_upload(Context&, Request&, const Target&);
Response list_parts(Context&, Request&, const Target&);
Response list_multipart_uploads(Context&, Request&, const Target&);

}  // namespace fogbank::s3
