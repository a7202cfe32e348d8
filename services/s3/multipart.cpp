// Multipart uploads: create, upload parts (or copy them), complete with S3's part rules and the
// "md5-of-part-md5s-N" ETag, abort, and the two listings. Completing concatenates the parts
// into one blob so a GET of the object is a single sequential read.
#include <cstdio>

#include "emulator/encoding.hpp"
#include "services/s3/blob_copy.hpp"
#include "services/s3/conditions.hpp"
#include "services/s3/handlers.hpp"

namespace fogbank::s3 {

namespace {
using json = nlohmann::json;

AwsError no_such_upload(const std::string& id) {
    return AwsError("NoSuchUpload",
                    "The specified upload does not exist. The upload ID may be invalid, or the "
                    "upload may have been "
                    "aborted or completed.",
                    404)
        .with("UploadId", id);
}

AwsError invalid_part() {
    return AwsError("InvalidPart",
                    "One or more of the specified parts could not be found. The part may not have "
                    "been uploaded, or "
                    "the specified entity tag may not match the part's entity tag.",
                    400);
}

UploadRecord require_upload(Context& ctx, const Request& req, const Target& t) {
    auto id = req.query_param("uploadId").value_or("");
    auto u = ctx.store.upload(id);
    if (!u || u->bucket != t.bucket || u->key != t.key) throw no_such_upload(id);
    return *u;
}

int part_number(const Request& req) {
    return parse_part_number(req.query_param("partNumber").value_or(""));
}

std::string unquote(std::string s) {
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') return s.substr(1, s.size() - 2);
    return s;
}

// The checksum type an upload ends with: CRC64NVME is only ever full-object; the others are
// composite unless the client asked for FULL_OBJECT.
std::string checksum_type_for(const std::string& alg, const std::string& requested) {
    if (!requested.empty()) return requested;
    if (alg.empty() || alg == "CRC64NVME") return "FULL_OBJECT";
    return "COMPOSITE";
}

void add_part_checksums(pugi::xml_node node, const json& checksums) {
    for (auto alg : kAllChecksumAlgorithms) {
        auto name = std::string(checksum_name(alg));
        if (checksums.contains(name))
            rest_xml::add(node, std::string(checksum_xml_element(alg)).c_str(),
                          checksums[name].get<std::string>());
    }
}

json part_checksums(const Request& req, const UploadRecord& u) {
    json sums = verified_checksums(req);
    sums.erase("type");
    if (!u.checksum_algorithm.empty() && !sums.contains(u.checksum_algorithm)) {
        std::string got = sums.empty() ? "null" : to_lower(sums.begin().key());
        throw AwsError("InvalidRequest",
                       "Checksum Type mismatch occurred, expected checksum Type: " +
                           to_lower(u.checksum_algorithm) + ", actual checksum Type: " + got,
                       400);
    }
    return sums;
}
}  // namespace

int parse_part_number(const std::string& v) {
    try {
        size_t used = 0;
        int n = std::stoi(v, &used);
        if (used == v.size() && n >= 1 && n <= kMaxParts) return n;
    } catch (const std::exception&) {
    }
    throw invalid_argument("Part number must be an integer between 1 and 10000, inclusive",
                           "partNumber", v);
}

Response create_multipart_upload(Context& ctx, Request& req, const Target& t) {
    auto bucket = require_bucket(ctx, req, t.bucket);
    UploadRecord u;
    u.upload_id = random_hex(32);
    u.bucket = t.bucket;
    u.key = t.key;
    u.initiated_ms = now_ms().time_since_epoch().count();
    read_object_attributes(req, u.object);
    u.object.acl = acl_for_new_object(req, bucket);
    apply_encryption(req, bucket, u.object);
    apply_object_lock(req, bucket, u.object);
    if (auto a = req.header("x-amz-checksum-algorithm")) {
        auto alg = parse_checksum_algorithm(*a);
        if (!alg)
            throw invalid_argument("Checksum algorithm provided is unsupported.",
                                   "x-amz-checksum-algorithm", *a);
        u.checksum_algorithm = std::string(checksum_name(*alg));
    }
    if (auto type = req.header("x-amz-checksum-type")) {
        if (*type != "COMPOSITE" && *type != "FULL_OBJECT")
            throw invalid_argument("Value for x-amz-checksum-type header is invalid.",
                                   "x-amz-checksum-type", *type);
        if (u.checksum_algorithm.empty())
            throw AwsError("InvalidRequest",
                           "The x-amz-checksum-type header can only be used with the "
                           "x-amz-checksum-algorithm header.",
                           400);
        bool crc = u.checksum_algorithm.rfind("CRC", 0) == 0;
        if ((*type == "FULL_OBJECT" && !crc) ||
            (*type == "COMPOSITE" && u.checksum_algorithm == "CRC64NVME"))
            throw AwsError("InvalidRequest",
                           "The " + *type + " checksum type cannot be used with the " +
                               to_lower(u.checksum_algorithm) + " checksum algorithm.",
                           400);
        u.checksum_type = *type;
    }
    ctx.store.create_upload(u);
    rest_xml::Document d("InitiateMultipartUploadResult");
    rest_xml::add(d.root, "Bucket", t.bucket);
    rest_xml::add(d.root, "Key", t.key);
    rest_xml::add(d.root, "UploadId", u.upload_id);
    Response res = rest_xml::xml_response(d);
    if (!u.checksum_algorithm.empty()) {
        res.headers.set("x-amz-checksum-algorithm", u.checksum_algorithm);
        res.headers.set("x-amz-checksum-type",
                        checksum_type_for(u.checksum_algorithm, u.checksum_type));
    }
    return res;
}

Response upload_part(Context& ctx, Request& req, const Target& t) {
    require_content_length(req);
    require_bucket(ctx, req, t.bucket);
    int number = part_number(req);
    auto u = require_upload(ctx, req, t);
    check_content_md5(req);
    PartRecord p;
    p.part_number = number;
    p.checksums = part_checksums(req, u);
    p.size = req.body.size();
    p.etag = to_hex(req.body.md5.value_or(md5("")));
    p.last_modified_ms = now_ms().time_since_epoch().count();
    p.blob_id = ctx.blobs.adopt(req.body.release_file());
    if (!ctx.store.put_part(u.upload_id, p)) {
        ctx.blobs.remove(p.blob_id);
        throw no_such_upload(u.upload_id);
    }
    Response res;
    res.headers.set("ETag", quote_etag(p.etag));
    add_checksum_response_headers(res, p.checksums);
    return res;
}

Response upload_part_copy(Context& ctx, Request& req, const Target& t) {
    require_bucket(ctx, req, t.bucket);
    int number = part_number(req);
    auto u = require_upload(ctx, req, t);
    SourceObject source = open_copy_source(ctx, req);
    FileSlice guard(source.object.fd, 0, source.object.record->size);
    const ObjectRecord& so = *source.object.record;
    auto pre = read_preconditions(req, "x-amz-copy-source-");
    if (evaluate(pre, so.etag, TimePoint{std::chrono::milliseconds{so.last_modified_ms}},
                 now_ms()) != Outcome::proceed)
        throw precondition_failed("x-amz-copy-source-if-*");
    uint64_t first = 0, length = so.size;
    if (auto r = req.header("x-amz-copy-source-range")) {
        // Only the explicit bytes=first-last form is allowed here, and it must lie inside.
        unsigned long long a = 0, b = 0;
        char extra = 0;
        if (std::sscanf(r->c_str(), "bytes=%llu-%llu%c", &a, &b, &extra) != 2 || b < a)
            throw invalid_argument(
                "The x-amz-copy-source-range value must be of the form bytes=first-last where "
                "first "
                "and last are the zero-based offsets of the first and last bytes to copy",
                "x-amz-copy-source-range", *r);
        if (b >= so.size)
            throw AwsError("InvalidRange", "The requested range is not satisfiable", 416);
        first = a;
        length = b - a + 1;
    }
    if (length > kMaxObjectSize)
        throw AwsError("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                       400);
    std::vector<ChecksumAlgorithm> algs;
    if (!u.checksum_algorithm.empty())
        algs.push_back(*parse_checksum_algorithm(u.checksum_algorithm));
    const std::string* inline_src = so.inline_body ? &*so.inline_body : nullptr;
    auto copied = copy_to_new_blob(ctx.blobs, {{guard.fd, first, length, inline_src}}, algs);
    PartRecord p;
    p.part_number = number;
    p.blob_id = copied.blob_id;
    p.size = copied.size;
    p.etag = to_hex(copied.md5);
    p.last_modified_ms = now_ms().time_since_epoch().count();
    for (auto& [alg, v] : copied.checksums)
        p.checksums[std::string(checksum_name(alg))] = v;
    if (!ctx.store.put_part(u.upload_id, p)) {
        ctx.blobs.remove(p.blob_id);
        throw no_such_upload(u.upload_id);
    }
    rest_xml::Document d("CopyPartResult");
    rest_xml::add(d.root, "ETag", quote_etag(p.etag));
    rest_xml::add(d.root, "LastModified",
                  format_iso8601_ms(TimePoint{std::chrono::milliseconds{p.last_modified_ms}}));
    add_part_checksums(d.root, p.checksums);
    Response res = rest_xml::xml_response(d);
    add_copy_source_version(res, source);
    return res;
}

Response complete_multipart_upload(Context& ctx, Request& req, const Target& t) {
    require_bucket(ctx, req, t.bucket);
    // Completing an upload again (a client retrying after a lost answer) gets the first answer.
    if (auto done = ctx.store.completed_upload(req.query_param("uploadId").value_or(""));
        done && done->bucket == t.bucket && done->key == t.key && !done->result.empty()) {
        Response res;
        res.headers.set("Content-Type", "application/xml");
        res.body = done->result;
        ctx.replayed = true;
        return res;
    }
    auto u = require_upload(ctx, req, t);
    auto doc = rest_xml::parse(req.body.text());
    auto root = doc.document_element();
    if (std::string_view(root.name()) != "CompleteMultipartUpload") throw rest_xml::malformed();

    struct Wanted {
        int number;
        std::string etag;
        json checksums;
    };
    std::vector<Wanted> wanted;
    for (auto part : root.children("Part")) {
        Wanted w;
        try {
            w.number = std::stoi(rest_xml::child_text(part, "PartNumber"));
        } catch (const std::exception&) {
            throw rest_xml::malformed();
        }
        w.etag = unquote(rest_xml::child_text(part, "ETag"));
        for (auto alg : kAllChecksumAlgorithms) {
            auto v = rest_xml::child_text(part, std::string(checksum_xml_element(alg)).c_str());
            if (!v.empty()) w.checksums[std::string(checksum_name(alg))] = v;
        }
        if (!wanted.empty() && w.number <= wanted.back().number)
            throw AwsError("InvalidPartOrder",
                           "The list of parts was not in ascending order. Parts must be ordered by "
                           "part number.",
                           400)
                .with("UploadId", u.upload_id);
        wanted.push_back(std::move(w));
    }
    if (wanted.empty()) throw rest_xml::malformed();

    auto stored = ctx.store.parts(u.upload_id);
    std::map<int, const PartRecord*> by_number;
    for (auto& p : stored)
        by_number[p.part_number] = &p;

    std::vector<const PartRecord*> chosen;
    for (size_t i = 0; i < wanted.size(); ++i) {
        auto it = by_number.find(wanted[i].number);
        if (it == by_number.end() || it->second->etag != wanted[i].etag) throw invalid_part();
        for (auto& [name, v] : wanted[i].checksums.items())
            if (!it->second->checksums.contains(name) || it->second->checksums[name] != v)
                throw invalid_part();
        if (i + 1 < wanted.size() && it->second->size < kMinPartSize)
            throw AwsError("EntityTooSmall",
                           "Your proposed upload is smaller than the minimum allowed object size.",
                           400)
                .with("ProposedSize", std::to_string(it->second->size))
                .with("MinSizeAllowed", std::to_string(kMinPartSize))
                .with("PartNumber", std::to_string(wanted[i].number))
                .with("ETag", quote_etag(wanted[i].etag));
        chosen.push_back(it->second);
    }
    uint64_t total = 0;
    for (auto* p : chosen)
        total += p->size;
    if (total > kMaxObjectSize)
        throw AwsError("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                       400);

    std::string alg_name = u.checksum_algorithm.empty() ? "CRC64NVME" : u.checksum_algorithm;
    ChecksumAlgorithm alg = *parse_checksum_algorithm(alg_name);
    std::string type = checksum_type_for(u.checksum_algorithm, u.checksum_type);

    // Open every part before copying so a concurrent abort can't remove one mid-way.
    std::vector<FileSlice> files;
    std::vector<CopySource> sources;
    for (auto* p : chosen) {
        int fd = ctx.blobs.open_read(p->blob_id);
        if (fd < 0) throw no_such_upload(u.upload_id);
        files.emplace_back(fd, 0, p->size);
        sources.push_back({fd, 0, p->size});
    }
    std::vector<ChecksumAlgorithm> full_algs;
    if (type == "FULL_OBJECT") full_algs.push_back(alg);
    auto copied = copy_to_new_blob(ctx.blobs, sources, full_algs);

    std::string etag_md5s;
    for (auto* p : chosen)
        etag_md5s += *from_hex(p->etag);
    ObjectRecord o = u.object;
    o.bucket = t.bucket;
    o.key = t.key;
    o.blob_id = copied.blob_id;
    o.size = copied.size;
    o.etag = to_hex(md5(etag_md5s)) + "-" + std::to_string(chosen.size());
    o.last_modified_ms = now_ms().time_since_epoch().count();
    for (auto* p : chosen)
        o.part_sizes.push_back(p->size);
    o.checksums = json::object();
    if (type == "FULL_OBJECT") {
        o.checksums[alg_name] = copied.checksums[alg];
    } else {
        // Composite: the checksum of the parts' raw checksums, suffixed with the part count.
        Checksummer c(alg);
        for (auto* p : chosen) {
            if (!p->checksums.contains(alg_name)) throw invalid_part();
            c.update(*base64_decode(p->checksums[alg_name].get<std::string>()));
        }
        o.checksums[alg_name] = c.base64() + "-" + std::to_string(chosen.size());
    }
    o.checksums["type"] = type;
    // A full-object checksum sent with Complete must match what the parts add up to.
    if (auto given = req.header(checksum_header(alg));
        given && type == "FULL_OBJECT" && *given != o.checksums[alg_name])
        throw AwsError("BadDigest",
                       "The " + alg_name + " you specified did not match the calculated checksum.",
                       400);

    rest_xml::Document d("CompleteMultipartUploadResult");
    rest_xml::add(d.root, "Location", "/" + t.bucket + "/" + uri_encode(t.key, true));
    rest_xml::add(d.root, "Bucket", t.bucket);
    rest_xml::add(d.root, "Key", t.key);
    rest_xml::add(d.root, "ETag", quote_etag(o.etag));
    rest_xml::add(d.root, std::string(checksum_xml_element(alg)).c_str(),
                  o.checksums[alg_name].get<std::string>());
    rest_xml::add(d.root, "ChecksumType", type);
    Response res = rest_xml::xml_response(d);
    add_encryption_headers(res, o);
    std::string version;
    try {
        version =
            ctx.store.complete_upload(u.upload_id, o, write_precondition(req, t.key), res.body);
    } catch (...) {
        ctx.blobs.remove(o.blob_id);
        throw;
    }
    if (!version.empty()) res.headers.set("x-amz-version-id", version);
    return res;
}

Response abort_multipart_upload(Context& ctx, Request& req, const Target& t) {
    require_bucket(ctx, req, t.bucket);
    auto u = require_upload(ctx, req, t);
    if (!ctx.store.delete_upload(u.upload_id)) throw no_such_upload(u.upload_id);
    return empty(204);
}

Response list_parts(Context& ctx, Request& req, const Target& t) {
    require_bucket(ctx, req, t.bucket);
    auto u = require_upload(ctx, req, t);
    int marker = 0;
    size_t max_parts = 1000;
    try {
        if (auto m = req.query_param("part-number-marker")) marker = std::stoi(*m);
        if (auto m = req.query_param("max-parts"))
            max_parts = std::min<size_t>(1000, std::stoul(*m));
    } catch (const std::exception&) {
        throw invalid_argument(
            "Provided max-parts or part-number-marker not an integer or within integer range");
    }
    rest_xml::Document d("ListPartsResult");
    rest_xml::add(d.root, "Bucket", t.bucket);
    rest_xml::add(d.root, "Key", t.key);
    rest_xml::add(d.root, "UploadId", u.upload_id);
    rest_xml::add(d.root, "PartNumberMarker", std::to_string(marker));
    size_t n = 0;
    bool truncated = false;
    int last = 0;
    std::vector<PartRecord> page;
    for (auto& p : ctx.store.parts(u.upload_id)) {
        if (p.part_number <= marker) continue;
        if (n == max_parts) {
            truncated = true;
            break;
        }
        page.push_back(p);
        last = p.part_number;
        ++n;
    }
    if (truncated) rest_xml::add(d.root, "NextPartNumberMarker", std::to_string(last));
    rest_xml::add(d.root, "MaxParts", std::to_string(max_parts));
    rest_xml::add(d.root, "IsTruncated", truncated ? "true" : "false");
    for (auto& p : page) {
        auto e = d.root.append_child("Part");
        rest_xml::add(e, "PartNumber", std::to_string(p.part_number));
        rest_xml::add(e, "LastModified",
                      format_iso8601_ms(TimePoint{std::chrono::milliseconds{p.last_modified_ms}}));
        rest_xml::add(e, "ETag", quote_etag(p.etag));
        rest_xml::add(e, "Size", std::to_string(p.size));
        add_part_checksums(e, p.checksums);
    }
    for (const char* who : {"Initiator", "Owner"})
        add_owner(d.root, who, req.account);
    rest_xml::add(d.root, "StorageClass", u.object.storage_class);
    if (!u.checksum_algorithm.empty()) {
        rest_xml::add(d.root, "ChecksumAlgorithm", u.checksum_algorithm);
        rest_xml::add(d.root, "ChecksumType",
                      checksum_type_for(u.checksum_algorithm, u.checksum_type));
    }
    return rest_xml::xml_response(d);
}

Response list_multipart_uploads(Context& ctx, Request& req, const Target& t) {
    require_bucket(ctx, req, t.bucket);
    auto prefix = req.query_param("prefix").value_or("");
    auto delimiter = req.query_param("delimiter").value_or("");
    auto key_marker = req.query_param("key-marker").value_or("");
    auto id_marker = req.query_param("upload-id-marker").value_or("");
    size_t max_uploads = 1000;
    if (auto m = req.query_param("max-uploads")) {
        try {
            max_uploads = std::min<size_t>(1000, std::stoul(*m));
        } catch (const std::exception&) {
            throw invalid_argument("Provided max-uploads not an integer or within integer range",
                                   "max-uploads", *m);
        }
    }
    rest_xml::Document d("ListMultipartUploadsResult");
    rest_xml::add(d.root, "Bucket", t.bucket);
    rest_xml::add(d.root, "KeyMarker", key_marker);
    rest_xml::add(d.root, "UploadIdMarker", id_marker);
    std::vector<UploadRecord> page;
    std::vector<std::string> prefixes;
    bool truncated = false;
    for (auto& u : ctx.store.uploads(t.bucket)) {
        if (u.key.compare(0, prefix.size(), prefix) != 0) continue;
        if (!key_marker.empty() &&
            (u.key < key_marker ||
             (u.key == key_marker && (id_marker.empty() || u.upload_id <= id_marker))))
            continue;
        if (!delimiter.empty()) {
            auto pos = u.key.find(delimiter, prefix.size());
            if (pos != std::string::npos) {
                auto cp = u.key.substr(0, pos + delimiter.size());
                if (prefixes.empty() || prefixes.back() != cp) {
                    if (page.size() + prefixes.size() == max_uploads) {
                        truncated = true;
                        break;
                    }
                    prefixes.push_back(cp);
                }
                continue;
            }
        }
        if (page.size() + prefixes.size() == max_uploads) {
            truncated = true;
            break;
        }
        page.push_back(u);
    }
    if (truncated && !page.empty()) {
        rest_xml::add(d.root, "NextKeyMarker", page.back().key);
        rest_xml::add(d.root, "NextUploadIdMarker", page.back().upload_id);
    }
    if (!delimiter.empty()) rest_xml::add(d.root, "Delimiter", delimiter);
    if (!prefix.empty()) rest_xml::add(d.root, "Prefix", prefix);
    rest_xml::add(d.root, "MaxUploads", std::to_string(max_uploads));
    rest_xml::add(d.root, "IsTruncated", truncated ? "true" : "false");
    for (auto& u : page) {
        auto e = d.root.append_child("Upload");
        rest_xml::add(e, "Key", u.key);
        rest_xml::add(e, "UploadId", u.upload_id);
        for (const char* who : {"Initiator", "Owner"})
            add_owner(e, who, req.account);
        rest_xml::add(e, "StorageClass", u.object.storage_class);
        rest_xml::add(e, "Initiated",
                      format_iso8601_ms(TimePoint{std::chrono::milliseconds{u.initiated_ms}}));
        if (!u.checksum_algorithm.empty())
            rest_xml::add(e, "ChecksumAlgorithm", u.checksum_algorithm);
    }
    for (auto& p : prefixes)
        rest_xml::add(d.root.append_child("CommonPrefixes"), "Prefix", p);
    return rest_xml::xml_response(d);
}

}  // namespace fogbank::s3
