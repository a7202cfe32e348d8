#include "emulator/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace fogbank {

MappedFile::MappedFile(const std::filesystem::path& path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "open " + path.string());
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
        int e = errno;
        ::close(fd_);
        throw std::system_error(e, std::generic_category(), "stat " + path.string());
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ == 0) return;  // mmap refuses empty mappings; bytes() is empty
    data_ = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd_, 0);
    if (data_ == MAP_FAILED) {
        int e = errno;
        data_ = nullptr;
        ::close(fd_);
        throw std::system_error(e, std::generic_category(), "mmap " + path.string());
    }
}

MappedFile::~MappedFile() {
    if (data_) ::munmap(data_, size_);
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace fogbank
