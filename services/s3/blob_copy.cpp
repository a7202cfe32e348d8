#include "services/s3/blob_copy.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "emulator/crypto.hpp"

namespace fogbank::s3 {

CopyResult copy_to_new_blob(BlobStore& blobs, const std::vector<CopySource>& sources,
                            const std::vector<ChecksumAlgorithm>& algorithms) {
    std::filesystem::path path;
    CopyResult result;
    result.blob_id = blobs.create(path);
    int out = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0)
        throw std::runtime_error(std::string("cannot create blob: ") + std::strerror(errno));
    Digest md5(Digest::Kind::md5);
    std::vector<Checksummer> sums;
    for (auto alg : algorithms)
        sums.emplace_back(alg);
    std::vector<char> buf(1 << 20);
    // Every byte copied is hashed on the way.
    auto absorb = [&](std::string_view chunk) {
        md5.update(chunk);
        for (auto& s : sums)
            s.update(chunk);
        write_all(out, chunk);
        result.size += chunk.size();
    };
    try {
        for (const auto& src : sources) {
            if (src.memory) {
                if (src.offset + src.length > src.memory->size())
                    throw std::runtime_error("inline copy out of range");
                absorb(std::string_view(src.memory->data() + src.offset, src.length));
                continue;
            }
            for (uint64_t off = src.offset, left = src.length; left > 0;) {
                ssize_t n = ::pread(src.fd, buf.data(),
                                    static_cast<size_t>(std::min<uint64_t>(left, buf.size())),
                                    static_cast<off_t>(off));
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) throw std::runtime_error("short read while copying a blob");
                absorb(std::string_view(buf.data(), static_cast<size_t>(n)));
                off += static_cast<uint64_t>(n);
                left -= static_cast<uint64_t>(n);
            }
        }
    } catch (...) {
        ::close(out);
        blobs.remove(result.blob_id);
        throw;
    }
    ::close(out);
    result.md5 = md5.finish();
    for (auto& s : sums)
        result.checksums[s.algorithm()] = s.base64();
    return result;
}

}  // namespace fogbank::s3
