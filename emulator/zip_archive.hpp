// Reading a zip archive held in memory (PKWARE's APPNOTE: the central directory, Zip64, stored
// and deflated entries), for Lambda's deployment packages. fogbank's own reader rather than a
// library: the one Debian ships links OpenSSL and bzip2 into every process that reads a zip,
// which cost the server a tenth of its start-up and a quarter of its idle memory.
//
// Nothing is trusted: every offset and length is checked against the archive, an entry inflates
// at most to the size the central directory declares and must match its CRC-32, and the number
// of entries is bounded by what the directory's bytes can hold, so memory stays proportional
// to the archive's size.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fogbank::zip {

// A malformed, truncated, encrypted or unsupported archive or entry.
class ZipError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct Entry {
    std::string name;              // as stored: '/'-separated, a trailing '/' for a directory
    uint64_t size = 0;             // uncompressed, as the central directory declares it
    uint64_t compressed_size = 0;  // bytes of data in the archive
    uint16_t method = 0;           // 0 stored, 8 deflated; others are refused on extract
    uint32_t crc32 = 0;
    bool encrypted = false;     // refused on extract
    uint64_t local_header = 0;  // offset of the entry's local header
    // The Unix st_mode from the external attributes when the archive was made on Unix, else 0.
    uint32_t unix_mode = 0;

    bool is_directory() const { return !name.empty() && name.back() == '/'; }
};

class Archive {
  public:
    static constexpr size_t kMaxEntries = 1u << 20;

    // Reads the central directory. `bytes` must outlive the archive. Throws ZipError.
    explicit Archive(std::string_view bytes);

    const std::vector<Entry>& entries() const { return entries_; }

    // Passes an entry's uncompressed bytes to `sink` in pieces of at most 256 KiB. Throws
    // ZipError on bad data, a size or CRC-32 that does not match the directory's, encryption,
    // or a method other than stored and deflated.
    void extract(const Entry& e, const std::function<void(std::string_view)>& sink) const;

  private:
    std::string_view bytes_;
    std::vector<Entry> entries_;
};

}  // namespace fogbank::zip
