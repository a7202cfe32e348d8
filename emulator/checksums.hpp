// The flexible checksums of S3 (CRC32, CRC32C, CRC64NVME, SHA1, SHA256): what current SDKs
// send by default in headers or aws-chunked trailers. Values travel as base64 of the
// big-endian digest.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "emulator/crypto.hpp"

namespace fogbank {

enum class ChecksumAlgorithm { crc32, crc32c, crc64nvme, sha1, sha256 };

inline constexpr ChecksumAlgorithm kAllChecksumAlgorithms[] = {
    ChecksumAlgorithm::crc32, ChecksumAlgorithm::crc32c, ChecksumAlgorithm::crc64nvme,
    ChecksumAlgorithm::sha1, ChecksumAlgorithm::sha256};

// "CRC32", "CRC64NVME", ... as in ChecksumAlgorithm request fields (case-insensitive parse).
std::optional<ChecksumAlgorithm> parse_checksum_algorithm(std::string_view name);
std::string_view checksum_name(ChecksumAlgorithm alg);         // "CRC32"
const std::string& checksum_header(ChecksumAlgorithm alg);     // "x-amz-checksum-crc32"
std::string_view checksum_xml_element(ChecksumAlgorithm alg);  // "ChecksumCRC32"
// Length in bytes of the raw digest.
size_t checksum_size(ChecksumAlgorithm alg);

uint32_t crc32_update(uint32_t crc, std::string_view bytes);
uint32_t crc32c_update(uint32_t crc, std::string_view bytes);
uint64_t crc64nvme_update(uint64_t crc, std::string_view bytes);

class Checksummer {
  public:
    explicit Checksummer(ChecksumAlgorithm alg);
    ChecksumAlgorithm algorithm() const { return alg_; }
    void update(std::string_view bytes);
    std::string raw();     // big-endian digest bytes
    std::string base64();  // as on the wire

  private:
    ChecksumAlgorithm alg_;
    uint64_t crc_ = 0;
    std::optional<Digest> digest_;
    std::optional<std::string> done_;
};

std::string checksum_of(ChecksumAlgorithm alg, std::string_view bytes);  // base64

}  // namespace fogbank
