// Zips written by libzip, for the tests of what reads them: a writer apart from fogbank's own
// reader (emulator/zip_archive.*).
#pragma once

#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace fogbank::test {

struct ZipFile {
    std::string name;
    std::string content;
    bool deflate = true;
    int mode = 0644;
};

// libzip's archive of `files`, in order.
inline std::string libzip_archive(const std::vector<ZipFile>& files) {
    std::filesystem::path p =
        std::filesystem::temp_directory_path() / ("fogbank-zip-test-" + std::to_string(::getpid()));
    std::filesystem::remove(p);
    int err = 0;
    zip_t* z = zip_open(p.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    EXPECT_NE(z, nullptr);
    for (const auto& f : files) {
        zip_int64_t idx;
        if (f.name.back() == '/') {
            idx = zip_dir_add(z, f.name.c_str(), ZIP_FL_ENC_UTF_8);
        } else {
            zip_source_t* src = zip_source_buffer(z, f.content.data(), f.content.size(), 0);
            idx = zip_file_add(z, f.name.c_str(), src, ZIP_FL_ENC_UTF_8);
            zip_set_file_compression(z, static_cast<zip_uint64_t>(idx),
                                     f.deflate ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
        }
        zip_file_set_external_attributes(z, static_cast<zip_uint64_t>(idx), 0, ZIP_OPSYS_UNIX,
                                         static_cast<zip_uint32_t>(S_IFREG | f.mode) << 16);
    }
    EXPECT_EQ(zip_close(z), 0);
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    std::filesystem::remove(p);
    return ss.str();
}

}  // namespace fogbank::test
