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
    if (out < 0) throw std::runtime_error(std::string("cannot create blob: ") + std::strerror(errno));
    Digest md5(Digest::Kind::md5);
    std::vector<Checksummer> sums;
    for (auto alg : algorithms) sums.emplace_back(alg);
    std::vector<char> buf(1 << 20);
    try {
        for (const auto& src : sources) {
            uint64_t off = src.offset, left = src.length;
            if (src.memory) {
                if (src.offset + src.length > src.memory->size()) throw std::runtime_error("inline copy out of range");
                std::string_view chunk(src.memory->data() + src.offset, src.length);
                md5.update(chunk);
                for (auto& s : sums) s.update(chunk);
                for (size_t done = 0; done < chunk.size();) {
                    ssize_t w = ::write(out, chunk.data() + done, chunk.size() - done);
                    if (w < 0 && errno == EINTR) continue;
                    if (w <= 0) throw std::runtime_error(std::string("blob write failed: ") + std::strerror(errno));
                    done += static_cast<size_t>(w);
                }
                result.size += src.length;
                continue;
            }
            while (left > 0) {
                ssize_t n = ::pread(src.fd, buf.data(), static_cast<size_t>(std::min<uint64_t>(left, buf.size())),
                                    static_cast<off_t>(off));
                if (n < 0 && errno == EINTR) continue;
                if (n <= 0) throw std::runtime_error("short read while copying a blob");
                std::string_view chunk(buf.data(), static_cast<size_t>(n));
                md5.update(chunk);
                for (auto& s : sums) s.update(chunk);
                for (size_t done = 0; done < chunk.size();) {
                    ssize_t w = ::write(out, chunk.data() + done, chunk.size() - done);
                    if (w < 0 && errno == EINTR) continue;
                    if (w <= 0) throw std::runtime_error(std::string("blob write failed: ") + std::strerror(errno));
                    done += static_cast<size_t>(w);
                }
                off += static_cast<uint64_t>(n);
                left -= static_cast<uint64_t>(n);
                result.size += static_cast<uint64_t>(n);
            }
        }
    } catch (...) {
        ::close(out);
        blobs.remove(result.blob_id);
        throw;
    }
    ::close(out);
    result.md5 = md5.finish();
    for (auto& s : sums) result.checksums[s.algorithm()] = s.base64();
    return result;
}

}  // namespace fogbank::s3
