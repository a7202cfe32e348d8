// AWS Signature Version 4: parsing (always, for identity) and verification (strict auth).
// Covers the Authorization header, presigned query strings, UNSIGNED-PAYLOAD and the
// aws-chunked streaming modes, whose chunk signatures chain from the request signature.
#pragma once

#include <boost/beast/http/fields.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/encoding.hpp"

namespace fogbank {

struct SigV4Credential {
    std::string access_key;
    std::string date;  // yyyymmdd
    std::string region;
    std::string service;
    std::string scope() const { return date + "/" + region + "/" + service + "/aws4_request"; }
};

struct SigV4Auth {
    SigV4Credential credential;
    std::vector<std::string> signed_headers;  // lower-case, as listed
    std::string signature;
    std::string amz_date;  // X-Amz-Date
    bool presigned = false;
    long expires_seconds = 0;  // presigned only
};

// Parses "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...".
// Returns nullopt for other schemes; throws AwsError for a malformed SigV4 header.
std::optional<SigV4Auth> parse_authorization_header(std::string_view value,
                                                    std::string_view amz_date);
// Parses X-Amz-Algorithm/-Credential/-Date/-Expires/-SignedHeaders/-Signature query fields.
std::optional<SigV4Auth> parse_presigned_query(
    const std::vector<std::pair<std::string, std::string>>& query);
// "AKID/20260101/us-east-1/s3/aws4_request"
std::optional<SigV4Credential> parse_credential(std::string_view value);

std::string signing_key(std::string_view secret, const SigV4Credential& cred);

struct CanonicalInput {
    std::string_view method;
    std::string canonical_uri;  // already encoded as the service wants
    const std::vector<std::pair<std::string, std::string>>* query;  // decoded
    const boost::beast::http::fields* headers;
    const std::vector<std::string>* signed_headers;
    std::string_view payload_hash;
    bool skip_signature_param = false;  // presigned: X-Amz-Signature is not signed
};

std::string canonical_query_string(const std::vector<std::pair<std::string, std::string>>& query,
                                   bool skip_signature_param);
std::string canonical_request(const CanonicalInput& in);
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);
// S3 signs the path encoded once; every other service encodes the encoded path again.
std::string canonical_uri(std::string_view decoded_path, bool s3);

std::string compute_signature(std::string_view secret, const SigV4Auth& auth,
                              const CanonicalInput& in);

}  // namespace fogbank
