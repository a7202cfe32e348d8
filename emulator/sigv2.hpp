// Signature Version 2 query-string authentication: the presigned-URL form that boto3 before
// 1.36 still produces by default for S3 (AWSAccessKeyId, Expires, Signature). Header SigV2
// is not accepted; S3 itself is retiring it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/http_message.hpp"

namespace fogbank {

struct SigV2Query {
    std::string access_key;
    std::string signature;  // base64
    int64_t expires = 0;    // epoch seconds
};

std::optional<SigV2Query> parse_sigv2_query(
    const std::vector<std::pair<std::string, std::string>>& query);
// Base64 HMAC-SHA1 over S3's SigV2 string-to-sign for a path-style request.
std::string sigv2_signature(const RequestHead& head, const SigV2Query& q,
                            const std::string& secret);

}  // namespace fogbank
