#include "emulator/authenticator.hpp"

#include <algorithm>

#include "emulator/aws_error.hpp"
#include "emulator/service.hpp"

namespace fogbank {

namespace {
constexpr std::string_view kUnsigned = "UNSIGNED-PAYLOAD";
constexpr std::string_view kStreamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
constexpr std::string_view kStreamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
constexpr std::string_view kStreamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

bool is_sha256_hex(std::string_view v) {
    if (v.size() != 64) return false;
    for (char c : v)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

AwsError signature_mismatch() {
    return AwsError(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        403);
}

}  // namespace

std::string account_for(const Config& cfg, const std::string& access_key) {
    if (auto it = cfg.auth_accounts.find(access_key); it != cfg.auth_accounts.end())
        return it->second;
    // A 12-digit access key names its account, as in LocalStack: handy for isolation tests.
    if (access_key.size() == 12 && std::all_of(access_key.begin(), access_key.end(),
                                               [](char c) { return c >= '0' && c <= '9'; }))
        return access_key;
    return cfg.default_account;
}

ProcessCredentials credentials_for(const Config& cfg, const std::string& account) {
    for (auto& [ak, sk] : cfg.auth_keys)
        if (account_for(cfg, ak) == account) return {ak, sk};
    return {account, "fogbank"};
}

AuthState Authenticator::begin(RequestHead& head, const Service& service) const {
    AuthState st;
    auto authorization = head.header_view("authorization");
    auto amz_date = head.header_view("x-amz-date");
    if (!amz_date) amz_date = head.header_view("date");
    if (authorization)
        st.auth = parse_authorization_header(*authorization, amz_date.value_or(""));
    else
        st.auth = parse_presigned_query(head.query);
    if (!st.auth && !authorization && service.s3_signing()) st.v2 = parse_sigv2_query(head.query);

    head.account = cfg_.default_account;
    head.region = cfg_.default_region;
    if (st.auth) {
        head.access_key = st.auth->credential.access_key;
        head.account = account_for(cfg_, head.access_key);
        if (!st.auth->credential.region.empty()) head.region = st.auth->credential.region;
    }

    if (st.v2) {
        head.access_key = st.v2->access_key;
        head.account = account_for(cfg_, head.access_key);
    }

    st.payload_claim = head.header_view("x-amz-content-sha256").value_or("");
    if (st.auth && st.auth->presigned && st.payload_claim.empty()) st.payload_claim = kUnsigned;
    st.streaming = st.payload_claim.rfind("STREAMING-", 0) == 0;
    if (auto ce = head.header_view("content-encoding");
        ce && ce->find("aws-chunked") != std::string::npos)
        st.streaming = true;
    st.signed_chunks =
        st.payload_claim == kStreamingSigned || st.payload_claim == kStreamingSignedTrailer;
    if (st.streaming && !st.payload_claim.empty() && st.payload_claim != kStreamingSigned &&
        st.payload_claim != kStreamingSignedTrailer &&
        st.payload_claim != kStreamingUnsignedTrailer &&
        st.payload_claim.rfind("STREAMING-", 0) == 0)
        throw AwsError("InvalidArgument", "x-amz-content-sha256 must be a known streaming mode",
                       400);
    // S3 checks a claimed payload hash on its own (XAmzContentSHA256Mismatch), so fogbank does
    // whether or not auth is strict. Other services know the claim only as part of what was
    // signed: it is checked when signatures are.
    const bool claim_is_hash = is_sha256_hex(st.payload_claim);
    st.want_sha256 =
        claim_is_hash && (service.s3_signing() || (cfg_.auth_strict && service.signed_requests()));
    if (!st.payload_claim.empty() && !claim_is_hash && !st.streaming &&
        st.payload_claim != kUnsigned && service.s3_signing())
        throw AwsError("InvalidArgument",
                       "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                       "STREAMING-... or a valid sha256 value.",
                       400);

    if (!cfg_.auth_strict || !service.signed_requests()) return st;

    if (st.v2) {
        auto key = cfg_.auth_keys.find(st.v2->access_key);
        if (key == cfg_.auth_keys.end())
            throw AwsError("InvalidAccessKeyId",
                           "The AWS Access Key Id you provided does not exist in our records.", 403)
                .with("AWSAccessKeyId", st.v2->access_key);
        if (std::chrono::seconds(st.v2->expires) < wall_now_ms().time_since_epoch())
            throw AwsError("AccessDenied", "Request has expired", 403)
                .with("Expires", std::to_string(st.v2->expires));
        if (sigv2_signature(head, *st.v2, key->second) != st.v2->signature)
            throw signature_mismatch();
        st.signature_checked = true;
        return st;
    }
    if (!st.auth) {
        if (service.s3_signing() && !head.header("authorization")) {
            head.anonymous = true;
            head.account.clear();
            return st;
        }
        if (head.header("authorization"))
            throw AwsError("AccessDenied", "Unsupported Authorization Type", 400);
        throw AwsError(
            service.s3_signing() ? "AccessDenied" : "MissingAuthenticationToken",
            service.s3_signing() ? "Access Denied" : "Request is missing Authentication Token",
            403);
    }
    auto key = cfg_.auth_keys.find(st.auth->credential.access_key);
    if (key == cfg_.auth_keys.end())
        throw AwsError(service.s3_signing() ? "InvalidAccessKeyId" : "UnrecognizedClientException",
                       "The AWS Access Key Id you provided does not exist in our records.", 403)
            .with("AWSAccessKeyId", st.auth->credential.access_key);
    st.secret = key->second;

    auto signed_at = parse_amz_date(st.auth->amz_date);
    if (!signed_at)
        throw AwsError("AccessDenied",
                       "AWS authentication requires a valid Date or x-amz-date header", 403);
    auto now = wall_now_ms();
    if (st.auth->presigned) {
        if (now > *signed_at + std::chrono::seconds(st.auth->expires_seconds))
            throw AwsError("AccessDenied", "Request has expired", 403)
                .with("X-Amz-Expires", std::to_string(st.auth->expires_seconds))
                .with("Expires", format_iso8601_ms(*signed_at +
                                                   std::chrono::seconds(st.auth->expires_seconds)))
                .with("ServerTime", format_iso8601_ms(now));
        if (*signed_at > now + std::chrono::minutes(15))
            throw AwsError("AccessDenied", "Request is not valid yet", 403);
    } else if (std::chrono::abs(now - *signed_at) > std::chrono::minutes(15)) {
        throw AwsError("RequestTimeTooSkewed",
                       "The difference between the request time and the current time is too large.",
                       403)
            .with("RequestTime", st.auth->amz_date)
            .with("ServerTime", format_iso8601_ms(now));
    }
    if (service.s3_signing() && !st.auth->presigned && st.payload_claim.empty())
        throw AwsError("InvalidRequest",
                       "Missing required header for this request: x-amz-content-sha256", 400);

    // The claim is part of what was signed; if it is present we can check before the body.
    if (!st.payload_claim.empty()) {
        verify_signature(head, st, service, st.payload_claim);
        st.signature_checked = true;
    } else {
        st.want_sha256 = true;
    }
    return st;
}

std::unique_ptr<AwsChunkedDecoder> Authenticator::decoder(const AuthState& st) const {
    if (!st.streaming) return nullptr;
    if (!st.signed_chunks || !st.secret) return std::make_unique<AwsChunkedDecoder>();
    ChunkSignatureChain chain{signing_key(*st.secret, st.auth->credential), st.auth->amz_date,
                              st.auth->credential.scope(), st.auth->signature};
    return std::make_unique<AwsChunkedDecoder>(std::move(chain));
}

void Authenticator::finish(const RequestHead& head, AuthState& st, const RequestBody& body,
                           const Service& service) const {
    if (st.want_sha256 && is_sha256_hex(st.payload_claim) && body.sha256_hex &&
        *body.sha256_hex != st.payload_claim)
        throw AwsError(
            "XAmzContentSHA256Mismatch",
            "The provided 'x-amz-content-sha256' header does not match what was computed.", 400)
            .with("ClientComputedContentSHA256", st.payload_claim)
            .with("S3ComputedContentSHA256", *body.sha256_hex);
    if (cfg_.auth_strict && !st.signature_checked && st.auth) {
        verify_signature(head, st, service, body.sha256_hex.value_or(""));
        st.signature_checked = true;
    }
}

void Authenticator::verify_signature(const RequestHead& head, const AuthState& st,
                                     const Service& service, std::string_view payload_hash) const {
    const auto& auth = *st.auth;
    // Every signed header must be present (host is always among them).
    for (auto& name : auth.signed_headers)
        if (!head.header(name)) throw signature_mismatch();
    CanonicalInput in{head.method_name,     canonical_uri(head.path, service.s3_signing()),
                      &head.query,          &head.headers,
                      &auth.signed_headers, payload_hash,
                      auth.presigned};
    if (compute_signature(*st.secret, auth, in) != auth.signature) throw signature_mismatch();
}

}  // namespace fogbank
