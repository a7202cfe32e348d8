#include "services/s3/bucket_policy.hpp"

#include <gtest/gtest.h>

#include "emulator/aws_error.hpp"

using namespace fogbank;
using namespace fogbank::s3;
using json = nlohmann::json;

namespace {

std::string refusal(const std::string& text, const std::string& bucket = "b") {
    try {
        parse_bucket_policy(text, bucket);
    } catch (const AwsError& e) {
        EXPECT_EQ(e.code(), "MalformedPolicy");
        EXPECT_EQ(e.status(), 400);
        return e.what();
    }
    return "accepted";
}

json policy(const std::string& statements) {
    return parse_bucket_policy(R"({"Version":"2012-10-17","Statement":[)" + statements + "]}", "b");
}

PolicyDecision ask(const json& p, bool anonymous, const std::string& account,
                   std::string_view action, std::string_view resource, bool restrict = false) {
    return evaluate_policy(p, anonymous, account, action, resource, restrict);
}

}  // namespace

TEST(BucketPolicy, RefusesWhatS3Refuses) {
    EXPECT_EQ(refusal("nope"), "Policies must be valid JSON and the first byte must be '{'");
    EXPECT_EQ(refusal("[]"), "Policies must be valid JSON and the first byte must be '{'");
    EXPECT_EQ(refusal("{}"), "Missing required field Statement");
    EXPECT_EQ(refusal(R"({"Statement":[]})"), "Missing required field Statement");
    EXPECT_EQ(refusal(R"({"Version":"2020-01-01","Statement":{}})"),
              "Policy has an invalid version");
    const std::string ok =
        R"("Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*")";
    EXPECT_EQ(refusal(R"({"Statement":{"Effect":"Allow",)" + ok + "}}"), "accepted");
    EXPECT_EQ(refusal(R"({"Statement":{"Effect":"Perhaps",)" + ok + "}}"),
              "Invalid effect: Perhaps");
    EXPECT_EQ(refusal(R"({"Statement":{)" + ok + "}}"), "Missing required field Effect");
    EXPECT_EQ(
        refusal(R"({"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b"}})"),
        "Missing required field Principal");
    EXPECT_EQ(
        refusal(
            R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"sqs:*","Resource":"arn:aws:s3:::b"}})"),
        "Policy has invalid action");
    EXPECT_EQ(
        refusal(
            R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::bb/*"}})"),
        "Policy has invalid resource");
    EXPECT_EQ(
        refusal(
            R"({"Statement":{"Effect":"Allow","Principal":"me","Action":"s3:*","Resource":"arn:aws:s3:::b"}})"),
        "Invalid principal in policy");
    EXPECT_EQ(
        refusal(
            R"({"Statement":{"Effect":"Allow","Principal":{"AWS":[1]},"Action":"s3:*","Resource":"arn:aws:s3:::b"}})"),
        "Invalid principal in policy");
    EXPECT_EQ(refusal(R"({"Statement":{"Effect":"Allow",)" + ok + R"(,"Extra":1}})"),
              "Unknown field Extra");
    // Bounded: size and nesting.
    EXPECT_EQ(refusal("{\"Id\":\"" + std::string(21000, 'x') + "\"}"),
              "Policies must be no more than 20 KB");
    EXPECT_EQ(refusal(std::string(100, '[') + std::string(100, ']')),
              "Policies must be valid JSON and the first byte must be '{'");
}

TEST(BucketPolicy, PublicMeansUnconditionalAllowForEveryone) {
    EXPECT_TRUE(policy_is_public(policy(
        R"({"Effect":"Allow","Principal":{"AWS":["111122223333","*"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})")));
    EXPECT_FALSE(policy_is_public(policy(
        R"({"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})")));
    EXPECT_FALSE(policy_is_public(policy(
        R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"})")));
    EXPECT_FALSE(policy_is_public(policy(
        R"({"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}})")));
}

TEST(BucketPolicy, Evaluation) {
    auto p = policy(
        R"({"Effect":"Allow","Principal":"*","Action":"s3:Get*","Resource":"arn:aws:s3:::b/pub/*"},)"
        R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":["s3:ListBucket","s3:PutObject"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/up/?.txt"]},)"
        R"({"Effect":"Deny","Principal":"*","NotAction":"s3:GetObject","Resource":"arn:aws:s3:::b/pub/locked*"})");
    EXPECT_EQ(ask(p, true, "", "s3:GetObject", "arn:aws:s3:::b/pub/a.jpg"), PolicyDecision::allow);
    // Actions match case-insensitively, resources exactly.
    EXPECT_EQ(ask(p, true, "", "s3:getobjecttagging", "arn:aws:s3:::b/pub/a"),
              PolicyDecision::allow);
    EXPECT_EQ(ask(p, true, "", "s3:GetObject", "arn:aws:s3:::b/PUB/a"), PolicyDecision::none);
    EXPECT_EQ(ask(p, true, "", "s3:PutObject", "arn:aws:s3:::b/pub/a"), PolicyDecision::none);
    EXPECT_EQ(ask(p, true, "", "s3:GetObject", "arn:aws:s3:::b/pub/a", true), PolicyDecision::none);
    EXPECT_EQ(ask(p, false, "444455556666", "s3:PutObject", "arn:aws:s3:::b/up/1.txt"),
              PolicyDecision::allow);
    EXPECT_EQ(ask(p, false, "444455556666", "s3:PutObject", "arn:aws:s3:::b/up/12.txt"),
              PolicyDecision::none);
    EXPECT_EQ(ask(p, true, "", "s3:PutObject", "arn:aws:s3:::b/up/1.txt"), PolicyDecision::none);
    EXPECT_EQ(ask(p, false, "999999999999", "s3:ListBucket", "arn:aws:s3:::b"),
              PolicyDecision::none);
    // The Deny wins over the Allow, for any caller, except for what NotAction leaves out.
    EXPECT_EQ(ask(p, false, "111122223333", "s3:DeleteObject", "arn:aws:s3:::b/pub/locked/x"),
              PolicyDecision::deny);
    EXPECT_EQ(ask(p, true, "", "s3:GetObject", "arn:aws:s3:::b/pub/locked/x"),
              PolicyDecision::allow);
}

TEST(BucketPolicy, WildcardsDoNotBacktrackForever) {
    // A pattern of many stars against a long near-miss finishes (greedy with one backtrack).
    std::string stars;
    for (int i = 0; i < 500; ++i)
        stars += "*a";
    auto p = policy(
        R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/)" +
        stars + "b\"}");
    EXPECT_EQ(ask(p, true, "", "s3:GetObject", "arn:aws:s3:::b/" + std::string(5000, 'a')),
              PolicyDecision::none);
}

TEST(BucketPolicy, OperationsAsActions) {
    EXPECT_EQ(policy_action("HeadObject"), "s3:GetObject");
    EXPECT_EQ(policy_action("ListObjectsV2"), "s3:ListBucket");
    EXPECT_EQ(policy_action("CompleteMultipartUpload"), "s3:PutObject");
    EXPECT_EQ(policy_action("GetObjectTagging"), "s3:GetObjectTagging");
}
