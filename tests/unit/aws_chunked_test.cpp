#include "emulator/aws_chunked.hpp"

#include <gtest/gtest.h>

#include "emulator/aws_error.hpp"

using namespace fogbank;

namespace {
std::string decode(AwsChunkedDecoder& d, std::string_view framed, size_t step) {
    std::string out;
    for (size_t i = 0; i < framed.size(); i += step)
        d.feed(framed.substr(i, step), [&](std::string_view b) { out.append(b); });
    d.finish();
    return out;
}
}  // namespace

TEST(AwsChunked, UnsignedWithTrailerAnySplit) {
    const std::string framed =
        "5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";
    for (size_t step : {1u, 2u, 3u, 7u, 1000u}) {
        AwsChunkedDecoder d;
        EXPECT_EQ(decode(d, framed, step), "hello world") << step;
        EXPECT_EQ(d.trailers().at("x-amz-checksum-crc32"), "DUoRhQ==");
        EXPECT_EQ(d.decoded_size(), 11u);
    }
}

TEST(AwsChunked, SignedChunksVerifyAgainstChain) {
    // Chain from the S3 documentation's streaming example (see sigv4_test).
    ChunkSignatureChain chain{"", "20130524T000000Z", "20130524/us-east-1/s3/aws4_request", "seed"};
    chain.signing_key = std::string(32, 'k');
    ChunkSignatureChain signer = chain;
    std::string s1 = signer.next_chunk_signature(sha256_hex("abc"));
    std::string s2 = signer.next_chunk_signature(sha256_hex(""));
    std::string framed =
        "3;chunk-signature=" + s1 + "\r\nabc\r\n0;chunk-signature=" + s2 + "\r\n\r\n";
    AwsChunkedDecoder ok(chain);
    EXPECT_EQ(decode(ok, framed, 5), "abc");

    std::string forged = framed;
    forged[forged.find("abc")] = 'x';
    AwsChunkedDecoder bad(chain);
    try {
        decode(bad, forged, 5);
        FAIL();
    } catch (const AwsError& e) {
        EXPECT_EQ(e.code(), "SignatureDoesNotMatch");
        EXPECT_EQ(e.status(), 403);
    }
}

TEST(AwsChunked, MalformedFraming) {
    for (std::string framed :
         {"zz\r\nabc\r\n0\r\n\r\n", "3\r\nabcd\r\n0\r\n\r\n", "3\nabc\r\n0\r\n\r\n"}) {
        AwsChunkedDecoder d;
        EXPECT_THROW(decode(d, framed, 4), AwsError) << framed;
    }
}

TEST(AwsChunked, TruncatedBodyIsIncomplete) {
    AwsChunkedDecoder d;
    try {
        decode(d, "5\r\nhel", 100);
        FAIL();
    } catch (const AwsError& e) {
        EXPECT_EQ(e.code(), "IncompleteBody");
    }
}

// STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: chunk signatures, then a trailer signed over the
// canonical trailer lines ("name:value\n"), chained from the final chunk's signature.
TEST(AwsChunked, SignedTrailer) {
    ChunkSignatureChain chain{std::string(32, 'k'), "20130524T000000Z",
                              "20130524/us-east-1/s3/aws4_request", "seed"};
    ChunkSignatureChain signer = chain;
    std::string s1 = signer.next_chunk_signature(sha256_hex("abc"));
    std::string s2 = signer.next_chunk_signature(sha256_hex(""));
    std::string trailer_sig =
        signer.next_trailer_signature(sha256_hex("x-amz-checksum-crc32:NSRBwg==\n"));
    auto framed = [&](const std::string& value, const std::string& sig) {
        return "3;chunk-signature=" + s1 + "\r\nabc\r\n0;chunk-signature=" + s2 +
               "\r\nx-amz-checksum-crc32:" + value + "\r\nx-amz-trailer-signature:" + sig +
               "\r\n\r\n";
    };
    AwsChunkedDecoder ok(chain);
    EXPECT_EQ(decode(ok, framed("NSRBwg==", trailer_sig), 3), "abc");
    EXPECT_EQ(ok.trailers().at("x-amz-checksum-crc32"), "NSRBwg==");
    EXPECT_EQ(ok.trailers().count("x-amz-trailer-signature"), 0u);

    AwsChunkedDecoder tampered(chain);
    EXPECT_THROW(decode(tampered, framed("AAAAAA==", trailer_sig), 3), AwsError);
    AwsChunkedDecoder unsigned_trailer(chain);
    std::string no_sig = "3;chunk-signature=" + s1 + "\r\nabc\r\n0;chunk-signature=" + s2 +
                         "\r\nx-amz-checksum-crc32:NSRBwg==\r\n\r\n";
    EXPECT_THROW(decode(unsigned_trailer, no_sig, 3), AwsError);
}
