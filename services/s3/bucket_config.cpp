// Bucket configuration documents S3 stores and returns but fogbank does not act on (lifecycle
// is acted on by lifecycle.cpp): lifecycle, encryption, logging, website, request payment,
// transfer acceleration, replication, Object Lock, ownership controls and the public access
// block. Each is validated as S3 validates it, stored as one row per bucket and sub-resource in
// the canonical shape (S3's namespace, generated rule IDs filled in), and answered with S3's own
// "not configured" error or default document: tools such as Terraform branch on those codes.
#include <set>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "services/s3/bucket_policy.hpp"
#include "services/s3/handlers.hpp"

namespace fogbank::s3 {

namespace {

using Validate = void (*)(Context&, const Request&, const Target&, const BucketRecord&,
                          pugi::xml_node root);

struct ConfigKind {
    const char* subresource;
    const char* root;  // the document element PUT must send and GET answers
    Validate validate;
    // Not configured: answered with this error (404) or, when code is null, with `fallback`,
    // the document S3 reports for a bucket nobody configured.
    const char* missing_code;
    const char* missing_message;
    const char* fallback;
};

AwsError invalid_request(const std::string& message) {
    return AwsError("InvalidRequest", message, 400);
}

bool one_of(std::string_view v, std::initializer_list<std::string_view> allowed) {
    for (auto a : allowed)
        if (v == a) return true;
    return false;
}

// A whole number > 0 (S3 takes "Days" and its kin as xsd:int).
bool positive_int(const std::string& v) {
    if (v.empty() || v.size() > 9) return false;
    for (char c : v)
        if (c < '0' || c > '9') return false;
    return std::stol(v) > 0;
}

bool non_negative_int(const std::string& v) {
    return v == "0" || positive_int(v);
}

bool is_boolean(const std::string& v) {
    return v == "true" || v == "false";
}

// --- lifecycle ---

constexpr std::string_view kTransitionClasses[] = {
    "GLACIER", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "DEEP_ARCHIVE", "GLACIER_IR"};

void check_days(pugi::xml_node action, const char* field, const std::string& what) {
    if (auto n = action.child(field); n && !positive_int(n.text().get()))
        throw invalid_argument("'" + std::string(field) + "' for " + what +
                               " action must be a positive integer");
}

void check_transition(pugi::xml_node tr, const char* days_field) {
    auto sc = rest_xml::child_text(tr, "StorageClass");
    bool known = false;
    for (auto c : kTransitionClasses)
        known |= sc == c;
    if (!known) throw rest_xml::malformed();
    bool days = static_cast<bool>(tr.child(days_field)), date = static_cast<bool>(tr.child("Date"));
    if (std::string_view(days_field) == "NoncurrentDays") date = false;
    if (days == date) throw rest_xml::malformed();
    if (days) {
        auto d = rest_xml::child_text(tr, days_field);
        if (!non_negative_int(d))
            throw invalid_argument("'" + std::string(days_field) +
                                   "' in Transition action must be nonnegative");
        if ((sc == "STANDARD_IA" || sc == "ONEZONE_IA") && std::stol(d) < 30)
            throw invalid_argument("'" + std::string(days_field) +
                                   "' in Transition action must be greater than or equal to 30 "
                                   "for storageClass '" +
                                   sc + "'");
    }
}

bool midnight_date(const std::string& v) {
    auto t = parse_iso8601(v);
    if (!t) return false;
    auto ms = t->time_since_epoch().count();
    return ms % 86400000 == 0;
}

void validate_lifecycle(Context&, const Request&, const Target&, const BucketRecord&,
                        pugi::xml_node root) {
    std::set<std::string> ids;
    size_t n = 0;
    for (auto rule : root.children()) {
        if (std::string_view(rule.name()) != "Rule") throw rest_xml::malformed();
        if (++n > 1000) throw rest_xml::malformed();
        auto status = rest_xml::child_text(rule, "Status");
        if (!one_of(status, {"Enabled", "Disabled"})) throw rest_xml::malformed();
        auto id = rest_xml::child_text(rule, "ID");
        if (id.size() > 255)
            throw invalid_argument("ID length should not exceed allowed limit of 255");
        if (!rule.child("ID") || id.empty()) {
            // S3 names a rule sent without an ID.
            rule.remove_child("ID");
            id = random_hex(24);
            rest_xml::add(rule, "ID", id);
        }
        if (!ids.insert(id).second)
            throw invalid_argument("Rule ID must be unique. Found same ID for more than one rule",
                                   "ID", id);
        auto filter = rule.child("Filter");
        if (static_cast<bool>(filter) == static_cast<bool>(rule.child("Prefix")))
            throw rest_xml::malformed();
        bool tags =
            filter && (!filter.child("Tag").empty() || !filter.child("And").child("Tag").empty());
        bool action = false;
        if (auto e = rule.child("Expiration")) {
            action = true;
            int given = (e.child("Days") ? 1 : 0) + (e.child("Date") ? 1 : 0) +
                        (e.child("ExpiredObjectDeleteMarker") ? 1 : 0);
            if (given != 1) throw rest_xml::malformed();
            check_days(e, "Days", "Expiration");
            if (e.child("Date") && !midnight_date(rest_xml::child_text(e, "Date")))
                throw invalid_argument("'Date' must be at midnight GMT");
            if (auto m = e.child("ExpiredObjectDeleteMarker")) {
                if (!is_boolean(m.text().get())) throw rest_xml::malformed();
                if (tags)
                    throw invalid_request(
                        "ExpiredObjectDeleteMarker cannot be specified with a Tag filter.");
            }
        }
        for (auto tr : rule.children("Transition")) {
            action = true;
            check_transition(tr, "Days");
        }
        for (auto tr : rule.children("NoncurrentVersionTransition")) {
            action = true;
            check_transition(tr, "NoncurrentDays");
        }
        if (auto e = rule.child("NoncurrentVersionExpiration")) {
            action = true;
            if (!e.child("NoncurrentDays")) throw rest_xml::malformed();
            check_days(e, "NoncurrentDays", "NoncurrentVersionExpiration");
        }
        if (auto a = rule.child("AbortIncompleteMultipartUpload")) {
            action = true;
            if (!a.child("DaysAfterInitiation")) throw rest_xml::malformed();
            check_days(a, "DaysAfterInitiation", "AbortIncompleteMultipartUpload");
            if (tags)
                throw invalid_request(
                    "Tag-based filter cannot be used with AbortIncompleteMultipartUpload action");
        }
        if (!action) throw invalid_request("At least one action needs to be specified in a rule");
    }
    if (n == 0) throw rest_xml::malformed();
}

// --- encryption ---

void validate_encryption(Context&, const Request&, const Target&, const BucketRecord&,
                         pugi::xml_node root) {
    size_t rules = 0;
    for (auto rule : root.children("Rule")) {
        ++rules;
        auto by_default = rule.child("ApplyServerSideEncryptionByDefault");
        if (!by_default) throw rest_xml::malformed();
        auto alg = rest_xml::child_text(by_default, "SSEAlgorithm");
        if (!one_of(alg, {"AES256", "aws:kms", "aws:kms:dsse"})) throw rest_xml::malformed();
        if (alg == "AES256" && by_default.child("KMSMasterKeyID"))
            throw invalid_argument(
                "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms "
                "or aws:kms:dsse");
        if (auto k = rule.child("BucketKeyEnabled"); k && !is_boolean(k.text().get()))
            throw rest_xml::malformed();
    }
    if (rules != 1) throw rest_xml::malformed();
}

// --- logging ---

void validate_logging(Context& ctx, const Request& req, const Target&, const BucketRecord& b,
                      pugi::xml_node root) {
    auto enabled = root.child("LoggingEnabled");
    if (!enabled) return;
    if (!enabled.child("TargetBucket") || !enabled.child("TargetPrefix"))
        throw rest_xml::malformed();
    auto target_name = rest_xml::child_text(enabled, "TargetBucket");
    auto target = ctx.store.bucket(target_name);
    if (!target)
        throw AwsError("InvalidTargetBucketForLogging",
                       "The target bucket for logging does not exist", 400)
            .with("TargetBucket", target_name);
    if (target->account != req.account)
        throw AwsError("InvalidTargetBucketForLogging",
                       "The owner for the bucket to be logged and the target bucket must be the "
                       "same.",
                       400)
            .with("TargetBucket", target_name);
    if (target->region != b.region)
        throw AwsError("CrossLocationLoggingProhibitted", "Cross S3 location logging not allowed.",
                       403)
            .with("TargetBucketLocation", target->region)
            .with("SourceBucketLocation", b.region);
}

// --- website ---

void validate_website(Context&, const Request&, const Target&, const BucketRecord&,
                      pugi::xml_node root) {
    if (auto redirect = root.child("RedirectAllRequestsTo")) {
        if (rest_xml::child_text(redirect, "HostName").empty()) throw rest_xml::malformed();
        if (root.child("IndexDocument") || root.child("ErrorDocument") ||
            root.child("RoutingRules"))
            throw invalid_request(
                "RedirectAllRequestsTo cannot be provided in conjunction with other Routing "
                "Rules.");
        return;
    }
    auto index = root.child("IndexDocument");
    if (!index)
        throw invalid_argument(
            "A value for IndexDocument Suffix must be provided if RedirectAllRequestsTo is empty");
    auto suffix = rest_xml::child_text(index, "Suffix");
    if (suffix.empty() || suffix.find('/') != std::string::npos)
        throw invalid_argument("The IndexDocument Suffix is not well formed", "IndexDocument",
                               suffix);
    if (auto error = root.child("ErrorDocument");
        error && rest_xml::child_text(error, "Key").empty())
        throw invalid_argument("The ErrorDocument Key is not well formed", "ErrorDocument", "");
}

// --- request payment, acceleration ---

void validate_request_payment(Context&, const Request&, const Target&, const BucketRecord&,
                              pugi::xml_node root) {
    if (!one_of(rest_xml::child_text(root, "Payer"), {"Requester", "BucketOwner"}))
        throw rest_xml::malformed();
}

void validate_accelerate(Context&, const Request&, const Target& t, const BucketRecord&,
                         pugi::xml_node root) {
    if (!one_of(rest_xml::child_text(root, "Status"), {"Enabled", "Suspended"}))
        throw rest_xml::malformed();
    if (t.bucket.find('.') != std::string::npos)
        throw invalid_request(
            "S3 Transfer Acceleration is not supported for buckets with periods (.) in their "
            "names");
}

// --- replication, Object Lock: both need a versioned bucket ---

void validate_replication(Context&, const Request&, const Target&, const BucketRecord& b,
                          pugi::xml_node root) {
    if (b.versioning != "Enabled")
        throw invalid_request(
            "Versioning must be 'Enabled' on the bucket to apply a replication configuration");
    if (rest_xml::child_text(root, "Role").empty() || !root.child("Rule"))
        throw rest_xml::malformed();
    for (auto rule : root.children("Rule"))
        if (rest_xml::child_text(rule.child("Destination"), "Bucket").empty())
            throw rest_xml::malformed();
}

void validate_object_lock(Context&, const Request&, const Target&, const BucketRecord& b,
                          pugi::xml_node root) {
    if (rest_xml::child_text(root, "ObjectLockEnabled") != "Enabled") throw rest_xml::malformed();
    if (b.versioning != "Enabled" && !b.config("object-lock"))
        throw AwsError("InvalidBucketState",
                       "Versioning must be 'Enabled' on the bucket to apply a Object Lock "
                       "configuration",
                       409);
    if (auto retention = root.child("Rule").child("DefaultRetention")) {
        if (!one_of(rest_xml::child_text(retention, "Mode"), {"GOVERNANCE", "COMPLIANCE"}))
            throw rest_xml::malformed();
        bool days = !retention.child("Days").empty(), years = !retention.child("Years").empty();
        if (days == years) throw rest_xml::malformed();
        if (!positive_int(rest_xml::child_text(retention, days ? "Days" : "Years")))
            throw invalid_argument("Default retention period must be a positive integer value.");
    }
}

// --- ownership controls, public access block ---

void validate_ownership(Context&, const Request&, const Target&, const BucketRecord&,
                        pugi::xml_node root) {
    size_t rules = 0;
    for (auto rule : root.children("Rule")) {
        ++rules;
        if (!valid_object_ownership(rest_xml::child_text(rule, "ObjectOwnership")))
            throw rest_xml::malformed();
    }
    if (rules != 1) throw rest_xml::malformed();
}

constexpr const char* kBlockSettings[] = {"BlockPublicAcls", "IgnorePublicAcls",
                                          "BlockPublicPolicy", "RestrictPublicBuckets"};

void validate_public_access_block(Context&, const Request&, const Target&, const BucketRecord&,
                                  pugi::xml_node root) {
    for (auto* name : kBlockSettings) {
        auto n = root.child(name);
        if (n && !is_boolean(n.text().get())) throw rest_xml::malformed();
        // S3 answers every setting, false where the request left one out.
        if (!n) rest_xml::add(root, name, "false");
    }
}

const ConfigKind kConfigKinds[] = {
    {"lifecycle", "LifecycleConfiguration", validate_lifecycle, "NoSuchLifecycleConfiguration",
     "The lifecycle configuration does not exist", nullptr},
    {"encryption", "ServerSideEncryptionConfiguration", validate_encryption, nullptr, nullptr,
     // Every bucket has encrypted new objects with SSE-S3 by default since January 2023.
     "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
     "</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule>"},
    {"logging", "BucketLoggingStatus", validate_logging, nullptr, nullptr, ""},
    {"website", "WebsiteConfiguration", validate_website, "NoSuchWebsiteConfiguration",
     "The specified bucket does not have a website configuration", nullptr},
    {"requestPayment", "RequestPaymentConfiguration", validate_request_payment, nullptr, nullptr,
     "<Payer>BucketOwner</Payer>"},
    {"accelerate", "AccelerateConfiguration", validate_accelerate, nullptr, nullptr, ""},
    {"replication", "ReplicationConfiguration", validate_replication,
     "ReplicationConfigurationNotFoundError", "The replication configuration was not found",
     nullptr},
    {"object-lock", "ObjectLockConfiguration", validate_object_lock,
     "ObjectLockConfigurationNotFoundError",
     "Object Lock configuration does not exist for this bucket", nullptr},
    {"ownershipControls", "OwnershipControls", validate_ownership, "OwnershipControlsNotFoundError",
     "The bucket ownership controls were not found", nullptr},
    {"publicAccessBlock", "PublicAccessBlockConfiguration", validate_public_access_block,
     "NoSuchPublicAccessBlockConfiguration", "The public access block configuration was not found",
     nullptr},
};

const ConfigKind& kind_of(const Request& req) {
    for (auto& k : kConfigKinds)
        if (req.has_query(k.subresource)) return k;
    throw std::logic_error("bucket configuration handler without its sub-resource");
}

Response stored_document(const std::string& xml) {
    Response res;
    res.headers.set("Content-Type", "application/xml");
    res.body = xml;
    return res;
}

// Lifecycle answers say which objects transitions skip by default (since September 2024).
void lifecycle_headers(const ConfigKind& k, Response& res) {
    if (std::string_view(k.subresource) == "lifecycle")
        res.headers.set("x-amz-transition-default-minimum-object-size", "all_storage_classes_128K");
}

}  // namespace

bool valid_object_ownership(std::string_view v) {
    return one_of(v, {"BucketOwnerEnforced", "BucketOwnerPreferred", "ObjectWriter"});
}

std::string ownership_controls_document(std::string_view ownership) {
    rest_xml::Document d("OwnershipControls");
    rest_xml::add(d.root.append_child("Rule"), "ObjectOwnership", ownership);
    return d.str();
}

std::string default_public_access_block() {
    rest_xml::Document d("PublicAccessBlockConfiguration");
    for (auto* name : kBlockSettings)
        rest_xml::add(d.root, name, "true");
    return d.str();
}

bool public_access_setting(const BucketRecord& b, const char* setting) {
    auto* doc = b.config("publicAccessBlock");
    if (!doc) return false;
    pugi::xml_document x;
    if (!x.load_string(doc->c_str())) return false;
    return rest_xml::child_text(x.document_element(), setting) == "true";
}

Response put_bucket_config(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    const ConfigKind& k = kind_of(req);
    check_content_md5(req);
    verified_checksums(req);
    auto doc = rest_xml::parse(req.body.text());
    auto root = doc.document_element();
    if (std::string_view(root.name()) != k.root) throw rest_xml::malformed();
    k.validate(ctx, req, t, b, root);
    // An empty logging status is how logging is switched off.
    if (std::string_view(k.subresource) == "logging" && !root.child("LoggingEnabled")) {
        ctx.store.set_bucket_config(t.bucket, k.subresource, std::nullopt);
        return empty(200);
    }
    rest_xml::Document canonical(k.root);
    for (auto child : root.children())
        if (child.type() == pugi::node_element) canonical.root.append_copy(child);
    ctx.store.set_bucket_config(t.bucket, k.subresource, canonical.str());
    Response res = empty(200);
    lifecycle_headers(k, res);
    return res;
}

Response get_bucket_config(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    const ConfigKind& k = kind_of(req);
    Response res;
    if (auto* doc = b.config(k.subresource)) {
        res = stored_document(*doc);
    } else if (k.missing_code) {
        throw AwsError(k.missing_code, k.missing_message, 404).with("BucketName", t.bucket);
    } else {
        rest_xml::Document d(k.root);
        if (*k.fallback) {
            pugi::xml_document inner;
            inner.load_string(k.fallback);
            for (auto child : inner.children())
                d.root.append_copy(child);
        }
        res = rest_xml::xml_response(d);
    }
    lifecycle_headers(k, res);
    return res;
}

Response delete_bucket_config(Context& ctx, Request& req, const Target& t) {
    require_bucket(ctx, req, t.bucket);
    ctx.store.set_bucket_config(t.bucket, kind_of(req).subresource, std::nullopt);
    return empty(204);
}

void apply_encryption(const Request& req, const BucketRecord& b, ObjectRecord& o) {
    o.headers.erase(kSseHeader);
    o.headers.erase(kSseKeyHeader);
    std::string alg = "AES256", key;
    if (auto* doc = b.config("encryption")) {
        pugi::xml_document x;
        if (x.load_string(doc->c_str())) {
            auto by_default =
                x.document_element().child("Rule").child("ApplyServerSideEncryptionByDefault");
            alg = rest_xml::child_text(by_default, "SSEAlgorithm");
            key = rest_xml::child_text(by_default, "KMSMasterKeyID");
        }
    }
    if (auto asked = req.header(kSseHeader)) {
        if (!one_of(*asked, {"AES256", "aws:kms", "aws:kms:dsse"}))
            throw invalid_argument("The encryption method specified is not supported", kSseHeader,
                                   *asked);
        alg = *asked;
        key = req.header(kSseKeyHeader).value_or("");
    } else if (req.header(kSseKeyHeader)) {
        throw invalid_argument(
            "Server Side Encryption with AWS KMS managed key requires HTTP header "
            "x-amz-server-side-encryption : aws:kms");
    }
    if (alg == "AES256" && !key.empty())
        throw invalid_argument(
            "Server Side Encryption with AWS KMS managed key requires HTTP header "
            "x-amz-server-side-encryption : aws:kms");
    // SSE-S3 is what every object has unless told otherwise: kept implicit, so the stored
    // headers of most objects stay empty (and cost no parse on GET).
    if (alg == "AES256") return;
    o.headers[kSseHeader] = alg;
    if (!key.empty()) o.headers[kSseKeyHeader] = key;
}

void add_encryption_headers(Response& res, const ObjectRecord& o) {
    if (!o.headers.contains(kSseHeader)) res.headers.set(kSseHeader, "AES256");
    for (auto* h : {kSseHeader, kSseKeyHeader})
        if (o.headers.contains(h)) res.headers.set(h, o.headers[h].get<std::string>());
}

}  // namespace fogbank::s3
