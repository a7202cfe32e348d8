// Object operations: PutObject, GetObject/HeadObject, DeleteObject(s), CopyObject, tagging.
#include <unistd.h>

#include "emulator/encoding.hpp"
#include "services/s3/blob_copy.hpp"
#include "services/s3/conditions.hpp"
#include "services/s3/handlers.hpp"

namespace fogbank::s3 {

using json = nlohmann::json;

AwsError precondition_failed(const std::string& condition) {
    return AwsError("PreconditionFailed",
                    "At least one of the pre-conditions you specified did not hold", 412)
        .with("Condition", condition);
}

void add_checksum_response_headers(Response& res, const json& checksums) {
    for (auto alg : kAllChecksumAlgorithms) {
        auto name = std::string(checksum_name(alg));
        if (checksums.contains(name))
            res.headers.set(checksum_header(alg), checksums[name].get<std::string>());
    }
    if (checksums.contains("type"))
        res.headers.set("x-amz-checksum-type", checksums["type"].get<std::string>());
}

namespace {

std::string condition_name(const Preconditions& p) {
    if (p.if_match) return "If-Match";
    if (p.if_unmodified_since) return "If-Unmodified-Since";
    if (p.if_none_match) return "If-None-Match";
    return "If-Modified-Since";
}

constexpr std::pair<const char*, const char*> kResponseOverrides[] = {
    {"response-content-type", "Content-Type"},
    {"response-content-language", "Content-Language"},
    {"response-expires", "Expires"},
    {"response-cache-control", "Cache-Control"},
    {"response-content-disposition", "Content-Disposition"},
    {"response-content-encoding", "Content-Encoding"},
};
}  // namespace

Store::Precondition write_precondition(const Request& req, const std::string& key) {
    auto if_none = req.header("if-none-match");
    auto if_match = req.header("if-match");
    if (!if_none && !if_match) return {};
    if (if_none && trim(*if_none) != "*")
        throw not_implemented("If-None-Match other than * on writes");
    return [if_none, if_match, key](const std::optional<ObjectRecord>& current) {
        if (if_none && current) throw precondition_failed("If-None-Match");
        if (if_match) {
            if (!current) throw no_such_key(key);
            if (!etag_list_matches(*if_match, current->etag)) throw precondition_failed("If-Match");
        }
    };
}

void require_content_length(const Request& req) {
    // S3 frames every upload by its length; a request with neither a length nor chunks has no
    // body it could have meant.
    if (!req.header("content-length") && !req.header("transfer-encoding"))
        throw AwsError("MissingContentLength", "You must provide the Content-Length HTTP header.",
                       411);
}

Response put_object(Context& ctx, Request& req, const Target& t) {
    auto bucket = require_bucket(ctx, req, t.bucket);
    require_content_length(req);
    if (auto decoded = req.header("x-amz-decoded-content-length");
        decoded && *decoded != std::to_string(req.body.size()))
        throw AwsError(
            "IncompleteBody",
            "You did not provide the number of bytes specified by the Content-Length HTTP header",
            400);
    check_content_md5(req);
    ObjectRecord o;
    o.bucket = t.bucket;
    o.key = t.key;
    o.acl = acl_for_new_object(req, bucket);
    read_object_attributes(req, o);
    apply_encryption(req, bucket, o);
    apply_object_lock(req, bucket, o);
    o.checksums = verified_checksums(req);
    auto precondition = write_precondition(req, t.key);
    o.size = req.body.size();
    o.etag = to_hex(req.body.md5.value_or(md5("")));
    o.last_modified_ms = now_ms().time_since_epoch().count();
    if (req.body.spooled())
        o.blob_id = ctx.blobs.adopt(req.body.release_file());
    else
        o.inline_body = req.body.memory();
    std::string version;
    try {
        version = ctx.store.put_object(o, precondition);
    } catch (...) {
        ctx.blobs.remove(o.blob_id);
        throw;
    }
    Response res;
    res.headers.set("ETag", quote_etag(o.etag));
    if (!version.empty()) res.headers.set("x-amz-version-id", version);
    add_checksum_response_headers(res, o.checksums);
    add_encryption_headers(res, o);
    return res;
}

Response get_object(Context& ctx, Request& req, const Target& t, bool head) {
    auto bucket = require_bucket(ctx, req, t.bucket);
    auto version = requested_version(req);
    std::optional<int> part;
    if (auto pn = req.query_param("partNumber")) {
        part = parse_part_number(*pn);
        if (req.header("range"))
            throw AwsError("InvalidRequest",
                           "Cannot specify both Range header and partNumber query parameter", 400);
    }
    auto opened = ctx.store.open_object(t.bucket, t.key, version ? &*version : nullptr);
    if (!opened) throw missing_object(ctx, bucket, t.key, version);
    FileSlice body(opened->fd, 0, opened->record->size);
    const ObjectRecord& o = *opened->record;
    if (o.delete_marker) throw delete_marker_addressed(req, o);

    auto pre = read_preconditions(req);
    switch (
        evaluate(pre, o.etag, TimePoint{std::chrono::milliseconds{o.last_modified_ms}}, now_ms())) {
        case Outcome::failed:
            throw precondition_failed(condition_name(pre));
        case Outcome::not_modified: {
            Response res;
            res.status = 304;
            res.headers.set("ETag", quote_etag(o.etag));
            res.headers.set(
                "Last-Modified",
                format_http_date(TimePoint{std::chrono::milliseconds{o.last_modified_ms}}));
            return res;
        }
        case Outcome::proceed:
            break;
    }

    Response res;
    RangeDecision range;
    if (auto r = req.header_view("range")) range = decide_range(*r, o.size);
    if (part) {
        // A part of a multipart object, or part 1 of a single-part one: a ranged GET either way.
        std::vector<uint64_t> sizes =
            o.part_sizes.empty() ? std::vector<uint64_t>{o.size} : o.part_sizes;
        if (static_cast<size_t>(*part) > sizes.size())
            throw AwsError("InvalidPartNumber", "The requested partnumber is not satisfiable", 416)
                .with("PartNumberRequested", std::to_string(*part))
                .with("ActualPartCount", std::to_string(sizes.size()));
        uint64_t first = 0;
        for (int i = 1; i < *part; ++i)
            first += sizes[static_cast<size_t>(i - 1)];
        uint64_t len = sizes[static_cast<size_t>(*part - 1)];
        range.status = len == 0 ? RangeStatus::whole : RangeStatus::partial;
        range.range = {first, first + len - 1};
    }
    if (range.status == RangeStatus::unsatisfiable)
        throw AwsError("InvalidRange", "The requested range is not satisfiable", 416)
            .with("RangeRequested", req.header("range").value_or(""))
            .with("ActualObjectSize", std::to_string(o.size));
    bool whole = range.status == RangeStatus::whole;
    bool checksum_mode = iequals(req.header_view("x-amz-checksum-mode").value_or(""), "ENABLED");
    write_object_headers(res, o, checksum_mode && whole);
    add_version_header(res, bucket, o);
    if (part && !o.part_sizes.empty())
        res.headers.set("x-amz-mp-parts-count", std::to_string(o.part_sizes.size()));
    if (!whole) {
        res.status = 206;
        res.headers.set("Content-Range", "bytes " + std::to_string(range.range.first) + "-" +
                                             std::to_string(range.range.last) + "/" +
                                             std::to_string(o.size));
        body.offset = range.range.first;
        body.length = range.range.length();
    }
    if (!head) {
        for (auto& [param, header] : kResponseOverrides)
            if (auto v = req.query_param(param)) res.headers.set(header, *v);
    }
    if (head) {
        res.head_length = body.length;
    } else if (o.inline_body) {
        res.body = o.inline_body->substr(static_cast<size_t>(body.offset),
                                         static_cast<size_t>(body.length));
    } else {
        res.file = std::move(body);
    }
    return res;
}

Response delete_object(Context& ctx, Request& req, const Target& t) {
    auto bucket = require_bucket(ctx, req, t.bucket);
    auto version = requested_version(req);
    if (version && bucket.config("object-lock"))
        if (auto o = ctx.store.object_version(t.bucket, t.key, *version); o && !o->delete_marker)
            check_version_deletable(req, *o);
    auto deleted = version ? ctx.store.delete_version(t.bucket, t.key, *version)
                           : ctx.store.delete_object(t.bucket, t.key);
    Response res = empty(204);
    if (!deleted.version_id.empty()) res.headers.set("x-amz-version-id", deleted.version_id);
    if (deleted.delete_marker) res.headers.set("x-amz-delete-marker", "true");
    return res;
}

Response delete_objects(Context& ctx, Request& req, const Target& t) {
    auto bucket = require_bucket(ctx, req, t.bucket);
    if (!req.header("content-md5") && !requested_checksum(req))
        throw AwsError("InvalidRequest", "Missing required header for this request: Content-MD5",
                       400);
    check_content_md5(req);
    verified_checksums(req);
    auto doc = rest_xml::parse(req.body.text());
    auto root = doc.document_element();
    if (std::string_view(root.name()) != "Delete") throw rest_xml::malformed();
    bool quiet = rest_xml::child_text(root, "Quiet") == "true";
    struct Entry {
        std::string key;
        std::optional<std::string> version;  // "" for null
    };
    std::vector<Entry> entries;
    for (auto obj : root.children("Object")) {
        if (!obj.child("Key")) throw rest_xml::malformed();
        Entry e{obj.child("Key").text().get(), std::nullopt};
        if (auto v = obj.child("VersionId")) {
            std::string id = v.text().get();
            e.version = id == "null" ? std::string() : id;
        }
        entries.push_back(std::move(e));
    }
    if (entries.empty() || entries.size() > 1000) throw rest_xml::malformed();
    rest_xml::Document d("DeleteResult");
    auto fail = [&](const Entry& en, const char* code, const char* message) {
        auto e = d.root.append_child("Error");
        rest_xml::add(e, "Key", en.key);
        if (en.version) rest_xml::add(e, "VersionId", wire_version_id(*en.version));
        rest_xml::add(e, "Code", code);
        rest_xml::add(e, "Message", message);
    };
    for (auto& en : entries) {
        if (en.key.size() > kMaxKeyLength) {
            fail(en, "KeyTooLongError", "Your key is too long");
            continue;
        }
        if (en.version && !valid_version_id(wire_version_id(*en.version))) {
            fail(en, "NoSuchVersion", "The specified version does not exist.");
            continue;
        }
        if (en.version && bucket.config("object-lock")) {
            try {
                if (auto o = ctx.store.object_version(t.bucket, en.key, *en.version);
                    o && !o->delete_marker)
                    check_version_deletable(req, *o);
            } catch (const AwsError& e) {
                fail(en, "AccessDenied", e.what());
                continue;
            }
        }
        auto deleted = en.version ? ctx.store.delete_version(t.bucket, en.key, *en.version)
                                  : ctx.store.delete_object(t.bucket, en.key);
        if (quiet) continue;
        auto node = d.root.append_child("Deleted");
        rest_xml::add(node, "Key", en.key);
        if (en.version) rest_xml::add(node, "VersionId", wire_version_id(*en.version));
        if (deleted.delete_marker) {
            // A simple delete names the marker it made; a delete by id, the marker it removed.
            rest_xml::add(node, "DeleteMarker", "true");
            rest_xml::add(node, "DeleteMarkerVersionId", deleted.version_id);
        }
    }
    return rest_xml::xml_response(d);
}

Target parse_copy_source(const std::string& header) {
    std::string_view v = header;
    auto decoded = uri_decode(v);
    if (!decoded)
        throw invalid_argument("Invalid copy source encoding", "x-amz-copy-source", header);
    std::string_view s = *decoded;
    if (!s.empty() && s.front() == '/') s.remove_prefix(1);
    auto slash = s.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == s.size())
        throw invalid_argument("Invalid copy source object key", "x-amz-copy-source", header);
    return Target{std::string(s.substr(0, slash)), std::string(s.substr(slash + 1))};
}

