// A function's deployment package: the zip as uploaded, kept by its SHA-256 (two functions
// with the same code share it), and unpacked once into the task directory the function runs
// in (emulator/zip_archive.hpp reads it); entries that would land outside the directory are
// refused.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace fogbank::lambda {

struct CodeInfo {
    std::string sha256_hex;
    std::string sha256_base64;  // CodeSha256 as Lambda reports it
    uint64_t size = 0;          // CodeSize: the zip's bytes
};

class CodeStore {
  public:
    explicit CodeStore(std::filesystem::path root);
    // Checks and stores a zip, unpacking it. Throws AwsError InvalidParameterValueException
    // (not a zip, too large unzipped, unsafe paths).
    CodeInfo put(std::string_view zip);
    // The task directory for stored code, unpacked again if it went missing.
    std::filesystem::path task_dir(const std::string& sha256_hex);
    std::string read(const std::string& sha256_hex) const;

  private:
    void unpack(std::string_view zip, const std::filesystem::path& dir);
    std::filesystem::path root_;
};

inline constexpr uint64_t kMaxZipBytes = 50ull * 1024 * 1024;
inline constexpr uint64_t kMaxUnzippedBytes = 262144000;

}  // namespace fogbank::lambda
