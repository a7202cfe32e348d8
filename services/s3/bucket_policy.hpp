// Bucket policies: the document S3 accepts, whether it makes a bucket public, and what it lets
// a caller other than the bucket's owner do. fogbank evaluates statements by principal, action
// and resource; a statement with a Condition is not applied (such grants are refused, such
// denials not enforced), and a policy is public when an unconditional Allow names "*".
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace fogbank::s3 {

// The policy PutBucketPolicy would store for `bucket`, or AwsError MalformedPolicy in S3's
// words: valid JSON, Statement with Effect, Principal, Action and Resource, s3 actions, and
// resources inside this bucket.
nlohmann::json parse_bucket_policy(std::string_view text, const std::string& bucket);

bool policy_is_public(const nlohmann::json& policy);

enum class PolicyDecision { none, allow, deny };

// The policy's answer for `action` ("s3:GetObject") on `resource` ("arn:aws:s3:::b/k") by a
// caller from `account`, or an anonymous one. With `public_ignored` (RestrictPublicBuckets),
// statements granting "*" give nothing.
PolicyDecision evaluate_policy(const nlohmann::json& policy, bool anonymous,
                               const std::string& account, std::string_view action,
                               std::string_view resource, bool public_ignored);

// The IAM action an S3 operation is authorised as (HeadObject is s3:GetObject, ListObjectsV2
// s3:ListBucket, ...).
std::string policy_action(std::string_view operation);

}  // namespace fogbank::s3
