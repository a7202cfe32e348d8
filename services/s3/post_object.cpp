// POST Object: browser-based uploads with an HTML form (boto3's generate_presigned_post, the
// JS SDK's createPresignedPost). The form's fields stand for a PUT's headers; a policy document,
// signed with SigV4 or SigV2, says which values the fields may take and until when; the file
// is the last field that counts. Answered as S3 answers: 204, 200, 201 with a PostResponse, or
// a 303 to success_action_redirect.
#include <set>

#include "emulator/authenticator.hpp"
#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "emulator/form_data.hpp"
#include "emulator/json_limits.hpp"
#include "emulator/mapped_file.hpp"
#include "emulator/sigv4.hpp"
#include "services/s3/blob_copy.hpp"
#include "services/s3/handlers.hpp"

namespace fogbank::s3 {

namespace {

using json = nlohmann::json;

// S3 reads at most this much of the form before the file.
constexpr size_t kMaxFieldsSize = 20 * 1024;

AwsError policy_denied(const std::string& why) {
    return AwsError("AccessDenied", "Invalid according to Policy: " + why, 403);
}

AwsError invalid_policy(const std::string& why) {
    return AwsError("InvalidPolicyDocument", "Invalid Policy: " + why, 400);
}

struct Form {
    std::vector<std::pair<std::string, std::string>> fields;  // lower-case names, before the file
    const form_data::Part* file = nullptr;
    const std::string* field(std::string_view name) const {
        for (auto& [n, v] : fields)
            if (n == name) return &v;
        return nullptr;
    }
};

Form read_form(std::string_view body, const std::vector<form_data::Part>& parts) {
    Form f;
    size_t total = 0;
    for (auto& p : parts) {
        if (p.filename || to_lower(p.name) == "file") {
            f.file = &p;
            break;  // S3 ignores what follows the file
        }
        total += p.name.size() + p.length;
        if (total > kMaxFieldsSize)
            throw AwsError("MaxPostPreDataLengthExceeded",
                           "Your POST request fields preceeding the upload file was too large.",
                           400)
                .with("MaxPostPreDataLength", std::to_string(kMaxFieldsSize));
        auto name = to_lower(p.name);
        if (f.field(name))
            throw invalid_argument("Bucket POST must contain exactly one field named " + name, name,
                                   "");
        f.fields.emplace_back(std::move(name), std::string(body.substr(p.offset, p.length)));
    }
    return f;
}

// The policy's conditions against the form: every condition must hold, and every field must
// be named by one (but the signature, the policy, the file and x-ignore-* fields).
void check_policy(const json& policy, const Form& form, const std::string& bucket,
                  uint64_t file_size) {
    if (!policy.contains("expiration")) throw invalid_policy("Policy missing expiration.");
    if (!policy["expiration"].is_string()) throw invalid_policy("Invalid 'expiration' value.");
    auto expires = parse_iso8601(policy["expiration"].get<std::string>());
    if (!expires) throw invalid_policy("Invalid 'expiration' value.");
    if (*expires < wall_now_ms()) throw policy_denied("Policy expired.");
    if (!policy.contains("conditions")) throw invalid_policy("Policy missing conditions.");
    if (!policy["conditions"].is_array()) throw invalid_policy("Invalid 'conditions' value.");

    std::set<std::string> covered;
    auto value_of = [&](const std::string& name) -> std::optional<std::string> {
        if (name == "bucket") return bucket;
        if (auto* v = form.field(name)) return *v;
        return std::nullopt;
    };
    auto failed = [](const json& c) {
        return policy_denied("Policy Condition failed: " + c.dump());
    };
    for (auto& c : policy["conditions"]) {
        if (c.is_object()) {
            if (c.size() != 1)
                throw invalid_policy(
                    "Invalid Simple-Condition: Simple-Conditions must have exactly one property "
                    "specified.");
            // The object's one member (not a binding into items(), a temporary).
            auto member = c.begin();
            const std::string& name = member.key();
            const json& expected = member.value();
            if (!expected.is_string())
                throw invalid_policy("Invalid Simple-Condition: value must be a string.");
            auto field = to_lower(name);
            covered.insert(field);
            auto v = value_of(field);
            if (!v || *v != expected.get<std::string>())
                throw failed(json::array({"eq", "$" + name, expected}));
            continue;
        }
        if (!c.is_array() || c.empty() || !c[0].is_string())
            throw invalid_policy("Invalid Condition: must be an array or an object.");
        auto op = to_lower(c[0].get<std::string>());
        if (op == "content-length-range") {
            if (c.size() != 3 || !c[1].is_number_integer() || !c[2].is_number_integer())
                throw invalid_policy("Invalid content-length-range condition.");
            auto lo = c[1].get<int64_t>(), hi = c[2].get<int64_t>();
            if (static_cast<int64_t>(file_size) > hi)
                throw AwsError("EntityTooLarge",
                               "Your proposed upload exceeds the maximum allowed size", 400)
                    .with("ProposedSize", std::to_string(file_size))
                    .with("MaxSizeAllowed", std::to_string(hi));
            if (static_cast<int64_t>(file_size) < lo)
                throw AwsError("EntityTooSmall",
                               "Your proposed upload is smaller than the minimum allowed size", 400)
                    .with("ProposedSize", std::to_string(file_size))
                    .with("MinSizeAllowed", std::to_string(lo));
            continue;
        }
        if ((op != "eq" && op != "starts-with") || c.size() != 3 || !c[1].is_string() ||
            !c[2].is_string() || c[1].get<std::string>().rfind('$', 0) != 0)
            throw invalid_policy("Invalid Condition: " + c.dump());
        auto field = to_lower(c[1].get<std::string>().substr(1));
        covered.insert(field);
        auto expected = c[2].get<std::string>();
        auto v = value_of(field).value_or("");
        bool ok = op == "eq" ? v == expected : v.compare(0, expected.size(), expected) == 0;
        // starts-with on Content-Type holds for each of a comma-separated list.
        if (!ok && op == "starts-with" && field == "content-type") {
            ok = true;
            for (auto& item : split_list(v))
                ok &= item.compare(0, expected.size(), expected) == 0;
        }
        if (!ok) throw failed(c);
    }
    for (auto& [name, value] : form.fields) {
        if (name == "policy" || name == "x-amz-signature" || name == "signature" ||
            name == "awsaccesskeyid" || name == "x-amz-security-token" ||
            name.rfind("x-ignore-", 0) == 0 || covered.count(name))
            continue;
        throw policy_denied("Extra input fields: " + name);
    }
}

const std::string& secret_of(const Context& ctx, const std::string& access_key) {
    auto key = ctx.cfg.auth_keys.find(access_key);
    if (key == ctx.cfg.auth_keys.end())
        throw AwsError("InvalidAccessKeyId",
                       "The AWS Access Key Id you provided does not exist in our records.", 403)
            .with("AWSAccessKeyId", access_key);
    return key->second;
}

AwsError signature_mismatch() {
    return AwsError("SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your key and signing method.",
                    403);
}

// Whose upload this is: the signer of the policy (checked with strict authentication).
void authenticate(Context& ctx, Request& req, const Form& form, const std::string& policy_b64) {
    std::string access_key;
    if (auto* alg = form.field("x-amz-algorithm")) {
        if (*alg != "AWS4-HMAC-SHA256")
            throw invalid_argument("Invalid algorithm: " + *alg, "x-amz-algorithm", *alg);
        auto* credential = form.field("x-amz-credential");
        auto* signature = form.field("x-amz-signature");
        if (!credential || !signature || !form.field("x-amz-date"))
            throw invalid_argument(
                "Bucket POST must contain a field named 'x-amz-credential', 'x-amz-date' and "
                "'x-amz-signature'.");
        auto cred = parse_credential(*credential);
        if (!cred) throw invalid_argument("Invalid credential", "x-amz-credential", *credential);
        access_key = cred->access_key;
        if (ctx.cfg.auth_strict &&
            to_hex(hmac_sha256(signing_key(secret_of(ctx, access_key), *cred), policy_b64)) !=
                *signature)
            throw signature_mismatch();
    } else if (auto* ak = form.field("awsaccesskeyid")) {
        auto* signature = form.field("signature");
        if (!signature)
            throw invalid_argument("Bucket POST must contain a field named 'signature'.");
        access_key = *ak;
        if (ctx.cfg.auth_strict &&
            base64_encode(hmac_sha1(secret_of(ctx, access_key), policy_b64)) != *signature)
            throw signature_mismatch();
    } else {
        throw invalid_argument(
            "Bucket POST must contain a field named 'AWSAccessKeyId'.  If it is specified, "
            "please check the order of the fields.",
            "AWSAccessKeyId", "");
    }
    req.access_key = access_key;
    req.account = account_for(ctx.cfg, access_key);
    req.anonymous = false;
}

// The form fields a PUT would send as headers, in their place.
constexpr const char* kHeaderFields[] = {
    "content-type",     "cache-control", "content-disposition", "content-encoding",
    "content-language", "expires",       "x-amz-storage-class", "x-amz-website-redirect-location"};

void fields_as_headers(Request& req, const Form& form) {
    std::vector<std::string> drop;
    for (auto& f : req.headers) {
        auto name = to_lower(f.name_string());
        bool header_field = name.rfind("x-amz-meta-", 0) == 0;
        for (auto* h : kHeaderFields)
            header_field |= name == h;
        if (header_field) drop.push_back(name);
    }
    for (auto& name : drop)
        req.headers.erase(name);
    for (auto& [name, value] : form.fields) {
        bool header_field = name.rfind("x-amz-meta-", 0) == 0;
        for (auto* h : kHeaderFields)
            header_field |= name == h;
        if (header_field) req.headers.set(name, value);
    }
}

std::string object_url(const Request& req, const Target& t, const std::string& key) {
    return "http://" + req.header("host").value_or("localhost") + "/" + t.bucket + "/" +
           uri_encode(key, true);
}

}  // namespace

Response post_object(Context& ctx, Request& req, const Target& t) {
    auto boundary = form_data::boundary_of(req.header("content-type").value_or(""));
    if (!boundary)
        throw AwsError("PreconditionFailed",
                       "At least one of the pre-conditions you specified did not hold", 412)
            .with("Condition", "Bucket POST must be of the enclosure-type multipart/form-data");
    std::optional<MappedFile> mapped;
    std::string_view body = req.body.memory();
    if (req.body.spooled()) {
        mapped.emplace(req.body.file());
        body = mapped->bytes();
    }
    auto parsed = form_data::parse(body, *boundary);
    if (parsed.error != form_data::Error::none)
        throw AwsError("MalformedPOSTRequest",
                       "The body of your POST request is not well-formed multipart/form-data.",
                       400);
    Form form = read_form(body, parsed.parts);
    if (!form.file)
        throw invalid_argument("POST requires exactly one file upload per request.", "file", "0");
    auto* key_field = form.field("key");
    if (!key_field)
        throw invalid_argument(
            "Bucket POST must contain a field named 'key'.  If it is specified, please check the "
            "order of the fields.",
            "key", "");
    std::string key = *key_field;
    if (auto at = key.find("${filename}"); at != std::string::npos)
        key.replace(at, 11, form.file->filename.value_or(""));
    if (key.empty())
        throw invalid_argument("User key must have a length greater than 0.", "key", "");
    if (key.size() > kMaxKeyLength)
        throw AwsError("KeyTooLongError", "Your key is too long", 400)
            .with("MaxSizeAllowed", std::to_string(kMaxKeyLength))
            .with("Size", std::to_string(key.size()));
    const uint64_t size = form.file->length;

    // A signed form is its signer's request; an unsigned one is anonymous, for what the
    // bucket's policy allows.
    if (auto* policy_b64 = form.field("policy")) {
        auto text = base64_decode(*policy_b64);
        if (!text) throw invalid_policy("Invalid Policy: Invalid Base64 Encoding.");
        json policy = parse_json(*text, 16);
        if (policy.is_discarded() || !policy.is_object()) throw invalid_policy("Invalid JSON.");
        authenticate(ctx, req, form, *policy_b64);
        check_policy(policy, form, t.bucket, size);
    } else if (form.field("x-amz-signature") || form.field("signature")) {
        throw invalid_argument("Bucket POST must contain a field named 'policy'.", "policy", "");
    } else if (ctx.cfg.auth_strict) {
        req.anonymous = true;
        req.account.clear();
    }
    Target object{t.bucket, key};
    const Target* own = ctx.target;
    ctx.target = &object;
    auto bucket = require_bucket(ctx, req, t.bucket);
    ctx.target = own;
    ctx.posted_key = key;

    ObjectRecord o;
    o.bucket = t.bucket;
    o.key = key;
    fields_as_headers(req, form);
    // The form's acl field is the canned ACL a PUT sends as x-amz-acl.
    req.headers.erase("x-amz-acl");
    if (auto* acl = form.field("acl")) req.headers.set("x-amz-acl", *acl);
    o.acl = acl_for_new_object(req, bucket);
    read_object_attributes(req, o);
    if (!form.field("content-type")) o.content_type = "binary/octet-stream";
    if (auto* tagging = form.field("tagging")) o.tags = parse_tagging_xml(*tagging, true);
    apply_encryption(req, bucket, o);
    apply_object_lock(req, bucket, o);

    // A small file lives in its row; a larger one is copied out of the body into a blob of its
    // own, hashed on the way. Either way S3's default checksum, CRC64NVME.
    const size_t offset = form.file->offset;
    if (size <= kInlineObjectLimit) {
        std::string bytes(body.substr(offset, size));
        o.etag = to_hex(md5(bytes));
        Checksummer c(ChecksumAlgorithm::crc64nvme);
        c.update(bytes);
        o.checksums = {{"CRC64NVME", c.base64()}, {"type", "FULL_OBJECT"}};
        o.inline_body = std::move(bytes);
    } else {
        CopySource source = mapped ? CopySource{mapped->fd(), offset, size, nullptr}
                                   : CopySource{-1, offset, size, &req.body.memory()};
        auto copied = copy_to_new_blob(ctx.blobs, {source}, {ChecksumAlgorithm::crc64nvme});
        o.blob_id = copied.blob_id;
        o.etag = to_hex(copied.md5);
        o.checksums = {{"CRC64NVME", copied.checksums[ChecksumAlgorithm::crc64nvme]},
                       {"type", "FULL_OBJECT"}};
    }
    o.size = size;
    o.last_modified_ms = now_epoch_ms();
    std::string version;
    try {
        version = ctx.store.put_object(o);
    } catch (...) {
        ctx.blobs.remove(o.blob_id);
        throw;
    }

    Response res;
    if (!version.empty()) res.headers.set("x-amz-version-id", version);
    const std::string location = object_url(req, t, key);
    res.headers.set("ETag", quote_etag(o.etag));
    add_encryption_headers(res, o);
    res.headers.set("Location", location);
    std::string redirect;
    if (auto* r = form.field("success_action_redirect"))
        redirect = *r;
    else if (auto* r2 = form.field("redirect"))
        redirect = *r2;
    if (redirect.rfind("http://", 0) == 0 || redirect.rfind("https://", 0) == 0) {
        res.status = 303;
        res.headers.set("Location", redirect +
                                        (redirect.find('?') == std::string::npos ? "?" : "&") +
                                        "bucket=" + uri_encode(t.bucket, false) +
                                        "&key=" + uri_encode(key, false) +
                                        "&etag=" + uri_encode(quote_etag(o.etag), false));
        return res;
    }
    auto* status = form.field("success_action_status");
    if (status && *status == "201") {
        rest_xml::Document d("PostResponse", false);
        rest_xml::add(d.root, "Location", location);
        rest_xml::add(d.root, "Bucket", t.bucket);
        rest_xml::add(d.root, "Key", key);
        rest_xml::add(d.root, "ETag", quote_etag(o.etag));
        Response xml = rest_xml::xml_response(d, 201);
        xml.headers.set("ETag", quote_etag(o.etag));
        add_encryption_headers(xml, o);
        xml.headers.set("Location", location);
        return xml;
    }
    res.status = status && *status == "200" ? 200 : 204;
    return res;
}

}  // namespace fogbank::s3
