// What an object carries besides its bytes: stored headers, user metadata, storage class and
// checksums, read from requests and written back on GET/HEAD.
#include <array>

#include "emulator/encoding.hpp"
#include "services/s3/handlers.hpp"

namespace fogbank::s3 {

namespace {
using json = nlohmann::json;

// Stored as sent and returned on GET/HEAD, under these names.
constexpr std::array<const char*, 6> kStoredHeaders = {
    "Content-Encoding", "Content-Disposition",
    "Content-Language", "Cache-Control",
    "Expires",          "x-amz-website-redirect-location"};

constexpr std::array<const char*, 11> kStorageClasses = {
    "STANDARD",       "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
    "GLACIER",        "DEEP_ARCHIVE",       "OUTPOSTS",    "GLACIER_IR", "SNOW",
    "EXPRESS_ONEZONE"};

// A header value as S3 keeps it: printable US-ASCII as sent; anything else as an RFC 2047
// "Q" encoded word of its UTF-8 (=?UTF-8?Q?caf=C3=A9?=, the form S3 answers with, as the
// s3-tests suite records it), the raw bytes read as UTF-8 where they are
// valid and as ISO-8859-1 (HTTP's historical header charset) where not. Stored documents are
// JSON, which holds only UTF-8: a raw byte 0xE9 once made every such PUT a 500.
std::string header_value(std::string_view raw) {
    bool plain = true;
    for (unsigned char c : raw)
        plain &= (c >= 0x20 && c < 0x7F) || c == '\t';
    if (plain) return std::string(raw);
    std::string utf8;
    if (valid_utf8(raw)) {
        utf8 = raw;
    } else {
        for (unsigned char c : raw) {
            if (c < 0x80) {
                utf8 += static_cast<char>(c);
            } else {
                utf8 += static_cast<char>(0xC0 | (c >> 6));
                utf8 += static_cast<char>(0x80 | (c & 0x3F));
            }
        }
    }
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string word = "=?UTF-8?Q?";
    for (unsigned char c : utf8) {
        if (c > 0x20 && c < 0x7F && c != '=' && c != '?' && c != '_') {
            word += static_cast<char>(c);
        } else {
            word += '=';
            word += kHex[c >> 4];
            word += kHex[c & 0xF];
        }
    }
    return word + "?=";
}

// aws-chunked is transfer framing, not a property of the object.
std::string strip_aws_chunked(std::string_view v) {
    std::string out;
    while (!v.empty()) {
        auto comma = v.find(',');
        auto item = trim(v.substr(0, comma));
        if (!item.empty() && item != "aws-chunked") {
            if (!out.empty()) out += ",";
            out += item;
        }
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
    }
    return out;
}
}  // namespace

void read_object_attributes(const Request& req, ObjectRecord& o) {
    if (auto ct = req.header("content-type"); ct && !ct->empty()) o.content_type = *ct;
    o.headers = json::object();
    for (auto* name : kStoredHeaders) {
        auto v = req.header(name);
        if (!v) continue;
        std::string value = std::string(name) == "Content-Encoding" ? strip_aws_chunked(*v) : *v;
        if (!value.empty()) o.headers[name] = header_value(value);
    }
    o.metadata = json::object();
    size_t meta_size = 0;
    for (auto& f : req.headers) {
        std::string name = to_lower(f.name_string());
        if (name.rfind("x-amz-meta-", 0) != 0) continue;
        std::string key = header_value(name.substr(11));
        meta_size += key.size() + f.value().size();
        // Repeated headers join with commas, as HTTP folds them.
        std::string value = header_value(f.value());
        if (o.metadata.contains(key))
            o.metadata[key] = o.metadata[key].get<std::string>() + "," + value;
        else
            o.metadata[key] = value;
    }
    if (meta_size > kMaxMetadataSize)
        throw AwsError("MetadataTooLarge",
                       "Your metadata headers exceed the maximum allowed metadata size.", 400)
            .with("Size", std::to_string(meta_size))
            .with("MaxSizeAllowed", std::to_string(kMaxMetadataSize));
    if (auto sc = req.header("x-amz-storage-class")) {
        bool known = false;
        for (auto* c : kStorageClasses)
            known |= *sc == c;
        if (!known)
            throw AwsError("InvalidStorageClass", "The storage class you specified is not valid",
                           400)
                .with("StorageClassRequested", *sc);
        o.storage_class = *sc;
    }
    if (auto tagging = req.header("x-amz-tagging")) o.tags = parse_tagging_header(*tagging);
}

void write_object_headers(Response& res, const ObjectRecord& o, bool with_checksums) {
    res.headers.set("ETag", quote_etag(o.etag));
    res.headers.set("Last-Modified",
                    format_http_date(TimePoint{std::chrono::milliseconds{o.last_modified_ms}}));
    res.headers.set("Content-Type", o.content_type);
    res.headers.set("Accept-Ranges", "bytes");
    for (auto& [name, value] : o.headers.items())
        res.headers.set(name, value.get<std::string>());
    if (!o.headers.contains(kSseHeader)) res.headers.set(kSseHeader, "AES256");
    for (auto& [name, value] : o.metadata.items())
        res.headers.set("x-amz-meta-" + name, value.get<std::string>());
    if (o.storage_class != "STANDARD") res.headers.set("x-amz-storage-class", o.storage_class);
    if (!o.tags.empty()) res.headers.set("x-amz-tagging-count", std::to_string(o.tags.size()));
    if (with_checksums) {
        for (auto alg : kAllChecksumAlgorithms) {
            auto name = std::string(checksum_name(alg));
            if (o.checksums.contains(name))
                res.headers.set(checksum_header(alg), o.checksums[name].get<std::string>());
        }
        if (o.checksums.contains("type"))
            res.headers.set("x-amz-checksum-type", o.checksums["type"].get<std::string>());
    }
}

std::optional<ChecksumAlgorithm> requested_checksum(const RequestHead& head) {
    for (auto alg : kAllChecksumAlgorithms)
        if (head.header_view(checksum_header(alg))) return alg;
    if (auto trailer = head.header_view("x-amz-trailer")) {
        for (auto alg : kAllChecksumAlgorithms)
            if (iequals(trim(*trailer), checksum_header(alg))) return alg;
    }
    if (auto sdk = head.header("x-amz-sdk-checksum-algorithm")) {
        if (auto alg = parse_checksum_algorithm(*sdk)) return alg;
        throw invalid_argument("Value for x-amz-sdk-checksum-algorithm header is invalid.",
                               "x-amz-sdk-checksum-algorithm", *sdk);
    }
    return std::nullopt;
}

json verified_checksums(const Request& req) {
    std::optional<ChecksumAlgorithm> given_alg;
    std::string given;
    for (auto alg : kAllChecksumAlgorithms) {
        auto header = checksum_header(alg);
        std::optional<std::string> v = req.header(header);
        if (auto it = req.body.trailers.find(header); !v && it != req.body.trailers.end())
            v = it->second;
        if (!v) continue;
        if (given_alg)
            throw AwsError("InvalidRequest",
                           "Expecting a single x-amz-checksum- header. Multiple checksum Types are "
                           "not allowed.",
                           400);
        given_alg = alg;
        given = *v;
    }
    if (!given_alg && req.header("x-amz-sdk-checksum-algorithm") && !req.header("x-amz-trailer"))
        throw AwsError("InvalidRequest",
                       "x-amz-sdk-checksum-algorithm specified, but no corresponding "
                       "x-amz-checksum-* or x-amz-trailer "
                       "headers were found.",
                       400);
    if (given_alg) {
        auto raw = base64_decode(given);
        if (!raw || raw->size() != checksum_size(*given_alg))
            throw AwsError("InvalidRequest",
                           "Value for " + checksum_header(*given_alg) + " header is invalid.", 400);
        auto it = req.body.checksums.find(*given_alg);
        if (it == req.body.checksums.end() || it->second != given)
            throw AwsError("BadDigest",
                           "The " + std::string(checksum_name(*given_alg)) +
                               " you specified did not match the calculated checksum.",
                           400);
    }
    json out = json::object();
    for (auto& [alg, value] : req.body.checksums)
        out[std::string(checksum_name(alg))] = value;
    if (!out.empty()) out["type"] = "FULL_OBJECT";
    return out;
}

void check_content_md5(const Request& req) {
    auto header = req.header("content-md5");
    if (!header) return;
    auto raw = base64_decode(trim(*header));
    if (!raw || raw->size() != 16)
        throw AwsError("InvalidDigest", "The Content-MD5 you specified was invalid.", 400)
            .with("Content-MD5", *header);
    if (!req.body.md5 || *req.body.md5 != *raw)
        throw AwsError("BadDigest", "The Content-MD5 you specified did not match what we received.",
                       400)
            .with("ExpectedDigest", *header)
            .with("CalculatedDigest", req.body.md5 ? base64_encode(*req.body.md5) : "");
}

// GetObjectAttributes: the attributes x-amz-object-attributes names, in one XML answer; a
// multipart object's parts paged by x-amz-max-parts and x-amz-part-number-marker.
Response get_object_attributes(Context& ctx, Request& req, const Target& t) {
    auto bucket = require_bucket(ctx, req, t.bucket);
    constexpr std::string_view kNames[] = {"ETag", "Checksum", "ObjectParts", "StorageClass",
                                           "ObjectSize"};
    std::vector<std::string> wanted;
    for (auto& name : split_list(req.header("x-amz-object-attributes").value_or(""))) {
        bool known = false;
        for (auto k : kNames)
            known |= name == k;
        if (!known) throw invalid_argument("Invalid attribute name specified.");
        wanted.push_back(name);
    }
    if (wanted.empty())
        throw AwsError("InvalidRequest",
                       "The x-amz-object-attributes header specifying the "
                       "attributes to be retrieved is either missing or empty",
                       400);
    auto wants = [&](std::string_view n) {
        return std::find(wanted.begin(), wanted.end(), n) != wanted.end();
    };
    auto parse_count = [&](const char* header, int fallback) {
        auto v = req.header(header);
        if (!v) return fallback;
        if (v->empty() || v->size() > 9 || v->find_first_not_of("0123456789") != std::string::npos)
            throw invalid_argument("Provided " + std::string(header) +
                                       " not an integer or within "
                                       "integer range",
                                   header, *v);
        return std::stoi(*v);
    };
    int max_parts = std::min(parse_count("x-amz-max-parts", 1000), 1000);
    int marker = parse_count("x-amz-part-number-marker", 0);

    auto o = std::optional<ObjectRecord>(require_object_version(ctx, req, bucket, t.key));
    rest_xml::Document d("GetObjectAttributesResponse");
    if (wants("ETag")) rest_xml::add(d.root, "ETag", o->etag);
    if (wants("Checksum") && o->checksums.contains("type")) {
        auto c = d.root.append_child("Checksum");
        for (auto alg : kAllChecksumAlgorithms) {
            auto name = std::string(checksum_name(alg));
            if (o->checksums.contains(name))
                rest_xml::add(c, ("Checksum" + name).c_str(),
                              o->checksums[name].get<std::string>());
        }
        rest_xml::add(c, "ChecksumType", o->checksums["type"].get<std::string>());
    }
    if (wants("ObjectParts") && !o->part_sizes.empty()) {
        auto parts = d.root.append_child("ObjectParts");
        int total = static_cast<int>(o->part_sizes.size());
        // The API calls it TotalPartsCount; on the wire it is PartsCount.
        rest_xml::add(parts, "PartsCount", std::to_string(total));
        rest_xml::add(parts, "PartNumberMarker", std::to_string(marker));
        int last = std::min(total, marker + max_parts);
        rest_xml::add(parts, "NextPartNumberMarker", std::to_string(std::max(last, marker)));
        rest_xml::add(parts, "MaxParts", std::to_string(max_parts));
        rest_xml::add(parts, "IsTruncated", last < total ? "true" : "false");
        for (int n = marker + 1; n <= last; ++n) {
            auto p = parts.append_child("Part");
            rest_xml::add(p, "PartNumber", std::to_string(n));
            rest_xml::add(p, "Size", std::to_string(o->part_sizes[n - 1]));
        }
    }
    if (wants("StorageClass")) rest_xml::add(d.root, "StorageClass", o->storage_class);
    if (wants("ObjectSize")) rest_xml::add(d.root, "ObjectSize", std::to_string(o->size));
    Response res = rest_xml::xml_response(d);
    res.headers.set("Last-Modified",
                    format_http_date(TimePoint{std::chrono::milliseconds{o->last_modified_ms}}));
    add_version_header(res, bucket, *o);
    return res;
}

}  // namespace fogbank::s3
