// A file mapped read-only, for parsing a spooled request body in place (S3's POST Object form,
// up to 5 GB) without reading it into memory.
#pragma once

#include <filesystem>
#include <string_view>

namespace fogbank {

class MappedFile {
  public:
    // Throws std::system_error when the file cannot be opened or mapped.
    explicit MappedFile(const std::filesystem::path& path);
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    std::string_view bytes() const { return {static_cast<const char*>(data_), size_}; }
    int fd() const { return fd_; }

  private:
    int fd_ = -1;
    void* data_ = nullptr;
    size_t size_ = 0;
};

}  // namespace fogbank