Response copy_object(Context& ctx, Request& req, const Target& t) {
    auto bucket = require_bucket(ctx, req, t.bucket);
    auto acl = acl_for_new_object(req, bucket);
    auto directive = req.header("x-amz-metadata-directive").value_or("COPY");
    auto tag_directive = req.header("x-amz-tagging-directive").value_or("COPY");
    if (directive != "COPY" && directive != "REPLACE")
        throw invalid_argument("Unknown metadata directive.", "x-amz-metadata-directive",
                               directive);
    if (tag_directive != "COPY" && tag_directive != "REPLACE")
        throw invalid_argument("Unknown tagging directive.", "x-amz-tagging-directive",
                               tag_directive);
    std::optional<ChecksumAlgorithm> alg;
    if (auto a = req.header("x-amz-checksum-algorithm")) {
        alg = parse_checksum_algorithm(*a);
        if (!alg)
            throw invalid_argument("Checksum algorithm provided is unsupported.",
                                   "x-amz-checksum-algorithm", *a);
    }

    SourceObject source = open_copy_source(ctx, req);
    const Target& src = source.target;
    FileSlice guard(source.object.fd, 0, source.object.record->size);
    const ObjectRecord& so = *source.object.record;
    if (so.size > kMaxObjectSize)
        throw AwsError("InvalidRequest",
                       "The specified copy source is larger than the maximum allowable size for a "
                       "copy source: 5368709120",
                       400);
    auto pre = read_preconditions(req, "x-amz-copy-source-");
    if (evaluate(pre, so.etag, TimePoint{std::chrono::milliseconds{so.last_modified_ms}},
                 now_ms()) != Outcome::proceed)
        throw precondition_failed("x-amz-copy-source-" + to_lower(condition_name(pre)));

    // Copying an older version over its own key is how a version is restored.
    bool same = src.bucket == t.bucket && src.key == t.key && !source.by_version;
    if (same && directive == "COPY" && !req.header("x-amz-storage-class") &&
        !req.header("x-amz-website-redirect-location") && !alg)
        throw AwsError("InvalidRequest",
                       "This copy request is illegal because it is trying to copy an object to "
                       "itself without changing "
                       "the object's metadata, storage class, website redirect location or "
                       "encryption attributes.",
                       400);

    ObjectRecord o;
    if (directive == "REPLACE") {
        read_object_attributes(req, o);
    } else {
        o.content_type = so.content_type;
        o.headers = so.headers;
        o.metadata = so.metadata;
        o.storage_class = so.storage_class;
        if (auto sc = req.header("x-amz-storage-class")) {
            ObjectRecord tmp;
            read_object_attributes(req, tmp);
            o.storage_class = tmp.storage_class;
        }
    }
    o.tags = tag_directive == "REPLACE"
                 ? (req.header("x-amz-tagging") ? parse_tagging_header(*req.header("x-amz-tagging"))
                                                : json::object())
                 : so.tags;
    o.bucket = t.bucket;
    o.key = t.key;
    o.acl = acl;  // a copy gets its own ACL, never its source's
    // The copy is encrypted and locked as its own bucket says, not as its source was.
    o.headers.erase("x-amz-object-lock-mode");
    o.headers.erase("x-amz-object-lock-retain-until-date");
    o.headers.erase("x-amz-object-lock-legal-hold");
    apply_encryption(req, bucket, o);
    apply_object_lock(req, bucket, o);

    // The copy keeps the source's full-object checksum algorithm unless the request names one.
    if (!alg) {
        for (auto a : kAllChecksumAlgorithms)
            if (so.checksums.contains(std::string(checksum_name(a))) &&
                so.checksums.value("type", "") == "FULL_OBJECT")
                alg = a;
        if (!alg) alg = ChecksumAlgorithm::crc64nvme;
    }
    const std::string* inline_src = so.inline_body ? &*so.inline_body : nullptr;
    auto copied = copy_to_new_blob(ctx.blobs, {{guard.fd, 0, so.size, inline_src}}, {*alg});
    o.blob_id = copied.blob_id;
    o.size = copied.size;
    o.etag = to_hex(copied.md5);
    o.last_modified_ms = now_ms().time_since_epoch().count();
    o.checksums = {{std::string(checksum_name(*alg)), copied.checksums[*alg]},
                   {"type", "FULL_OBJECT"}};
    std::string version;
    try {
        version = ctx.store.put_object(o, write_precondition(req, t.key));
    } catch (...) {
        ctx.blobs.remove(o.blob_id);
        throw;
    }
    rest_xml::Document d("CopyObjectResult");
    rest_xml::add(d.root, "ETag", quote_etag(o.etag));
    rest_xml::add(d.root, "LastModified",
                  format_iso8601_ms(TimePoint{std::chrono::milliseconds{o.last_modified_ms}}));
    rest_xml::add(d.root, "ChecksumType", "FULL_OBJECT");
    rest_xml::add(d.root, std::string(checksum_xml_element(*alg)).c_str(), copied.checksums[*alg]);
    Response res = rest_xml::xml_response(d);
    add_encryption_headers(res, o);
    add_copy_source_version(res, source);
    if (!version.empty()) res.headers.set("x-amz-version-id", version);
    return res;
}

