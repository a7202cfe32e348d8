#include "emulator/checksums.hpp"

#include <gtest/gtest.h>

#include "emulator/encoding.hpp"

using namespace fogbank;

// The "check" values of each CRC's catalogue entry: the CRC of the ASCII string "123456789".
TEST(Checksums, CrcCheckValues) {
    EXPECT_EQ(crc32_update(0, "123456789"), 0xCBF43926u);
    EXPECT_EQ(crc32c_update(0, "123456789"), 0xE3069283u);
    EXPECT_EQ(crc64nvme_update(0, "123456789"), 0xAE8B14860A799888ull);
}

TEST(Checksums, IncrementalEqualsOneShot) {
    std::string data;
    for (int i = 0; i < 100000; ++i)
        data.push_back(static_cast<char>(i * 7 + 3));
    for (auto alg : kAllChecksumAlgorithms) {
        Checksummer c(alg);
        for (size_t off = 0; off < data.size(); off += 977)
            c.update(std::string_view(data).substr(off, 977));
        EXPECT_EQ(c.base64(), checksum_of(alg, data)) << checksum_name(alg);
        EXPECT_EQ(base64_decode(c.base64())->size(), checksum_size(alg));
    }
}

TEST(Checksums, WireValues) {
    // Values as S3 returns them (base64 of big-endian digest).
    EXPECT_EQ(checksum_of(ChecksumAlgorithm::crc32, "hello"), "NhCmhg==");
    EXPECT_EQ(checksum_of(ChecksumAlgorithm::sha256, ""),
              "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
    EXPECT_EQ(checksum_of(ChecksumAlgorithm::sha1, "abc"), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
}

TEST(Checksums, Names) {
    EXPECT_EQ(*parse_checksum_algorithm("crc64nvme"), ChecksumAlgorithm::crc64nvme);
    EXPECT_FALSE(parse_checksum_algorithm("md5"));
    EXPECT_EQ(checksum_header(ChecksumAlgorithm::crc32c), "x-amz-checksum-crc32c");
    EXPECT_EQ(checksum_xml_element(ChecksumAlgorithm::sha1), "ChecksumSHA1");
}
