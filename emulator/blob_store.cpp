#include "emulator/blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "emulator/crypto.hpp"

namespace fogbank {

namespace fs = std::filesystem;

void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) throw std::runtime_error(std::string("write failed: ") + std::strerror(errno));
        bytes.remove_prefix(static_cast<size_t>(n));
    }
}

BlobStore::BlobStore(fs::path root) : root_(std::move(root)) {
    if (root_.empty()) {
        std::string tmpl = (fs::temp_directory_path() / "fogbank-XXXXXX").string();
        if (!mkdtemp(tmpl.data()))
            throw std::runtime_error("cannot create temporary blob directory");
        root_ = tmpl;
        temporary_ = true;
    }
    blobs_ = root_ / "blobs";
    spool_ = root_ / "spool";
    fs::create_directories(blobs_);
    fs::create_directories(spool_);
    // The 256 fan-out directories are made as blobs first need them: making them all here
    // was most of an ephemeral server's start-up.
    // Spool files of a crashed process were never acknowledged.
    std::error_code ec;
    for (auto& e : fs::directory_iterator(spool_, ec))
        fs::remove(e.path(), ec);
}

BlobStore::~BlobStore() {
    if (temporary_) {
        std::error_code ec;
        fs::remove_all(root_, ec);
    }
}

fs::path BlobStore::path_for(const std::string& id) const {
    // Two-level fan-out keeps directories small.
    return blobs_ / id.substr(0, 2) / id;
}

std::string BlobStore::create(fs::path& out_path) {
    std::string id = random_hex(16);
    out_path = path_for(id);
    size_t fan = std::stoul(id.substr(0, 2), nullptr, 16);
    if (!made_[fan].load(std::memory_order_acquire)) {
        // Racing creators both get here; mkdir makes it once and EEXIST is as good.
        if (::mkdir(out_path.parent_path().c_str(), 0755) != 0 && errno != EEXIST)
            throw std::runtime_error("cannot create " + out_path.parent_path().string() + ": " +
                                     std::strerror(errno));
        made_[fan].store(true, std::memory_order_release);
    }
    return id;
}

std::string BlobStore::adopt(const fs::path& spooled) {
    fs::path dest;
    std::string id = create(dest);
    fs::rename(spooled, dest);
    return id;
}

void BlobStore::remove(const std::string& id) {
    if (id.empty()) return;
    std::error_code ec;
    fs::remove(path_for(id), ec);
}

void BlobStore::remove_all() {
    std::error_code ec;
    for (auto& dir : fs::directory_iterator(blobs_, ec))
        for (auto& e : fs::directory_iterator(dir.path(), ec))
            fs::remove(e.path(), ec);
}

int BlobStore::open_read(const std::string& id) const {
    return ::open(path_for(id).c_str(), O_RDONLY | O_CLOEXEC);
}

}  // namespace fogbank
