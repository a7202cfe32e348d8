#include "services/lambda/code.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "emulator/aws_error.hpp"
#include "emulator/blob_store.hpp"
#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "emulator/zip_archive.hpp"

namespace fogbank::lambda {

namespace fs = std::filesystem;

namespace {

AwsError unzip_error() {
    return AwsError("InvalidParameterValueException",
                    "Could not unzip uploaded file. Please check your file, then try to upload "
                    "again.",
                    400);
}

// A relative path with no "..", so the entry stays inside the task directory.
bool safe_entry(std::string_view name) {
    if (name.empty() || name.front() == '/') return false;
    size_t start = 0;
    while (start <= name.size()) {
        auto end = name.find('/', start);
        auto part = name.substr(start, end == std::string_view::npos ? end : end - start);
        if (part == "..") return false;
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return true;
}

}  // namespace

CodeStore::CodeStore(fs::path root) : root_(std::move(root)) {
    fs::create_directories(root_ / "zips");
    fs::create_directories(root_ / "tasks");
}

CodeInfo CodeStore::put(std::string_view zip) {
    CodeInfo info;
    std::string digest = sha256(zip);
    info.sha256_hex = to_hex(digest);
    info.sha256_base64 = base64_encode(digest);
    info.size = zip.size();
    fs::path dir = root_ / "tasks" / info.sha256_hex;
    if (!fs::exists(dir)) {
        fs::path tmp = root_ / "tasks" / (info.sha256_hex + ".tmp" + random_hex(4));
        try {
            unpack(zip, tmp);
        } catch (...) {
            std::error_code ec;
            fs::remove_all(tmp, ec);
            throw;
        }
        std::error_code ec;
        fs::rename(tmp, dir, ec);
        if (ec) fs::remove_all(tmp, ec);  // another request unpacked the same code first
    }
    fs::path file = root_ / "zips" / (info.sha256_hex + ".zip");
    if (!fs::exists(file)) {
        fs::path tmp = file;
        tmp += ".tmp" + random_hex(4);
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0) throw std::runtime_error("lambda: cannot write " + tmp.string());
        write_all(fd, zip);
        ::close(fd);
        fs::rename(tmp, file);
    }
    return info;
}

std::string CodeStore::read(const std::string& sha256_hex) const {
    std::ifstream f(root_ / "zips" / (sha256_hex + ".zip"), std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

fs::path CodeStore::task_dir(const std::string& sha256_hex) {
    fs::path dir = root_ / "tasks" / sha256_hex;
    if (!fs::exists(dir)) put(read(sha256_hex));
    return dir;
}

void CodeStore::unpack(std::string_view zip_bytes, const fs::path& dir) {
    try {
        zip::Archive archive(zip_bytes);
        if (archive.entries().empty())
            throw AwsError("InvalidParameterValueException",
                           "Uploaded file must be a non-empty zip", 400);
        uint64_t total = 0;
        for (const auto& e : archive.entries()) {
            if (!safe_entry(e.name)) throw unzip_error();
            total += e.size;
            if (total > kMaxUnzippedBytes)
                throw AwsError("InvalidParameterValueException",
                               "Unzipped size must be smaller than " +
                                   std::to_string(kMaxUnzippedBytes) + " bytes",
                               400);
        }
        fs::create_directories(dir);
        for (const auto& e : archive.entries()) {
            fs::path out = dir / e.name;
            if (e.is_directory()) {
                fs::create_directories(out);
                continue;
            }
            fs::create_directories(out.parent_path());
            mode_t mode = 0644;
            if (S_ISLNK(e.unix_mode)) continue;  // links could point outside the directory
            if (e.unix_mode & 0111) mode = 0755;
            int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
            if (fd < 0) throw unzip_error();
            try {
                // The reader stops at the declared size and checks the CRC-32, so an entry
                // that lies about its size cannot fill the disk.
                archive.extract(e, [&](std::string_view piece) { write_all(fd, piece); });
            } catch (...) {
                ::close(fd);
                throw;
            }
            ::fchmod(fd, mode);
            ::close(fd);
        }
    } catch (const zip::ZipError&) {
        throw unzip_error();
    }
}

}  // namespace fogbank::lambda
