// What the object handlers share about versions: the versionId a request names, the headers a
// versioned object carries, the errors for a missing version or a delete marker, and opening
// a copy source (x-amz-copy-source with ?versionId).
#include "emulator/encoding.hpp"
#include "services/s3/handlers.hpp"

namespace fogbank::s3 {

bool valid_version_id(std::string_view v) {
    if (v == "null") return true;
    if (v.size() != 32) return false;
    for (char c : v)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_') return false;
    return true;
}

std::optional<std::string> requested_version(const Request& req) {
    auto v = req.query_param("versionId");
    if (!v) return std::nullopt;
    if (!valid_version_id(*v))
        throw invalid_argument("Invalid version id specified", "versionId", *v);
    return *v == "null" ? std::string() : *v;
}

void add_version_header(Response& res, const BucketRecord& b, const ObjectRecord& o) {
    if (!b.versioning.empty() || !o.version_id.empty())
        res.headers.set("x-amz-version-id", wire_version_id(o.version_id));
}

AwsError no_such_version(const std::string& key, const std::string& version_id) {
    return AwsError("NoSuchVersion", "The specified version does not exist.", 404)
        .with("Key", key)
        .with("VersionId", wire_version_id(version_id));
}

AwsError delete_marker_addressed(const Request& req, const ObjectRecord& marker) {
    return AwsError("MethodNotAllowed",
                    "The specified method is not allowed against this resource.", 405)
        .with("Method", req.method_name)
        .with("ResourceType", "DeleteMarker")
        .with_header("x-amz-delete-marker", "true")
        .with_header("x-amz-version-id", wire_version_id(marker.version_id))
        .with_header(
            "Last-Modified",
            format_http_date(TimePoint{std::chrono::milliseconds{marker.last_modified_ms}}));
}

AwsError missing_object(Context& ctx, const BucketRecord& b, const std::string& key,
                        const std::optional<std::string>& version) {
    if (version) return no_such_version(key, *version);
    auto e = no_such_key(key);
    // A key whose latest version is a delete marker says so, with the marker's id.
    if (!b.versioning.empty())
        if (auto latest = ctx.store.latest_version(b.name, key); latest && latest->delete_marker)
            e.with_header("x-amz-delete-marker", "true")
                .with_header("x-amz-version-id", wire_version_id(latest->version_id));
    return e;
}

ObjectRecord require_object_version(Context& ctx, const Request& req, const BucketRecord& b,
                                    const std::string& key) {
    auto version = requested_version(req);
    auto o =
        version ? ctx.store.object_version(b.name, key, *version) : ctx.store.object(b.name, key);
    if (!o) throw missing_object(ctx, b, key, version);
    if (o->delete_marker) throw delete_marker_addressed(req, *o);
    return *o;
}

SourceObject open_copy_source(Context& ctx, const Request& req) {
    SourceObject src;
    const std::string header = req.header("x-amz-copy-source").value_or("");
    std::string_view v = header;
    std::optional<std::string> version;
    if (auto q = v.find("?versionId="); q != std::string_view::npos) {
        auto id = std::string(v.substr(q + 11));
        if (!valid_version_id(id))
            throw invalid_argument("Invalid version id specified", "x-amz-copy-source", header);
        version = id == "null" ? std::string() : id;
        v = v.substr(0, q);
    }
    src.target = parse_copy_source(std::string(v));
    // The source bucket is checked for reading the source object, not for the copy's write.
    ctx.source = &src.target;
    ctx.source_version = version;
    try {
        src.bucket = require_bucket(ctx, req, src.target.bucket);
    } catch (...) {
        ctx.source = nullptr;
        throw;
    }
    ctx.source = nullptr;
    src.by_version = version.has_value();
    auto opened =
        ctx.store.open_object(src.target.bucket, src.target.key, version ? &*version : nullptr);
    if (!opened) throw missing_object(ctx, src.bucket, src.target.key, version);
    if (opened->record->delete_marker)
        throw AwsError("InvalidRequest",
                       "The source of a copy request may not specifically refer to a delete "
                       "marker by version id.",
                       400);
    src.object = std::move(*opened);
    return src;
}

void add_copy_source_version(Response& res, const SourceObject& src) {
    if (src.by_version || !src.bucket.versioning.empty())
        res.headers.set("x-amz-copy-source-version-id",
                        wire_version_id(src.object.record->version_id));
}

}  // namespace fogbank::s3
