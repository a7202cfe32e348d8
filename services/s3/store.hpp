// S3's SQLite schema and queries. Bodies are blobs (see BlobStore); rows say which blob holds
// an object or a part. Writers replace a blob only after their transaction commits, and
// readers open the blob under the same lock as the lookup, so a GET never races a DELETE.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "emulator/blob_store.hpp"
#include "emulator/database.hpp"

namespace fogbank::s3 {

struct BucketRecord {
    std::string name;
    std::string account;
    std::string region;
    int64_t created_ms = 0;
    nlohmann::json tags = nlohmann::json::object();  // key -> value
    std::string cors_xml;                            // empty: no configuration
    std::string versioning;                          // "", "Enabled", "Suspended"
    // Configuration documents by sub-resource ("policy", "lifecycle", "ownershipControls", ...),
    // as bucket_config.cpp stores them; absent: not configured. Shared, not copied: every object
    // request copies its bucket's record out of the cache.
    using Configs = std::map<std::string, std::string>;
    std::shared_ptr<const Configs> configs;
    const std::string* config(const std::string& subresource) const {
        if (!configs) return nullptr;
        auto it = configs->find(subresource);
        return it == configs->end() ? nullptr : &it->second;
    }
};

struct ObjectRecord {
    std::string bucket;
    std::string key;
    std::string blob_id;  // empty when the body is stored inline
    // Small bodies live in the row itself: no file to create, rename or unlink per object.
    // Loaded only by open_object(); listings never read it.
    std::optional<std::string> inline_body;
    uint64_t size = 0;
    std::string etag;  // without quotes
    int64_t last_modified_ms = 0;
    std::string content_type = "binary/octet-stream";
    // content-encoding, content-disposition, content-language, cache-control, expires,
    // website-redirect-location: returned as sent.
    nlohmann::json headers = nlohmann::json::object();
    nlohmann::json metadata = nlohmann::json::object();  // x-amz-meta-* without the prefix
    nlohmann::json tags = nlohmann::json::object();
    // {"CRC32": "base64", ..., "type": "FULL_OBJECT"|"COMPOSITE"}
    nlohmann::json checksums = nlohmann::json::object();
    std::vector<uint64_t> part_sizes;  // multipart objects: each part's size, in order
    std::string storage_class = "STANDARD";
    // Versioning. "" is the null version: every object of a bucket that never had versioning,
    // and what a suspended bucket writes. `seq` orders a key's versions, newest highest.
    std::string version_id;
    int64_t seq = 0;
    bool delete_marker = false;  // a version without a body, made by a DELETE
    // The object's ACL as acl.cpp stores it (JSON); empty: owned by the bucket owner, private.
    std::string acl;
    // When a newer version superseded this one; 0 while it is the latest.
    int64_t noncurrent_since = 0;
    bool is_latest() const { return noncurrent_since == 0; }
};

// "null" for the null version, as S3 names it on the wire.
inline std::string wire_version_id(const std::string& version_id) {
    return version_id.empty() ? "null" : version_id;
}

struct UploadRecord {
    std::string upload_id;
    std::string bucket;
    std::string key;
    int64_t initiated_ms = 0;
    ObjectRecord object;             // the headers, metadata and tags the object will get
    std::string checksum_algorithm;  // "" or "CRC32", ...
    std::string checksum_type;       // "", "COMPOSITE", "FULL_OBJECT"
};

struct PartRecord {
    int part_number = 0;
    std::string blob_id;
    uint64_t size = 0;
    std::string etag;
    int64_t last_modified_ms = 0;
    nlohmann::json checksums = nlohmann::json::object();
};

// A readable object: the record and an open descriptor of its body (or, for an inline
// object, fd -1 and record.inline_body holding the bytes).
struct OpenedObject {
    // Shared with the rows a GET keeps (see KeptObjects): a small GET copies no record.
    std::shared_ptr<const ObjectRecord> record;
    int fd = -1;
};

class Store {
  public:
    Store(Database& db, BlobStore& blobs);

