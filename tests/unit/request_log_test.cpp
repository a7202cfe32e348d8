// The console's request log: a bounded ring whose newest records keep their bodies, and the
// masking of secrets when a record is read.
#include "emulator/request_log.hpp"

#include <gtest/gtest.h>

using namespace fogbank;

namespace {
void add(RequestLog& log, const std::string& op, const std::string& body = "") {
    RequestView v;
    v.service = "s3";
    v.operation = op;
    v.request_body = body;
    v.request_size = body.size();
    v.response_body = "answer";
    v.response_size = 6;
    v.write_headers = [](std::string& out) { out += "Host: x\n"; };
    log.add(v);
}
}  // namespace

TEST(RequestLog, RingKeepsTheNewestAndBodiesOfTheNewestFew) {
    RequestLog log(RequestLog::Limits{5, 2, 16});
    for (int i = 1; i <= 7; ++i)
        add(log, "Op" + std::to_string(i), "body" + std::to_string(i));
    EXPECT_EQ(log.last_id(), 7u);
    auto all = log.after(0, 100);
    ASSERT_EQ(all.size(), 5u);  // 3..7
    EXPECT_EQ(all.front()["id"], 3);
    EXPECT_EQ(all.back()["operation"], "Op7");
    EXPECT_FALSE(all.front().contains("request_body"));  // lists carry no bodies
    EXPECT_TRUE(log.detail(2).is_null());                // left the ring
    EXPECT_EQ(log.detail(7)["request_body"], "body7");
    EXPECT_EQ(log.detail(7)["response_body"], "answer");
    EXPECT_EQ(log.detail(7)["request_headers"], "Host: x\n");
    EXPECT_EQ(log.detail(6)["request_body"], "body6");
    EXPECT_EQ(log.detail(5)["request_body"], "");  // older than the newest two: bodies let go
    EXPECT_FALSE(log.detail(5)["bodies_kept"].get<bool>());
    EXPECT_TRUE(log.detail(7)["bodies_kept"].get<bool>());
    // after(): strictly newer than the id given, the newest `limit` when far behind.
    EXPECT_EQ(log.after(5, 100).size(), 2u);
    EXPECT_EQ(log.after(7, 100).size(), 0u);
    auto last_two = log.after(0, 2);
    ASSERT_EQ(last_two.size(), 2u);
    EXPECT_EQ(last_two[0]["id"], 6);
    log.clear();
    EXPECT_EQ(log.after(0, 100).size(), 0u);
    add(log, "Again");
    EXPECT_EQ(log.after(0, 100)[0]["id"], 8);  // ids never repeat
    EXPECT_TRUE(log.detail(7).is_null());
}

TEST(RequestLog, BodiesAreCutTextOrNamedBySize) {
    RequestLog log(RequestLog::Limits{4, 2, 8});
    add(log, "Text", "0123456789abc");
    EXPECT_EQ(log.detail(1)["request_body"], "01234567\n(5 more bytes)");
    add(log, "Binary", std::string("ab\0cd", 5));
    EXPECT_EQ(log.detail(2)["request_body"], "(5 bytes, binary)");
    RequestView spooled;
    spooled.request_size = 1 << 20;  // on disk: no bytes handed over
    log.add(spooled);
    EXPECT_EQ(log.detail(3)["request_body"], "(1048576 bytes, not kept)");
    EXPECT_EQ(log.detail(3)["request_headers"], "");
}

TEST(RequestLog, SecretsAreMaskedInEveryShape) {
    EXPECT_EQ(mask_secrets(
                  R"({"AccessKeyId":"AKID","SecretAccessKey":"abc/def+g","SessionToken": "t\"q"})"),
              R"({"AccessKeyId":"AKID","SecretAccessKey":"****","SessionToken": "****"})");
    EXPECT_EQ(
        mask_secrets("<Credentials><SecretAccessKey>s3cr3t</SecretAccessKey><SessionToken>tok"
                     "</SessionToken><Expiration>x</Expiration></Credentials>"),
        "<Credentials><SecretAccessKey>****</SecretAccessKey><SessionToken>****</SessionToken>"
        "<Expiration>x</Expiration></Credentials>");
    EXPECT_EQ(mask_secrets("Action=CreateLoginProfile&UserName=u&Password=hunter2&Version=1"),
              "Action=CreateLoginProfile&UserName=u&Password=****&Version=1");
    EXPECT_EQ(
        mask_secrets("Authorization: AWS4-HMAC-SHA256 Credential=test/20261204/us-east-1/s3/"
                     "aws4_request, SignedHeaders=host;x-amz-date, Signature=0a1b2c\nHost: x\n"),
        "Authorization: AWS4-HMAC-SHA256 Credential=test/20261204/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=****\nHost: x\n");
    EXPECT_EQ(mask_secrets("/b/k?X-Amz-Credential=a&X-Amz-Signature=ff00&X-Amz-Security-Token=zz"),
              "/b/k?X-Amz-Credential=a&X-Amz-Signature=****&X-Amz-Security-Token=****");
    EXPECT_EQ(mask_secrets("X-Amz-Security-Token: abc\nx-amz-date: 1\n"),
              "X-Amz-Security-Token: ****\nx-amz-date: 1\n");
    EXPECT_EQ(mask_secrets(R"({"KeyMaterial": "-----BEGIN RSA PRIVATE KEY-----\nMIIE"})"),
              R"({"KeyMaterial": "****"})");
    // Longer names that merely contain a secret's name, and names without a value, stay.
    EXPECT_EQ(mask_secrets(R"({"PasswordPolicy":"x","MySignatureField":"y","Password"})"),
              R"({"PasswordPolicy":"x","MySignatureField":"y","Password"})");
    EXPECT_EQ(mask_secrets(""), "");
    EXPECT_EQ(mask_secrets("Password="), "Password=");
    EXPECT_EQ(mask_secrets("<Password>"), "<Password>");
}
