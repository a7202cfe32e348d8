#include "emulator/sigv4.hpp"

#include <algorithm>
#include <map>

#include "emulator/aws_error.hpp"
#include "emulator/crypto.hpp"

namespace fogbank {

namespace {
constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

AwsError malformed_auth(std::string msg) {
    return AwsError("AuthorizationHeaderMalformed", std::move(msg), 400);
}

// `s` cut at each `sep`.
std::vector<std::string> split(std::string_view s, char sep) {
    std::vector<std::string> out;
    out.reserve(static_cast<size_t>(std::count(s.begin(), s.end(), sep)) + 1);
    for (size_t start = 0, pos = 0; pos != std::string_view::npos; start = pos + 1) {
        pos = s.find(sep, start);
        out.emplace_back(s.substr(start, pos == std::string_view::npos ? pos : pos - start));
    }
    return out;
}

// Header values are trimmed and inner runs of spaces collapse to one (SigV4 rule).
std::string canonical_header_value(std::string_view v) {
    v = trim(v);
    std::string out;
    out.reserve(v.size());
    bool space = false;
    for (char c : v) {
        if (c == ' ' || c == '\t') {
            space = true;
            continue;
        }
        if (space && !out.empty()) out.push_back(' ');
        space = false;
        out.push_back(c);
    }
    return out;
}
}  // namespace

std::optional<SigV4Credential> parse_credential(std::string_view value) {
    // AKID/date/region/service/aws4_request, split in place: this runs for every signed request.
    std::string_view parts[5];
    for (size_t i = 0; i < 5; ++i) {
        auto slash = value.find('/');
        if ((slash == std::string_view::npos) != (i == 4)) return std::nullopt;
        parts[i] = value.substr(0, slash);
        if (i < 4) value.remove_prefix(slash + 1);
    }
    if (parts[4] != "aws4_request" || parts[0].empty() || parts[1].size() != 8) return std::nullopt;
    return SigV4Credential{std::string(parts[0]), std::string(parts[1]), std::string(parts[2]),
                           std::string(parts[3])};
}

std::optional<SigV4Auth> parse_authorization_header(std::string_view value,
                                                    std::string_view amz_date) {
    value = trim(value);
    if (value.substr(0, kAlgorithm.size()) != kAlgorithm) return std::nullopt;
    value.remove_prefix(kAlgorithm.size());
    SigV4Auth auth;
    bool have_cred = false, have_headers = false, have_sig = false;
    // Field by field in place: every signed request passes here.
    for (size_t start = 0, comma = 0; comma != std::string_view::npos; start = comma + 1) {
        comma = value.find(',', start);
        std::string_view field = trim(value.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
        auto eq = field.find('=');
        if (eq == std::string_view::npos)
            throw malformed_auth("The authorization header is malformed.");
        auto key = trim(field.substr(0, eq));
        auto val = trim(field.substr(eq + 1));
        if (key == "Credential") {
            auto cred = parse_credential(val);
            if (!cred)
                throw malformed_auth(
                    "The authorization header is malformed; the Credential is mal-formed; "
                    "expecting \"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request\".");
            auth.credential = *cred;
            have_cred = true;
        } else if (key == "SignedHeaders") {
            auth.signed_headers = split(val, ';');
            have_headers = true;
        } else if (key == "Signature") {
            auth.signature = std::string(val);
            have_sig = true;
        }
    }
    if (!have_cred || !have_headers || !have_sig)
        throw malformed_auth("The authorization header is malformed.");
    auth.amz_date = std::string(amz_date);
    return auth;
}

std::optional<SigV4Auth> parse_presigned_query(
    const std::vector<std::pair<std::string, std::string>>& query) {
    std::map<std::string, std::string> q;
    for (auto& [k, v] : query)
        if (k.rfind("X-Amz-", 0) == 0) q[k] = v;
    if (!q.count("X-Amz-Algorithm") && !q.count("X-Amz-Credential")) return std::nullopt;
    auto bad = [](std::string msg) {
        return AwsError("AuthorizationQueryParametersError", std::move(msg), 400);
    };
    if (q["X-Amz-Algorithm"] != kAlgorithm)
        throw bad("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
    for (auto name : {"X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature",
                      "X-Amz-Expires"})
        if (!q.count(name))
            throw bad(
                "Query-string authentication version 4 requires the X-Amz-Algorithm, "
                "X-Amz-Credential, "
                "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.");
    SigV4Auth auth;
    auto cred = parse_credential(q["X-Amz-Credential"]);
    if (!cred)
        throw bad("Error parsing the X-Amz-Credential parameter; the Credential is mal-formed.");
    auth.credential = *cred;
    auth.signed_headers = split(q["X-Amz-SignedHeaders"], ';');
    auth.signature = q["X-Amz-Signature"];
    auth.amz_date = q["X-Amz-Date"];
    auth.presigned = true;
    try {
        size_t used = 0;
        auth.expires_seconds = std::stol(q["X-Amz-Expires"], &used);
        if (used != q["X-Amz-Expires"].size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
        throw bad("X-Amz-Expires should be a number");
    }
    if (auth.expires_seconds < 0) throw bad("X-Amz-Expires must be non-negative");
    if (auth.expires_seconds > 604800)
        throw bad("X-Amz-Expires must be less than a week (in seconds) that is 604800");
    return auth;
}

std::string signing_key(std::string_view secret, const SigV4Credential& cred) {
    std::string k = hmac_sha256("AWS4" + std::string(secret), cred.date);
    k = hmac_sha256(k, cred.region);
    k = hmac_sha256(k, cred.service);
    return hmac_sha256(k, "aws4_request");
}

std::string canonical_query_string(const std::vector<std::pair<std::string, std::string>>& query,
                                   bool skip_signature_param) {
    std::vector<std::pair<std::string, std::string>> enc;
    enc.reserve(query.size());
    for (auto& [k, v] : query) {
        if (skip_signature_param && k == "X-Amz-Signature") continue;
        enc.emplace_back(uri_encode(k), uri_encode(v));
    }
    std::sort(enc.begin(), enc.end());
    std::string out;
    for (auto& [k, v] : enc) {
        if (!out.empty()) out.push_back('&');
        out += k + "=" + v;
    }
    return out;
}

std::string canonical_uri(std::string_view decoded_path, bool s3) {
    std::string once = uri_encode(decoded_path.empty() ? "/" : decoded_path, true);
    return s3 ? once : uri_encode(once, true);
}

std::string canonical_request(const CanonicalInput& in) {
    std::string out;
    out.reserve(512);
    out.append(in.method).push_back('\n');
    out.append(in.canonical_uri).push_back('\n');
    out.append(canonical_query_string(*in.query, in.skip_signature_param)).push_back('\n');
    for (auto& name : *in.signed_headers) {
        std::string value;
        for (auto& f : *in.headers) {
            if (!iequals(f.name_string(), name)) continue;
            if (!value.empty()) value.push_back(',');
            value += canonical_header_value(f.value());
        }
        out += name + ":" + value + "\n";
    }
    out.push_back('\n');
    for (size_t i = 0; i < in.signed_headers->size(); ++i) {
        if (i) out.push_back(';');
        out += (*in.signed_headers)[i];
    }
    out.push_back('\n');
    out.append(in.payload_hash);
    return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view creq) {
    return std::string(kAlgorithm) + "\n" + std::string(amz_date) + "\n" + std::string(scope) +
           "\n" + sha256_hex(creq);
}

std::string compute_signature(std::string_view secret, const SigV4Auth& auth,
                              const CanonicalInput& in) {
    auto key = signing_key(secret, auth.credential);
    auto sts = string_to_sign(auth.amz_date, auth.credential.scope(), canonical_request(in));
    return to_hex(hmac_sha256(key, sts));
}

}  // namespace fogbank
