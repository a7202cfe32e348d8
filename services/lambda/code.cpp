#include "services/lambda/code.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "emulator/aws_error.hpp"
#include "emulator/blob_store.hpp"
#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"

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

void CodeStore::unpack(std::string_view zip, const fs::path& dir) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(zip.data(), zip.size(), 0, &err);
    if (!src) throw unzip_error();
    zip_t* za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err);
    zip_error_fini(&err);
    if (!za) {
        zip_source_free(src);
        throw unzip_error();
    }
    std::unique_ptr<zip_t, void (*)(zip_t*)> archive(za, [](zip_t* z) { zip_discard(z); });
    fs::create_directories(dir);
    zip_int64_t n = zip_get_num_entries(za, 0);
    if (n <= 0)
        throw AwsError("InvalidParameterValueException", "Uploaded file must be a non-empty zip",
                       400);
    uint64_t total = 0;
    std::vector<char> buf(256 * 1024);
    for (zip_int64_t i = 0; i < n; ++i) {
        zip_stat_t st;
        if (zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st) != 0) throw unzip_error();
        std::string name = st.name ? st.name : "";
        if (!safe_entry(name)) throw unzip_error();
        total += st.size;
        if (total > kMaxUnzippedBytes)
            throw AwsError("InvalidParameterValueException",
                           "Unzipped size must be smaller than " +
                               std::to_string(kMaxUnzippedBytes) + " bytes",
                           400);
        fs::path out = dir / name;
        if (name.back() == '/') {
            fs::create_directories(out);
            continue;
        }
        fs::create_directories(out.parent_path());
        zip_uint8_t opsys = 0;
        zip_uint32_t attributes = 0;
        zip_file_get_external_attributes(za, static_cast<zip_uint64_t>(i), 0, &opsys, &attributes);
        mode_t mode = 0644;
        if (opsys == ZIP_OPSYS_UNIX) {
            mode_t unix_mode = static_cast<mode_t>(attributes >> 16);
            if (S_ISLNK(unix_mode)) continue;  // links could point outside the directory
            if (unix_mode & 0111) mode = 0755;
        }
        std::unique_ptr<zip_file_t, int (*)(zip_file_t*)> f(
            zip_fopen_index(za, static_cast<zip_uint64_t>(i), 0), zip_fclose);
        if (!f) throw unzip_error();
        int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
        if (fd < 0) throw unzip_error();
        // The sizes above are what the archive declares; what inflates is counted too, so an
        // entry that lies about its size cannot fill the disk.
        uint64_t written = 0;
        for (;;) {
            zip_int64_t got = zip_fread(f.get(), buf.data(), buf.size());
            if (got > 0) written += static_cast<uint64_t>(got);
            if (got < 0 || written > st.size) {
                ::close(fd);
                throw unzip_error();
            }
            if (got == 0) break;
            write_all(fd, std::string_view(buf.data(), static_cast<size_t>(got)));
        }
        ::fchmod(fd, mode);
        ::close(fd);
    }
}

}  // namespace fogbank::lambda
