// The versioned half of the S3 store: noncurrent versions and delete markers in s3_versions,
// looked up by id, listed, removed for good. A key's current object always stays in s3_objects
// and always has the highest seq of the key, so the newest row of a key is its latest version.
#include <limits>

#include "emulator/clock.hpp"
#include "emulator/crypto.hpp"
#include "services/s3/store_rows.hpp"

namespace fogbank::s3 {

namespace {

using VLock = std::lock_guard<std::mutex>;

// s3_versions' columns past the shared ones, as list and lookup queries select them.
constexpr const char* kVersionExtras = ", delete_marker, noncurrent_since";

ObjectRecord read_version(const Statement& s) {
    ObjectRecord o = rows::read_object(s);
    o.delete_marker = s.integer(rows::kObjectColumnCount) != 0;
    o.noncurrent_since = s.integer(rows::kObjectColumnCount + 1);
    return o;
}

std::optional<ObjectRecord> find_version(Database& db, const std::string& bucket,
                                         const std::string& key, const std::string& version_id) {
    if (auto cur = rows::find_object(db, bucket, key); cur && cur->version_id == version_id)
        return cur;
    auto s = db.prepare(std::string("SELECT ") + rows::kObjectColumns + kVersionExtras +
                        " FROM s3_versions WHERE bucket=? AND key=? AND version_id=?");
    s.bind_all(bucket, key, version_id);
    if (!s.step()) return std::nullopt;
    return read_version(s);
}

int64_t newest_history_seq(Database& db, const std::string& bucket, const std::string& key) {
    auto s = db.prepare("SELECT max(seq) FROM s3_versions WHERE bucket=? AND key=?");
    s.bind_all(bucket, key);
    if (!s.step() || s.is_null(0)) return 0;
    return s.integer(0);
}

// The first key after every key starting with `prefix` ("" if there is none: all 0xFF).
std::string prefix_end(const std::string& prefix) {
    std::string upper = prefix;
    while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xFF)
        upper.pop_back();
    if (!upper.empty()) upper.back() = static_cast<char>(upper.back() + 1);
    return upper;
}

}  // namespace

namespace rows {

std::string new_version_id() {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._";
    return random_id(kAlphabet, 32);
}

int64_t retire_current(Database& db, const std::string& bucket, const std::string& key,
                       const std::optional<ObjectRecord>& current, const std::string& status,
                       int64_t now_ms, std::vector<std::string>& garbage) {
    int64_t seq = current ? current->seq + 1 : newest_history_seq(db, bucket, key) + 1;
    if (status == "Suspended") {
        // A key has one null version at most: the new one replaces it wherever it is.
        auto s = db.prepare(
            "SELECT seq, blob_id FROM s3_versions WHERE bucket=? AND key=? AND version_id=''");
        s.bind_all(bucket, key);
        std::vector<int64_t> gone;
        while (s.step()) {
            gone.push_back(s.integer(0));
            garbage.push_back(s.text(1));
        }
        for (auto g : gone)
            db.prepare("DELETE FROM s3_versions WHERE bucket=? AND key=? AND seq=?")
                .bind_all(bucket, key, g)
                .run();
    }
    // A delete marker that was the latest is not any more.
    db.prepare(
          "UPDATE s3_versions SET noncurrent_since=? WHERE bucket=? AND key=? AND "
          "noncurrent_since=0")
        .bind_all(std::max<int64_t>(now_ms, 1), bucket, key)
        .run();
    if (!current) return seq;
    if (status == "Suspended" && current->version_id.empty()) {
        garbage.push_back(current->blob_id);
    } else {
        db.prepare(std::string("INSERT INTO s3_versions (") + kObjectColumns +
                   ", body, delete_marker, noncurrent_since) SELECT " + kObjectColumns +
                   ", body, 0, ? FROM s3_objects WHERE bucket=? AND key=?")
            .bind_all(std::max<int64_t>(now_ms, 1), bucket, key)
            .run();
    }
    db.prepare("DELETE FROM s3_objects WHERE bucket=? AND key=?").bind_all(bucket, key).run();
    return seq;
}

void promote_newest(Database& db, const std::string& bucket, const std::string& key) {
    auto s = db.prepare(
        "SELECT seq, delete_marker FROM s3_versions WHERE bucket=? AND key=? ORDER BY seq DESC "
        "LIMIT 1");
    s.bind_all(bucket, key);
    if (!s.step()) return;
    int64_t seq = s.integer(0);
    bool marker = s.integer(1) != 0;
    s.run();  // done with it before the writes below
    if (marker) {
        db.prepare("UPDATE s3_versions SET noncurrent_since=0 WHERE bucket=? AND key=? AND seq=?")
            .bind_all(bucket, key, seq)
            .run();
        return;
    }
    db.prepare(std::string("INSERT INTO s3_objects (") + kObjectColumns + ", body) SELECT " +
               kObjectColumns + ", body FROM s3_versions WHERE bucket=? AND key=? AND seq=?")
        .bind_all(bucket, key, seq)
        .run();
    db.prepare("DELETE FROM s3_versions WHERE bucket=? AND key=? AND seq=?")
        .bind_all(bucket, key, seq)
        .run();
}

}  // namespace rows