namespace {
// Tagging addresses the current object or the version named; it answers with the version.
Response set_tags(Context& ctx, Request& req, const Target& t, const json& tags, int status) {
    auto bucket = require_bucket(ctx, req, t.bucket);
    auto o = require_object_version(ctx, req, bucket, t.key);
    if (!ctx.store.set_object_tags(t.bucket, t.key, tags, &o.version_id))
        throw missing_object(ctx, bucket, t.key, requested_version(req));
    Response res = empty(status);
    add_version_header(res, bucket, o);
    return res;
}
}  // namespace

Response put_object_tagging(Context& ctx, Request& req, const Target& t) {
    require_bucket(ctx, req, t.bucket);
    check_content_md5(req);
    return set_tags(ctx, req, t, parse_tagging_xml(req.body.text(), true), 200);
}

Response get_object_tagging(Context& ctx, Request& req, const Target& t) {
    auto bucket = require_bucket(ctx, req, t.bucket);
    auto o = require_object_version(ctx, req, bucket, t.key);
    Response res = tagging_response(o.tags);
    add_version_header(res, bucket, o);
    return res;
}

Response delete_object_tagging(Context& ctx, Request& req, const Target& t) {
    return set_tags(ctx, req, t, json::object(), 204);
}

}  // namespace fogbank::s3
