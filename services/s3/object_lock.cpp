// Object Lock on objects: retention (GOVERNANCE or COMPLIANCE until a date) and legal holds,
// set at write time (x-amz-object-lock-* headers, or the bucket's default retention) or by
// Put/GetObjectRetention and Put/GetObjectLegalHold. They live among the version's stored
// headers, so GET and HEAD return them as S3 does, and they refuse what S3 refuses: deleting a
// locked version by id (GOVERNANCE yields to x-amz-bypass-governance-retention), shortening a
// COMPLIANCE retention. Only buckets created with Object Lock take them.
#include "emulator/clock.hpp"
#include "emulator/encoding.hpp"
#include "services/s3/handlers.hpp"

namespace fogbank::s3 {

namespace {

constexpr const char* kModeHeader = "x-amz-object-lock-mode";
constexpr const char* kUntilHeader = "x-amz-object-lock-retain-until-date";
constexpr const char* kHoldHeader = "x-amz-object-lock-legal-hold";

AwsError missing_lock_configuration() {
    return AwsError("InvalidRequest", "Bucket is missing Object Lock Configuration", 400);
}

AwsError no_lock_configuration() {
    return AwsError("NoSuchObjectLockConfiguration",
                    "The specified object does not have a ObjectLock configuration", 404);
}

bool lock_enabled(const BucketRecord& b) {
    auto* doc = b.config("object-lock");
    return doc && doc->find("Enabled") != std::string::npos;
}

int64_t parse_until(const std::string& value, const char* name) {
    auto t = parse_iso8601(value);
    if (!t)
        throw invalid_argument("The retain until date must be provided in ISO 8601 format", name,
                               value);
    return t->time_since_epoch().count();
}

void check_mode(const std::string& mode, const char* name) {
    if (mode != "GOVERNANCE" && mode != "COMPLIANCE")
        throw invalid_argument("Unknown wormMode directive.", name, mode);
}

std::string format_until(int64_t ms) {
    return format_iso8601_ms(TimePoint{std::chrono::milliseconds{ms}});
}

// A retention that still holds at `now`.
bool retained(const ObjectRecord& o, int64_t now) {
    if (!o.headers.contains(kUntilHeader)) return false;
    auto until = parse_iso8601(o.headers[kUntilHeader].get<std::string>());
    return until && until->time_since_epoch().count() > now;
}

// Stores a version's new lock headers and answers as both Put operations do.
Response save_lock_headers(Context& ctx, const Target& t, const BucketRecord& b,
                           const ObjectRecord& o, const nlohmann::json& headers) {
    ctx.store.set_object_headers(t.bucket, t.key, o.version_id, headers);
    Response res = empty(200);
    add_version_header(res, b, o);
    return res;
}

}  // namespace

void apply_object_lock(const Request& req, const BucketRecord& b, ObjectRecord& o) {
    auto mode = req.header(kModeHeader);
    auto until = req.header(kUntilHeader);
    auto hold = req.header(kHoldHeader);
    if ((mode || until || hold) && !lock_enabled(b)) throw missing_lock_configuration();
    if (!lock_enabled(b)) return;
    if (mode.has_value() != until.has_value())
        throw invalid_argument(
            "x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be "
            "supplied");
    const int64_t now = now_epoch_ms();
    if (mode) {
        check_mode(*mode, kModeHeader);
        int64_t ms = parse_until(*until, kUntilHeader);
        if (ms <= now) throw invalid_argument("The retain until date must be in the future!");
        o.headers[kModeHeader] = *mode;
        o.headers[kUntilHeader] = format_until(ms);
    } else if (auto* doc = b.config("object-lock")) {
        // The bucket's default retention applies to versions written without their own.
        pugi::xml_document x;
        if (x.load_string(doc->c_str())) {
            auto d = x.document_element().child("Rule").child("DefaultRetention");
            std::string m = rest_xml::child_text(d, "Mode");
            int64_t days = 0;
            if (auto v = rest_xml::child_text(d, "Days"); !v.empty()) days = std::stoll(v);
            if (auto v = rest_xml::child_text(d, "Years"); !v.empty()) days = std::stoll(v) * 365;
            if (!m.empty() && days > 0) {
                o.headers[kModeHeader] = m;
                o.headers[kUntilHeader] = format_until(now + days * 86400000);
            }
        }
    }
    if (hold) {
        if (*hold != "ON" && *hold != "OFF")
            throw invalid_argument("Legal Hold must be either of 'ON' or 'OFF'", kHoldHeader,
                                   *hold);
        o.headers[kHoldHeader] = *hold;
    }
}

void check_version_deletable(const Request& req, const ObjectRecord& o) {
    auto locked = [] {
        return AwsError("AccessDenied", "Access Denied because object protected by object lock.",
                        403);
    };
    if (o.headers.value(kHoldHeader, "") == "ON") throw locked();
    if (!retained(o, now_epoch_ms())) return;
    bool bypass = iequals(req.header("x-amz-bypass-governance-retention").value_or(""), "true");
    if (o.headers.value(kModeHeader, "") == "GOVERNANCE" && bypass) return;
    throw locked();
}

Response put_object_retention(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    if (!lock_enabled(b)) throw missing_lock_configuration();
    auto o = require_object_version(ctx, req, b, t.key);
    auto doc = rest_xml::parse(req.body.text());
    auto root = doc.document_element();
    if (std::string_view(root.name()) != "Retention") throw rest_xml::malformed();
    std::string mode = rest_xml::child_text(root, "Mode");
    std::string until = rest_xml::child_text(root, "RetainUntilDate");
    if (mode.empty() != until.empty()) throw rest_xml::malformed();
    auto headers = o.headers;
    if (mode.empty()) {
        headers.erase(kModeHeader);
        headers.erase(kUntilHeader);
    } else {
        check_mode(mode, "Mode");
        int64_t ms = parse_until(until, "RetainUntilDate");
        if (ms <= now_epoch_ms())
            throw invalid_argument("The retain until date must be in the future!");
        headers[kModeHeader] = mode;
        headers[kUntilHeader] = format_until(ms);
    }
    // A COMPLIANCE retention can be lengthened, never shortened or lifted; GOVERNANCE only with
    // the bypass header.
    if (retained(o, now_epoch_ms())) {
        auto old_until = parse_iso8601(o.headers[kUntilHeader].get<std::string>());
        auto new_until = headers.contains(kUntilHeader)
                             ? parse_iso8601(headers[kUntilHeader].get<std::string>())
                             : std::optional<TimePoint>{};
        // Lifting it, shortening it or turning COMPLIANCE into GOVERNANCE weakens it.
        bool weaker = !new_until || *new_until < *old_until ||
                      (o.headers.value(kModeHeader, "") == "COMPLIANCE" &&
                       headers.value(kModeHeader, "") != "COMPLIANCE");
        if (weaker) {
            bool bypass =
                iequals(req.header("x-amz-bypass-governance-retention").value_or(""), "true");
            if (o.headers.value(kModeHeader, "") == "COMPLIANCE" || !bypass)
                throw AwsError("AccessDenied",
                               "Access Denied because object protected by object lock.", 403);
        }
    }
    return save_lock_headers(ctx, t, b, o, headers);
}

Response get_object_retention(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    if (!lock_enabled(b)) throw missing_lock_configuration();
    auto o = require_object_version(ctx, req, b, t.key);
    if (!o.headers.contains(kModeHeader)) throw no_lock_configuration();
    rest_xml::Document d("Retention");
    rest_xml::add(d.root, "Mode", o.headers[kModeHeader].get<std::string>());
    rest_xml::add(d.root, "RetainUntilDate", o.headers[kUntilHeader].get<std::string>());
    return rest_xml::xml_response(d);
}

Response put_object_legal_hold(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    if (!lock_enabled(b)) throw missing_lock_configuration();
    auto o = require_object_version(ctx, req, b, t.key);
    auto doc = rest_xml::parse(req.body.text());
    auto root = doc.document_element();
    std::string status = rest_xml::child_text(root, "Status");
    if (std::string_view(root.name()) != "LegalHold" || (status != "ON" && status != "OFF"))
        throw rest_xml::malformed();
    auto headers = o.headers;
    headers[kHoldHeader] = status;
    return save_lock_headers(ctx, t, b, o, headers);
}

Response get_object_legal_hold(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    if (!lock_enabled(b)) throw missing_lock_configuration();
    auto o = require_object_version(ctx, req, b, t.key);
    if (!o.headers.contains(kHoldHeader)) throw no_lock_configuration();
    rest_xml::Document d("LegalHold");
    rest_xml::add(d.root, "Status", o.headers[kHoldHeader].get<std::string>());
    return rest_xml::xml_response(d);
}

}  // namespace fogbank::s3