std::optional<ObjectRecord> Store::object_version(const std::string& bucket, const std::string& key,
                                                  const std::string& version_id) {
    VLock lock(db_.mutex());
    return find_version(db_, bucket, key, version_id);
}

std::optional<ObjectRecord> Store::latest_version(const std::string& bucket,
                                                  const std::string& key) {
    VLock lock(db_.mutex());
    if (auto cur = rows::find_object(db_, bucket, key)) return cur;
    auto s = db_.prepare(std::string("SELECT ") + rows::kObjectColumns + kVersionExtras +
                         " FROM s3_versions WHERE bucket=? AND key=? ORDER BY seq DESC LIMIT 1");
    s.bind_all(bucket, key);
    if (!s.step()) return std::nullopt;
    return read_version(s);
}

Store::Deleted Store::delete_version(const std::string& bucket, const std::string& key,
                                     const std::string& version_id) {
    VLock lock(db_.mutex());
    std::string garbage;
    Deleted out;
    {
        Transaction tx(db_);
        auto found = find_version(db_, bucket, key, version_id);
        // Deleting a version that is not there succeeds, as a simple DELETE does.
        out.version_id = wire_version_id(version_id);
        if (!found) return out;
        if (found->noncurrent_since == 0 && !found->delete_marker) {
            db_.prepare("DELETE FROM s3_objects WHERE bucket=? AND key=?")
                .bind_all(bucket, key)
                .run();
        } else {
            db_.prepare("DELETE FROM s3_versions WHERE bucket=? AND key=? AND seq=?")
                .bind_all(bucket, key, found->seq)
                .run();
        }
        if (found->is_latest()) rows::promote_newest(db_, bucket, key);
        garbage = found->blob_id;
        out.removed = true;
        out.delete_marker = found->delete_marker;
        tx.commit();
    }
    blobs_.remove(garbage);
    return out;
}

std::vector<ObjectRecord> Store::list_versions(const std::string& bucket, const std::string& prefix,
                                               const std::optional<std::string>& after_key,
                                               int64_t after_seq, size_t limit,
                                               bool noncurrent_only) {
    VLock lock(db_.mutex());
    // Both tables are walked on their (bucket, key[, seq]) keys over the prefix's range.
    std::string upper = prefix_end(prefix);
    std::string range = "key>=?";
    if (after_key) range += " AND (key>? OR (key=? AND seq<?))";
    if (!upper.empty()) range += " AND key<?";
    std::string sql = std::string("SELECT * FROM (");
    if (!noncurrent_only)
        sql += std::string("SELECT ") + rows::kObjectColumns +
               ", 0, 0 FROM s3_objects WHERE bucket=? AND " + range + " UNION ALL ";
    sql += std::string("SELECT ") + rows::kObjectColumns + kVersionExtras +
           " FROM s3_versions WHERE bucket=? AND " + range + ") ORDER BY key, seq DESC LIMIT ?";
    auto s = db_.prepare(sql);
    int i = 1;
    for (int pass = noncurrent_only ? 1 : 0; pass < 2; ++pass) {
        s.bind(i++, std::string_view(bucket));
        s.bind(i++, std::string_view(prefix));
        if (after_key) {
            s.bind(i++, std::string_view(*after_key));
            s.bind(i++, std::string_view(*after_key));
            s.bind(i++, after_seq);
        }
        if (!upper.empty()) s.bind(i++, std::string_view(upper));
    }
    s.bind(i++, static_cast<int64_t>(limit));
    std::vector<ObjectRecord> out;
    while (s.step())
        out.push_back(read_version(s));
    return out;
}

std::optional<int64_t> Store::version_seq(const std::string& bucket, const std::string& key,
                                          const std::string& version_id) {
    VLock lock(db_.mutex());
    auto v = find_version(db_, bucket, key, version_id);
    if (!v) return std::nullopt;
    return v->seq;
}

}  // namespace fogbank::s3