    // Buckets
    bool create_bucket(const BucketRecord& b);  // false: name taken; b.configs stored with it
    std::optional<BucketRecord> bucket(const std::string& name);
    std::vector<BucketRecord> buckets(const std::string& account);
    enum class DeleteBucketResult { deleted, missing, not_empty };
    DeleteBucketResult delete_bucket(const std::string& name);
    void set_bucket_tags(const std::string& name, const nlohmann::json& tags);
    void set_bucket_cors(const std::string& name, const std::string& xml);
    void set_bucket_versioning(const std::string& name, const std::string& status);
    // Stores (or, with nullopt, removes) one configuration document of a bucket.
    void set_bucket_config(const std::string& name, const std::string& subresource,
                           const std::optional<std::string>& document);

    // Objects. `precondition` runs inside the write transaction with the current object (if
    // any) and may throw AwsError to refuse the write (conditional PUT/COPY/Complete).
    // A write to a versioned bucket keeps the object it replaces as a noncurrent version
    // (except a suspended bucket's null version, which it overwrites). Returns the version id
    // to report: "" for a bucket that never had versioning, else the new id or "null".
    using Precondition = std::function<void(const std::optional<ObjectRecord>&)>;
    std::string put_object(const ObjectRecord& o, const Precondition& precondition = {});
    std::optional<ObjectRecord> object(const std::string& bucket, const std::string& key);
    // With a version id ("" for null): that version, a delete marker included.
    std::optional<ObjectRecord> object_version(const std::string& bucket, const std::string& key,
                                               const std::string& version_id);
    // The newest version of a key, current object or delete marker (GET of a deleted key).
    std::optional<ObjectRecord> latest_version(const std::string& bucket, const std::string& key);
    std::optional<OpenedObject> open_object(const std::string& bucket, const std::string& key,
                                            const std::string* version_id = nullptr);
    // The whole body of an object other services read (Rekognition's images, Lambda's code):
    // nullopt if there is no such object, too_large set (and no bytes) past `limit`.
    struct SmallObject {
        std::string bytes;
        bool too_large = false;
    };
    std::optional<SmallObject> read_small_object(const std::string& bucket, const std::string& key,
                                                 uint64_t limit);
    struct Deleted {
        bool removed = false;        // something was deleted or a delete marker was made
        bool delete_marker = false;  // the version made (or, by id, removed) is a delete marker
        std::string version_id;      // as reported: "" unversioned bucket, else id or "null"
    };
    // A simple DELETE: removes the object, or in a versioned bucket puts a delete marker on
    // top. With `if_modified_at`, only while the current object is still the one written then
    // (a sweep that read it must not remove a newer write of the same key).
    Deleted delete_object(const std::string& bucket, const std::string& key,
                          std::optional<int64_t> if_modified_at = std::nullopt);
    // Removes one version for good ("" the null one); the newest left becomes current.
    Deleted delete_version(const std::string& bucket, const std::string& key,
                           const std::string& version_id);
    bool set_object_tags(const std::string& bucket, const std::string& key,
                         const nlohmann::json& tags, const std::string* version_id = nullptr);
    bool set_object_acl(const std::string& bucket, const std::string& key,
                        const std::string& version_id, const std::string& acl);
    // Replaces a version's stored headers (Object Lock retention and legal hold live there).
    bool set_object_headers(const std::string& bucket, const std::string& key,
                            const std::string& version_id, const nlohmann::json& headers);
    // Keys > after (and starting with prefix), in UTF-8 byte order, at most limit rows.
    std::vector<ObjectRecord> list_objects(const std::string& bucket, const std::string& prefix,
                                           const std::string& after, size_t limit);

