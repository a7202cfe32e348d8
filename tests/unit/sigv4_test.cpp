// Signature Version 4 against AWS's published examples.
#include "emulator/sigv4.hpp"

#include <gtest/gtest.h>

#include "emulator/aws_chunked.hpp"
#include "emulator/aws_error.hpp"
#include "emulator/crypto.hpp"

using namespace fogbank;
namespace http = boost::beast::http;

namespace {
const std::string kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
}

// aws-sig-v4-test-suite "get-vanilla".
TEST(SigV4, GetVanillaVector) {
    http::fields h;
    h.set("Host", "example.amazonaws.com");
    h.set("X-Amz-Date", "20150830T123600Z");
    std::vector<std::pair<std::string, std::string>> q;
    std::vector<std::string> signed_headers = {"host", "x-amz-date"};
    auto auth = parse_authorization_header(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
        "SignedHeaders=host;x-amz-date, "
        "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        "20150830T123600Z");
    ASSERT_TRUE(auth);
    CanonicalInput in{"GET", canonical_uri("/", false), &q, &h, &auth->signed_headers, kEmptyHash};
    EXPECT_EQ(
        canonical_request(in),
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
            kEmptyHash);
    EXPECT_EQ(compute_signature("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", *auth, in),
              auth->signature);
}

// S3 documentation, "Example: GET Object" (header-based auth).
TEST(SigV4, S3GetObjectExample) {
    http::fields h;
    h.set("Host", "examplebucket.s3.amazonaws.com");
    h.set("Range", "bytes=0-9");
    h.set("x-amz-content-sha256", kEmptyHash);
    h.set("x-amz-date", "20130524T000000Z");
    std::vector<std::pair<std::string, std::string>> q;
    SigV4Auth auth;
    auth.credential = *parse_credential("AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request");
    auth.signed_headers = {"host", "range", "x-amz-content-sha256", "x-amz-date"};
    auth.amz_date = "20130524T000000Z";
    CanonicalInput in{"GET",     canonical_uri("/test.txt", true), &q, &h, &auth.signed_headers,
                      kEmptyHash};
    EXPECT_EQ(compute_signature("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", auth, in),
              "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

// S3 documentation, "Signature Calculations for the Authorization Header: Transferring Payload in
// Multiple Chunks": the seed signature and the chunk signatures that chain from it.
TEST(SigV4, StreamingChunkExample) {
    http::fields h;
    h.set("Host", "s3.amazonaws.com");
    h.set("x-amz-date", "20130524T000000Z");
    h.set("x-amz-storage-class", "REDUCED_REDUNDANCY");
    h.set("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD");
    h.set("Content-Encoding", "aws-chunked");
    h.set("x-amz-decoded-content-length", "66560");
    h.set("Content-Length", "66824");
    std::vector<std::pair<std::string, std::string>> q;
    SigV4Auth auth;
    auth.credential = *parse_credential("AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request");
    auth.signed_headers = {"content-encoding",     "content-length", "host",
                           "x-amz-content-sha256", "x-amz-date",     "x-amz-decoded-content-length",
                           "x-amz-storage-class"};
    auth.amz_date = "20130524T000000Z";
    const std::string secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    CanonicalInput in{"PUT",
                      canonical_uri("/examplebucket/chunkObject.txt", true),
                      &q,
                      &h,
                      &auth.signed_headers,
                      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"};
    auto seed = compute_signature(secret, auth, in);
    EXPECT_EQ(seed, "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");

    ChunkSignatureChain chain{signing_key(secret, auth.credential), auth.amz_date,
                              auth.credential.scope(), seed};
    EXPECT_EQ(chain.next_chunk_signature(sha256_hex(std::string(65536, 'a'))),
              "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648");
    EXPECT_EQ(chain.next_chunk_signature(sha256_hex(std::string(1024, 'a'))),
              "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497");
    EXPECT_EQ(chain.next_chunk_signature(sha256_hex("")),
              "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9");
}

TEST(SigV4, CanonicalQuerySortsAndEncodes) {
    std::vector<std::pair<std::string, std::string>> q = {
        {"prefix", "a b"}, {"list-type", "2"}, {"X-Amz-Signature", "x"}};
    EXPECT_EQ(canonical_query_string(q, true), "list-type=2&prefix=a%20b");
    EXPECT_EQ(canonical_query_string(q, false), "X-Amz-Signature=x&list-type=2&prefix=a%20b");
}

TEST(SigV4, ParsingErrors) {
    EXPECT_FALSE(parse_authorization_header("AWS AKID:sig", ""));
    EXPECT_THROW(parse_authorization_header(
                     "AWS4-HMAC-SHA256 Credential=bad, SignedHeaders=host, Signature=x", ""),
                 AwsError);
    EXPECT_THROW(parse_authorization_header("AWS4-HMAC-SHA256 SignedHeaders=host", ""), AwsError);
    EXPECT_FALSE(parse_credential("AKID/2013/us-east-1/s3/aws4_request"));
    std::vector<std::pair<std::string, std::string>> q = {
        {"X-Amz-Algorithm", "AWS4-HMAC-SHA256"},
        {"X-Amz-Credential", "A/20130524/us-east-1/s3/aws4_request"},
        {"X-Amz-Date", "20130524T000000Z"},
        {"X-Amz-Expires", "604801"},
        {"X-Amz-SignedHeaders", "host"},
        {"X-Amz-Signature", "x"}};
    try {
        parse_presigned_query(q);
        FAIL();
    } catch (const AwsError& e) {
        EXPECT_EQ(e.code(), "AuthorizationQueryParametersError");
    }
    q[3].second = "86400";
    auto a = parse_presigned_query(q);
    ASSERT_TRUE(a);
    EXPECT_TRUE(a->presigned);
    EXPECT_EQ(a->expires_seconds, 86400);
}
