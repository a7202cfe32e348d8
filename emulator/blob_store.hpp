// Object bodies live in files named by a random id, never by key: a key such as
// "../../etc/passwd" is only ever a database value. Uploads are spooled next to the blobs
// so that adopting one is a rename on the same filesystem.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace fogbank {

// write(2) until every byte is written; throws std::runtime_error on failure.
void write_all(int fd, std::string_view bytes);

class BlobStore {
  public:
    // root empty: a private temporary directory removed when the store is destroyed.
    explicit BlobStore(std::filesystem::path root);
    ~BlobStore();
    BlobStore(const BlobStore&) = delete;
    BlobStore& operator=(const BlobStore&) = delete;

    const std::filesystem::path& spool_dir() const { return spool_; }
    std::filesystem::path path_for(const std::string& id) const;
    // Moves a spooled file into the store; returns its new id.
    std::string adopt(const std::filesystem::path& spooled);
    // A fresh id and the path to write it at (for bodies assembled by the service).
    std::string create(std::filesystem::path& out_path);
    void remove(const std::string& id);
    void remove_all();
    // Opens for reading; -1 if missing.
    int open_read(const std::string& id) const;

  private:
    std::filesystem::path root_;
    std::filesystem::path blobs_;
    std::filesystem::path spool_;
    bool temporary_ = false;
    std::array<std::atomic<bool>, 256> made_{};  // fan-out directories known to exist
};

}  // namespace fogbank