    // Every version (objects and delete markers) with a key starting with `prefix`, in key
    // order and newest first within a key, from just after (after_key, after_seq): keys past
    // after_key, and versions of after_key older than after_seq. `noncurrent_only` leaves out
    // current objects (not current delete markers). At most `limit`; bodies not read.
    std::vector<ObjectRecord> list_versions(const std::string& bucket, const std::string& prefix,
                                            const std::optional<std::string>& after_key,
                                            int64_t after_seq, size_t limit,
                                            bool noncurrent_only = false);
    // The seq of a key's version, for a ListObjectVersions marker.
    std::optional<int64_t> version_seq(const std::string& bucket, const std::string& key,
                                       const std::string& version_id);

    // Objects with keys after `after` starting with `prefix`, written at or before `cutoff_ms`,
    // in key order, at most `limit` (lifecycle expiration). Bodies are not read.
    std::vector<ObjectRecord> objects_written_by(const std::string& bucket,
                                                 const std::string& prefix,
                                                 const std::string& after, int64_t cutoff_ms,
                                                 size_t limit);
    // Every bucket's document for one configuration sub-resource: (bucket, document).
    std::vector<std::pair<std::string, std::string>> bucket_configs(const std::string& subresource);

    // Multipart uploads
    void create_upload(const UploadRecord& u);
    std::optional<UploadRecord> upload(const std::string& upload_id);
    // Replaces an earlier part with the same number. False if the upload vanished meanwhile.
    bool put_part(const std::string& upload_id, const PartRecord& p);
    std::vector<PartRecord> parts(const std::string& upload_id);
    // Removes the upload and its parts' blobs; false if there was no such upload.
    bool delete_upload(const std::string& upload_id);
    // Turns an upload into an object whose body is `blob_id`, atomically, and keeps `result`
    // (the Complete answer) for a repeated Complete of the same upload.
    // Returns the version id as put_object does.
    std::string complete_upload(const std::string& upload_id, const ObjectRecord& o,
                                const Precondition& precondition, const std::string& result = {});
    struct CompletedUpload {
        std::string bucket, key, result;
    };
    // An upload completed within the last day: S3 answers a repeated Complete as the first.
    std::optional<CompletedUpload> completed_upload(const std::string& upload_id);
    std::vector<UploadRecord> uploads(const std::string& bucket);

    void reset();

  private:
    void init_schema();
    // One column of a version (current or noncurrent, never a delete marker), by version id.
    bool set_version_column(const char* column, const std::string& bucket, const std::string& key,
                            const std::string& version_id, const std::string& value);
    // Writes `o` as its key's current object, under the bucket's versioning (in the caller's
    // transaction); returns the version id to report, as put_object does.
    std::string install_object(const ObjectRecord& o, const std::optional<ObjectRecord>& current,
                               std::vector<std::string>& garbage);
    // Every object request reads its bucket's row: kept here once read, under the database
    // lock, and dropped by any change to the bucket. Only committed rows are kept (none read
    // while a group commit is open), so a group that fails to commit leaves nothing stale.
    const BucketRecord* cached_bucket(const std::string& name) const;
    // The bucket's versioning status inside a write, NoSuchBucket if it is gone.
    std::string versioning_of(const std::string& bucket);
    void forget_bucket(const std::string& name) { bucket_cache_.erase(name); }

    // Current objects as GET last read them: the row, and the body when it is inline. Reading
    // the row was a third of a small GET. The whole set holds only while the database has
    // changed nothing at all since it was read (its change counter is unchanged), so no write
    // path needs to know of it. As for buckets, nothing read while a group commit is open is
    // kept. Bounded in entries and bytes: full, it starts over.
    struct KeptObjects {
        int64_t changes = -1;
        size_t bytes = 0;
        std::unordered_map<std::string, std::shared_ptr<const ObjectRecord>>
            rows;  // bucket '\0' key
    };
    static constexpr size_t kKeptObjects = 1024, kKeptObjectBytes = 8 << 20;
    std::shared_ptr<const ObjectRecord> kept_object(const std::string& id);
    void keep_object(std::string id, std::shared_ptr<const ObjectRecord> rec);

    Database& db_;
    BlobStore& blobs_;
    std::unordered_map<std::string, BucketRecord> bucket_cache_;
    KeptObjects kept_objects_;
};

}  // namespace fogbank::s3
