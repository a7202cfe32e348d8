// Row-level helpers the S3 store's files share: the object columns, reading and writing an
// object row, and how a write or delete treats the versions a key already has. Every function
// runs under the database lock, inside the caller's transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "emulator/database.hpp"
#include "services/s3/store.hpp"

namespace fogbank::s3::rows {

// Columns s3_objects and s3_versions share, in read_object's order; `body` follows them.
inline constexpr char kObjectColumns[] =
    "bucket, key, blob_id, size, etag, last_modified, content_type, headers, metadata, tags, "
    "checksums, part_sizes, storage_class, version_id, seq, acl";
inline constexpr int kObjectColumnCount = 16;

ObjectRecord read_object(const Statement& s, int first_column = 0);
// The same, into a record already in place (GET's: no record moved per request).
void read_object_into(const Statement& s, ObjectRecord& o, int first_column = 0);
std::optional<ObjectRecord> find_object(Database& db, const std::string& bucket,
                                        const std::string& key);
void upsert_object(Database& db, const ObjectRecord& o);

// The bucket's versioning status ("", "Enabled", "Suspended"); NoSuchBucket if it is gone.
std::string versioning_of(Database& db, const std::string& bucket);

// Makes room for a new newest version of `key` (an object or a delete marker) as `status`
// says, and returns the seq the new version gets. In a versioned bucket the current object
// becomes noncurrent, except a suspended bucket's null version, which is removed along with
// any noncurrent null version. Blobs no row holds any more go to `garbage`.
int64_t retire_current(Database& db, const std::string& bucket, const std::string& key,
                       const std::optional<ObjectRecord>& current, const std::string& status,
                       int64_t now_ms, std::vector<std::string>& garbage);

// After a version was removed for good: the newest remaining becomes the current one.
void promote_newest(Database& db, const std::string& bucket, const std::string& key);

// A fresh version id: 32 characters, as S3's are.
std::string new_version_id();

}  // namespace fogbank::s3::rows
