// Bucket CORS: the configuration document, browser preflight (OPTIONS) answers, and the
// Access-Control-* headers on actual requests, following S3's rule-matching order.
#include "emulator/encoding.hpp"
#include "services/s3/handlers.hpp"

namespace fogbank::s3 {

namespace {

struct Rule {
    std::vector<std::string> origins, methods, headers, expose;
    std::optional<std::string> max_age;
};

constexpr const char* kMethods[] = {"GET", "PUT", "HEAD", "POST", "DELETE"};

std::vector<std::string> texts(pugi::xml_node rule, const char* name) {
    std::vector<std::string> out;
    for (auto c : rule.children(name))
        out.emplace_back(c.text().get());
    return out;
}

std::vector<Rule> parse_rules(const std::string& xml, bool validate) {
    auto doc = rest_xml::parse(xml);
    auto root = doc.document_element();
    if (std::string_view(root.name()) != "CORSConfiguration") throw rest_xml::malformed();
    std::vector<Rule> rules;
    for (auto r : root.children("CORSRule")) {
        Rule rule{texts(r, "AllowedOrigin"), texts(r, "AllowedMethod"), texts(r, "AllowedHeader"),
                  texts(r, "ExposeHeader"), std::nullopt};
        if (auto m = r.child("MaxAgeSeconds")) rule.max_age = m.text().get();
        if (validate) {
            if (rule.origins.empty() || rule.methods.empty()) throw rest_xml::malformed();
            for (auto& m : rule.methods) {
                bool ok = false;
                for (auto* k : kMethods)
                    ok |= m == k;
                if (!ok)
                    throw AwsError(
                        "InvalidRequest",
                        "Found unsupported HTTP method in CORS config. Unsupported method is " + m,
                        400);
            }
            for (auto& o : rule.origins)
                if (std::count(o.begin(), o.end(), '*') > 1)
                    throw AwsError(
                        "InvalidRequest",
                        "AllowedOrigin \"" + o + "\" can not have more than one wildcard.", 400);
        }
        rules.push_back(std::move(rule));
    }
    if (validate && (rules.empty() || rules.size() > 100)) throw rest_xml::malformed();
    return rules;
}

// One '*' may stand for any run of characters.
bool wildcard_match(std::string_view pattern, std::string_view value, bool case_insensitive) {
    auto eq = [&](std::string_view a, std::string_view b) {
        return case_insensitive ? iequals(a, b) : a == b;
    };
    auto star = pattern.find('*');
    if (star == std::string_view::npos) return eq(pattern, value);
    auto head = pattern.substr(0, star), tail = pattern.substr(star + 1);
    return value.size() >= head.size() + tail.size() && eq(value.substr(0, head.size()), head) &&
           eq(value.substr(value.size() - tail.size()), tail);
}

bool any_match(const std::vector<std::string>& patterns, std::string_view value, bool ci) {
    for (auto& p : patterns)
        if (wildcard_match(p, value, ci)) return true;
    return false;
}

const Rule* find_rule(const std::vector<Rule>& rules, std::string_view origin,
                      std::string_view method, const std::vector<std::string>& headers) {
    for (auto& r : rules) {
        if (!any_match(r.origins, origin, false)) continue;
        if (std::find(r.methods.begin(), r.methods.end(), method) == r.methods.end()) continue;
        bool headers_ok = true;
        for (auto& h : headers)
            headers_ok &= any_match(r.headers, h, true);
        if (headers_ok) return &r;
    }
    return nullptr;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (auto& s : v) {
        if (!out.empty()) out += sep;
        out += s;
    }
    return out;
}

void set_allow_headers(Response& res, const Rule& r, std::string_view origin) {
    bool any_origin = std::find(r.origins.begin(), r.origins.end(), "*") != r.origins.end();
    res.headers.set("Access-Control-Allow-Origin",
                    any_origin ? std::string("*") : std::string(origin));
    if (!any_origin) res.headers.set("Access-Control-Allow-Credentials", "true");
    res.headers.set("Access-Control-Allow-Methods", join(r.methods, ", "));
    if (!r.expose.empty()) res.headers.set("Access-Control-Expose-Headers", join(r.expose, ", "));
    if (r.max_age) res.headers.set("Access-Control-Max-Age", *r.max_age);
    res.headers.set("Vary",
                    "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
}

AwsError cors_forbidden() {
    return AwsError(
        "AccessForbidden",
        "CORSResponse: This CORS request is not allowed. This is usually because the evalution of "
        "Origin, "
        "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not "
        "whitelisted by the resource's CORS spec.",
        403);
}

}  // namespace

Response put_bucket_cors(Context& ctx, Request& req, const Target& t) {
    require_bucket(ctx, req, t.bucket);
    check_content_md5(req);
    verified_checksums(req);
    std::string xml = req.body.text();
    parse_rules(xml, true);
    ctx.store.set_bucket_cors(t.bucket, xml);
    return empty(200);
}

Response get_bucket_cors(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    if (b.cors_xml.empty())
        throw AwsError("NoSuchCORSConfiguration", "The CORS configuration does not exist", 404)
            .with("BucketName", t.bucket);
    // Re-emit in the canonical shape with the S3 namespace.
    rest_xml::Document d("CORSConfiguration");
    for (auto& r : parse_rules(b.cors_xml, false)) {
        auto e = d.root.append_child("CORSRule");
        for (auto& h : r.headers)
            rest_xml::add(e, "AllowedHeader", h);
        for (auto& m : r.methods)
            rest_xml::add(e, "AllowedMethod", m);
        for (auto& o : r.origins)
            rest_xml::add(e, "AllowedOrigin", o);
        for (auto& x : r.expose)
            rest_xml::add(e, "ExposeHeader", x);
        if (r.max_age) rest_xml::add(e, "MaxAgeSeconds", *r.max_age);
    }
    return rest_xml::xml_response(d);
}

Response delete_bucket_cors(Context& ctx, Request& req, const Target& t) {
    require_bucket(ctx, req, t.bucket);
    ctx.store.set_bucket_cors(t.bucket, "");
    return empty(204);
}

Response cors_preflight(Context& ctx, Request& req, const Target& t) {
    auto origin = req.header("origin");
    auto method = req.header("access-control-request-method");
    if (!origin || !method)
        throw AwsError("BadRequest", "Insufficient information. Origin request header needed.",
                       400);
    auto b = ctx.store.bucket(t.bucket);
    if (!b) throw no_such_bucket(t.bucket);
    if (b->cors_xml.empty()) throw cors_forbidden();
    auto rules = parse_rules(b->cors_xml, false);
    auto requested = split_list(req.header("access-control-request-headers").value_or(""));
    const Rule* r = find_rule(rules, *origin, *method, requested);
    if (!r) throw cors_forbidden();
    Response res;
    set_allow_headers(res, *r, *origin);
    if (!requested.empty()) res.headers.set("Access-Control-Allow-Headers", join(requested, ", "));
    return res;
}

void apply_cors(Context& ctx, const Request& req, const Target& t, Response& res) {
    if (t.bucket.empty()) return;
    auto b = ctx.store.bucket(t.bucket);
    if (!b || b->cors_xml.empty()) return;
    try {
        auto rules = parse_rules(b->cors_xml, false);
        if (const Rule* r = find_rule(rules, *req.header("origin"), req.method_name, {}))
            set_allow_headers(res, *r, *req.header("origin"));
    } catch (const AwsError&) {
        // A stored configuration was validated on the way in; nothing to add if it can't be read.
    }
}

}  // namespace fogbank::s3
