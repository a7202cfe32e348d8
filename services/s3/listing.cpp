// ListObjects (v1) and ListObjectsV2: prefix, delimiter with CommonPrefixes, markers and
// continuation tokens, encoding-type=url. Keys come from the store in UTF-8 byte order; a
// common prefix is skipped in one seek rather than by walking every key under it.
#include "emulator/encoding.hpp"
#include "services/s3/handlers.hpp"

namespace fogbank::s3 {

namespace {

constexpr size_t kBatch = 1000;

// Greater than every key that starts with `p` (keys are at most 1024 bytes).
std::string past_prefix(const std::string& p) {
    return p + std::string(kMaxKeyLength + 1, '\xFF');
}

struct Listing {
    std::vector<ObjectRecord> contents;
    std::vector<std::string> prefixes;
    bool truncated = false;
    std::string last;  // last key or common prefix returned
    bool last_is_prefix = false;
};

Listing walk(Store& store, const std::string& bucket, const std::string& prefix,
             const std::string& delimiter, std::string cursor, size_t max_keys) {
    Listing out;
    if (max_keys == 0) return out;
    // A cursor inside a group that was already returned as a CommonPrefix resumes after the group.
    if (!delimiter.empty() && cursor.size() > prefix.size() &&
        cursor.compare(0, prefix.size(), prefix) == 0) {
        auto pos = cursor.find(delimiter, prefix.size());
        if (pos != std::string::npos)
            cursor = past_prefix(cursor.substr(0, pos + delimiter.size()));
    }
    size_t count = 0;
    for (;;) {
        auto batch = store.list_objects(bucket, prefix, cursor, kBatch);
        if (batch.empty()) return out;
        bool jumped = false;
        for (auto& o : batch) {
            cursor = o.key;
            std::string cp;
            if (!delimiter.empty()) {
                auto pos = o.key.find(delimiter, prefix.size());
                if (pos != std::string::npos) cp = o.key.substr(0, pos + delimiter.size());
            }
            if (count == max_keys) {
                out.truncated = true;
                return out;
            }
            ++count;
            if (!cp.empty()) {
                out.prefixes.push_back(cp);
                out.last = cp;
                out.last_is_prefix = true;
                cursor = past_prefix(cp);
                jumped = true;
                break;
            }
            out.last = o.key;
            out.last_is_prefix = false;
            out.contents.push_back(std::move(o));
        }
        if (!jumped && batch.size() < kBatch) return out;
    }
}

size_t parse_max_keys(const Request& req) {
    auto v = req.query_param("max-keys");
    if (!v) return 1000;
    try {
        size_t used = 0;
        long n = std::stol(*v, &used);
        if (used != v->size() || n < 0) throw std::invalid_argument("max-keys");
        return static_cast<size_t>(std::min<long>(n, 1000));
    } catch (const std::exception&) {
        throw invalid_argument("Provided max-keys not an integer or within integer range",
                               "max-keys", *v);
    }
}

}  // namespace

Response list_objects(Context& ctx, Request& req, const Target& t, bool v2) {
    require_bucket(ctx, req, t.bucket);
    if (v2 && req.query_param("list-type") != "2")
        throw invalid_argument("Invalid List Type specified in Request", "list-type",
                               req.query_param("list-type").value_or(""));
    auto prefix = req.query_param("prefix").value_or("");
    auto delimiter = req.query_param("delimiter").value_or("");
    auto encoding = req.query_param("encoding-type");
    if (encoding && *encoding != "url")
        throw invalid_argument("Invalid Encoding Method specified in Request", "encoding-type",
                               *encoding);
    bool url = encoding.has_value();
    auto enc = [url](const std::string& s) { return url ? uri_encode(s, true) : s; };
    size_t max_keys = parse_max_keys(req);

    std::string cursor;
    auto token = req.query_param("continuation-token");
    auto start_after = req.query_param("start-after");
    auto marker = req.query_param("marker");
    // An empty token is no token: S3 lists from the start (and echoes it back).
    if (v2 && token && !token->empty()) {
        auto decoded = base64_decode(*token);
        if (!decoded || decoded->empty())
            throw invalid_argument("The continuation token provided is incorrect",
                                   "continuation-token", *token);
        cursor = decoded->substr(1);
    } else if (v2 && start_after) {
        cursor = *start_after;
    } else if (!v2 && marker) {
        cursor = *marker;
    }

    Listing l = walk(ctx.store, t.bucket, prefix, delimiter, cursor, max_keys);

    rest_xml::Document d("ListBucketResult");
    rest_xml::add(d.root, "Name", t.bucket);
    rest_xml::add(d.root, "Prefix", enc(prefix));
    if (v2) {
        if (start_after) rest_xml::add(d.root, "StartAfter", enc(*start_after));
        if (token) rest_xml::add(d.root, "ContinuationToken", *token);
        if (l.truncated)
            rest_xml::add(d.root, "NextContinuationToken",
                          base64_encode((l.last_is_prefix ? "P" : "K") + l.last));
        rest_xml::add(d.root, "KeyCount", std::to_string(l.contents.size() + l.prefixes.size()));
    } else {
        rest_xml::add(d.root, "Marker", enc(marker.value_or("")));
        if (l.truncated && !delimiter.empty()) rest_xml::add(d.root, "NextMarker", enc(l.last));
    }
    rest_xml::add(d.root, "MaxKeys", std::to_string(max_keys));
    if (!delimiter.empty()) rest_xml::add(d.root, "Delimiter", enc(delimiter));
    rest_xml::add(d.root, "IsTruncated", l.truncated ? "true" : "false");
    if (url) rest_xml::add(d.root, "EncodingType", "url");
    bool owner = !v2 || req.query_param("fetch-owner") == "true";
    for (auto& o : l.contents) {
        auto c = d.root.append_child("Contents");
        rest_xml::add(c, "Key", enc(o.key));
        rest_xml::add(c, "LastModified",
                      format_iso8601_ms(TimePoint{std::chrono::milliseconds{o.last_modified_ms}}));
        rest_xml::add(c, "ETag", quote_etag(o.etag));
        for (auto alg : kAllChecksumAlgorithms)
            if (o.checksums.contains(std::string(checksum_name(alg))))
                rest_xml::add(c, "ChecksumAlgorithm", checksum_name(alg));
        if (o.checksums.contains("type"))
            rest_xml::add(c, "ChecksumType", o.checksums["type"].get<std::string>());
        rest_xml::add(c, "Size", std::to_string(o.size));
        if (owner) add_owner(c, "Owner", req.account);
        rest_xml::add(c, "StorageClass", o.storage_class);
    }
    for (auto& p : l.prefixes)
        rest_xml::add(d.root.append_child("CommonPrefixes"), "Prefix", enc(p));
    return rest_xml::xml_response(d);
}

namespace {

struct VersionListing {
    std::vector<ObjectRecord> versions;  // objects and delete markers, in order
    std::vector<std::string> prefixes;
    bool truncated = false;
    const ObjectRecord* last = nullptr;  // the last version returned, unless a prefix came last
    std::string last_prefix;
};

// Like walk(), over every version: each version, delete marker and common prefix counts
// toward max-keys. The cursor is a (key, seq) position: after_seq -1 skips all of after_key.
VersionListing walk_versions(Store& store, const std::string& bucket, const std::string& prefix,
                             const std::string& delimiter, std::optional<std::string> after_key,
                             int64_t after_seq, size_t max_keys) {
    VersionListing out;
    if (max_keys == 0) return out;
    if (after_key && !delimiter.empty() && after_key->size() > prefix.size() &&
        after_key->compare(0, prefix.size(), prefix) == 0) {
        auto pos = after_key->find(delimiter, prefix.size());
        if (pos != std::string::npos) {
            after_key = past_prefix(after_key->substr(0, pos + delimiter.size()));
            after_seq = -1;
        }
    }
    size_t count = 0;
    for (;;) {
        auto batch = store.list_versions(bucket, prefix, after_key, after_seq, kBatch);
        if (batch.empty()) break;
        bool jumped = false;
        for (auto& v : batch) {
            after_key = v.key;
            after_seq = v.seq;
            std::string cp;
            if (!delimiter.empty()) {
                auto pos = v.key.find(delimiter, prefix.size());
                if (pos != std::string::npos) cp = v.key.substr(0, pos + delimiter.size());
            }
            if (count == max_keys) {
                out.truncated = true;
                break;
            }
            ++count;
            if (!cp.empty()) {
                out.prefixes.push_back(cp);
                out.last_prefix = cp;
                after_key = past_prefix(cp);
                after_seq = -1;
                jumped = true;
                break;
            }
            out.last_prefix.clear();
            out.versions.push_back(std::move(v));
        }
        if (out.truncated || (!jumped && batch.size() < kBatch)) break;
    }
    if (out.last_prefix.empty() && !out.versions.empty()) out.last = &out.versions.back();
    return out;
}

}  // namespace

Response list_object_versions(Context& ctx, Request& req, const Target& t) {
    require_bucket(ctx, req, t.bucket);
    auto prefix = req.query_param("prefix").value_or("");
    auto delimiter = req.query_param("delimiter").value_or("");
    auto key_marker = req.query_param("key-marker").value_or("");
    auto version_marker = req.query_param("version-id-marker");
    auto encoding = req.query_param("encoding-type");
    if (encoding && *encoding != "url")
        throw invalid_argument("Invalid Encoding Method specified in Request", "encoding-type",
                               *encoding);
    auto enc = [url = encoding.has_value()](const std::string& s) {
        return url ? uri_encode(s, true) : s;
    };
    size_t max_keys = parse_max_keys(req);
    std::optional<std::string> after_key;
    int64_t after_seq = -1;
    if (version_marker && !version_marker->empty()) {
        if (key_marker.empty())
            throw invalid_argument("A version-id marker cannot be specified without a key marker.",
                                   "version-id-marker", *version_marker);
        if (!valid_version_id(*version_marker))
            throw invalid_argument("Invalid version id specified", "version-id-marker",
                                   *version_marker);
        auto seq = ctx.store.version_seq(t.bucket, key_marker,
                                         *version_marker == "null" ? "" : *version_marker);
        // A marker version that is gone: resume after every version of its key.
        after_seq = seq.value_or(-1);
    }
    if (!key_marker.empty()) after_key = key_marker;
    VersionListing l =
        walk_versions(ctx.store, t.bucket, prefix, delimiter, after_key, after_seq, max_keys);

    rest_xml::Document d("ListVersionsResult");
    rest_xml::add(d.root, "Name", t.bucket);
    rest_xml::add(d.root, "Prefix", enc(prefix));
    rest_xml::add(d.root, "KeyMarker", enc(key_marker));
    rest_xml::add(d.root, "VersionIdMarker", version_marker.value_or(""));
    if (l.truncated) {
        if (l.last) {
            rest_xml::add(d.root, "NextKeyMarker", enc(l.last->key));
            rest_xml::add(d.root, "NextVersionIdMarker", wire_version_id(l.last->version_id));
        } else {
            rest_xml::add(d.root, "NextKeyMarker", enc(l.last_prefix));
        }
    }
    rest_xml::add(d.root, "MaxKeys", std::to_string(max_keys));
    if (!delimiter.empty()) rest_xml::add(d.root, "Delimiter", enc(delimiter));
    rest_xml::add(d.root, "IsTruncated", l.truncated ? "true" : "false");
    if (encoding) rest_xml::add(d.root, "EncodingType", "url");
    for (auto& o : l.versions) {
        auto v = d.root.append_child(o.delete_marker ? "DeleteMarker" : "Version");
        rest_xml::add(v, "Key", enc(o.key));
        rest_xml::add(v, "VersionId", wire_version_id(o.version_id));
        rest_xml::add(v, "IsLatest", o.is_latest() ? "true" : "false");
        rest_xml::add(v, "LastModified",
                      format_iso8601_ms(TimePoint{std::chrono::milliseconds{o.last_modified_ms}}));
        if (!o.delete_marker) {
            rest_xml::add(v, "ETag", quote_etag(o.etag));
            rest_xml::add(v, "Size", std::to_string(o.size));
            rest_xml::add(v, "StorageClass", o.storage_class);
        }
        add_owner(v, "Owner", req.account);
    }
    for (auto& p : l.prefixes)
        rest_xml::add(d.root.append_child("CommonPrefixes"), "Prefix", enc(p));
    return rest_xml::xml_response(d);
}

}  // namespace fogbank::s3
