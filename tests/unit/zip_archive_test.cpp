// The zip reader against archives libzip writes (an independent writer), a Zip64 archive laid
// out by hand, and archives damaged in each of the ways the reader must refuse.
#include "emulator/zip_archive.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "tests/unit/libzip_writer.hpp"

namespace fs = std::filesystem;
using fogbank::test::libzip_archive;
using fogbank::zip::Archive;
using fogbank::zip::Entry;
using fogbank::zip::ZipError;

namespace {

std::string extract(const Archive& a, const Entry& e) {
    std::string out;
    a.extract(e, [&](std::string_view piece) { out.append(piece); });
    return out;
}

void put_le(std::string& s, uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
        s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void set_le(std::string& s, size_t at, uint64_t v, int n) {
    for (int i = 0; i < n; ++i)
        s[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

size_t find_sig(const std::string& s, uint32_t sig, size_t from = 0) {
    std::string pat;
    put_le(pat, sig, 4);
    return s.find(pat, from);
}

// One stored entry in the Zip64 layout: saturated sizes and offset in the central directory,
// the real ones in its Zip64 extra field, and a Zip64 end record with its locator.
std::string zip64_archive(const std::string& name, const std::string& content) {
    uint32_t crc =
        crc32(0, reinterpret_cast<const Bytef*>(content.data()), static_cast<uInt>(content.size()));
    std::string z;
    put_le(z, 0x04034b50, 4);
    put_le(z, 45, 2);
    put_le(z, 0, 2);
    put_le(z, 0, 2);  // stored
    put_le(z, 0, 4);  // time, date
    put_le(z, crc, 4);
    put_le(z, 0xffffffff, 4);
    put_le(z, 0xffffffff, 4);
    put_le(z, name.size(), 2);
    put_le(z, 20, 2);
    z += name;
    put_le(z, 1, 2);
    put_le(z, 16, 2);
    put_le(z, content.size(), 8);
    put_le(z, content.size(), 8);
    z += content;
    uint64_t cd = z.size();
    put_le(z, 0x02014b50, 4);
    put_le(z, (3 << 8) | 45, 2);
    put_le(z, 45, 2);
    put_le(z, 0, 2);
    put_le(z, 0, 2);
    put_le(z, 0, 4);
    put_le(z, crc, 4);
    put_le(z, 0xffffffff, 4);
    put_le(z, 0xffffffff, 4);
    put_le(z, name.size(), 2);
    put_le(z, 28, 2);  // extra
    put_le(z, 0, 2);   // comment
    put_le(z, 0, 2);   // disk
    put_le(z, 0, 2);
    put_le(z, static_cast<uint64_t>(S_IFREG | 0755) << 16, 4);
    put_le(z, 0xffffffff, 4);
    z += name;
    put_le(z, 1, 2);
    put_le(z, 24, 2);
    put_le(z, content.size(), 8);
    put_le(z, content.size(), 8);
    put_le(z, 0, 8);  // local header offset
    uint64_t cd_size = z.size() - cd;
    uint64_t z64 = z.size();
    put_le(z, 0x06064b50, 4);
    put_le(z, 44, 8);
    put_le(z, 45, 2);
    put_le(z, 45, 2);
    put_le(z, 0, 4);
    put_le(z, 0, 4);
    put_le(z, 1, 8);
    put_le(z, 1, 8);
    put_le(z, cd_size, 8);
    put_le(z, cd, 8);
    put_le(z, 0x07064b50, 4);
    put_le(z, 0, 4);
    put_le(z, z64, 8);
    put_le(z, 1, 4);
    put_le(z, 0x06054b50, 4);
    put_le(z, 0, 2);
    put_le(z, 0, 2);
    put_le(z, 0xffff, 2);
    put_le(z, 0xffff, 2);
    put_le(z, 0xffffffff, 4);
    put_le(z, 0xffffffff, 4);
    put_le(z, 0, 2);
    return z;
}

}  // namespace

TEST(ZipArchive, ReadsWhatLibzipWrites) {
    std::mt19937 rng(7);
    std::string random(300000, '\0');
    for (auto& c : random)
        c = static_cast<char>(rng());
    std::string text;
    for (int i = 0; i < 20000; ++i)
        text += "line " + std::to_string(i) + "\n";
    std::string zip = libzip_archive({{"app.py", "print(1)\n"},
                                      {"lib/", "", true, 0755},
                                      {"lib/data.bin", random, false},
                                      {"lib/text.txt", text, true},
                                      {"bin/bootstrap", "#!/bin/sh\n", true, 0755},
                                      {"empty", "", true}});
    Archive a(zip);
    ASSERT_EQ(a.entries().size(), 6u);
    std::map<std::string, const Entry*> by;
    for (const auto& e : a.entries())
        by[e.name] = &e;
    EXPECT_EQ(extract(a, *by.at("app.py")), "print(1)\n");
    EXPECT_EQ(extract(a, *by.at("lib/data.bin")), random);
    EXPECT_EQ(by.at("lib/data.bin")->method, 0);
    EXPECT_EQ(extract(a, *by.at("lib/text.txt")), text);
    EXPECT_EQ(by.at("lib/text.txt")->method, 8);
    EXPECT_LT(by.at("lib/text.txt")->compressed_size, text.size() / 3);
    EXPECT_EQ(extract(a, *by.at("empty")), "");
    EXPECT_TRUE(by.at("lib/")->is_directory());
    EXPECT_FALSE(by.at("app.py")->is_directory());
    EXPECT_EQ(by.at("bin/bootstrap")->unix_mode & 0777, 0755u);
    EXPECT_EQ(by.at("app.py")->unix_mode & 0777, 0644u);
}

TEST(ZipArchive, ReadsZip64) {
    std::string zip = zip64_archive("big/file.txt", "zip64 content\n");
    Archive a(zip);
    ASSERT_EQ(a.entries().size(), 1u);
    EXPECT_EQ(a.entries()[0].name, "big/file.txt");
    EXPECT_EQ(a.entries()[0].size, 14u);
    EXPECT_EQ(a.entries()[0].unix_mode & 0777, 0755u);
    EXPECT_EQ(extract(a, a.entries()[0]), "zip64 content\n");
}

TEST(ZipArchive, ReadsAnArchiveWithAComment) {
    std::string zip = libzip_archive({{"a.txt", "a"}});
    size_t end = find_sig(zip, 0x06054b50);
    set_le(zip, end + 20, 5, 2);
    zip += "hello";
    Archive a(zip);
    EXPECT_EQ(extract(a, a.entries().at(0)), "a");
}

TEST(ZipArchive, RefusesWhatIsNotAnArchive) {
    EXPECT_THROW(Archive(""), ZipError);
    EXPECT_THROW(Archive("PK"), ZipError);
    EXPECT_THROW(Archive(std::string(1000, 'x')), ZipError);
    std::string zip = libzip_archive({{"a.txt", "hello hello hello"}});
    for (size_t cut : {size_t{1}, size_t{10}, zip.size() / 2, zip.size() - 23})
        EXPECT_THROW(Archive(zip.substr(0, cut)), ZipError) << cut;
    // Only the leading bytes gone: the directory's offsets point past its start.
    EXPECT_THROW(Archive(zip.substr(5)), ZipError);
}

TEST(ZipArchive, RefusesADirectoryThatLies) {
    std::string zip = libzip_archive({{"a.txt", "hello hello hello"}, {"b.txt", "b"}});
    size_t end = find_sig(zip, 0x06054b50);
    {
        std::string z = zip;  // more entries than the directory holds
        set_le(z, end + 8, 60000, 2);
        set_le(z, end + 10, 60000, 2);
        EXPECT_THROW(Archive{z}, ZipError);
    }
    {
        std::string z = zip;  // a directory larger than the archive
        set_le(z, end + 12, 0x7fffffff, 4);
        EXPECT_THROW(Archive{z}, ZipError);
    }
    {
        std::string z = zip;  // another disk
        set_le(z, end + 4, 1, 2);
        EXPECT_THROW(Archive{z}, ZipError);
    }
    {
        std::string z = zip;  // a name running past the directory
        size_t cd = find_sig(z, 0x02014b50);
        set_le(z, cd + 28, 0xffff, 2);
        EXPECT_THROW(Archive{z}, ZipError);
    }
    {
        std::string z = zip;  // a local header offset inside the directory
        size_t cd = find_sig(z, 0x02014b50);
        set_le(z, cd + 42, cd, 4);
        EXPECT_THROW(Archive{z}, ZipError);
    }
    {
        std::string z = zip;  // saturated sizes with no Zip64 field to hold them
        size_t cd = find_sig(z, 0x02014b50);
        set_le(z, cd + 24, 0xffffffff, 4);
        EXPECT_THROW(Archive{z}, ZipError);
    }
}

TEST(ZipArchive, RefusesEntriesThatDoNotMatchTheirDirectory) {
    std::string text(100000, 'a');
    std::string zip = libzip_archive({{"a.txt", text, true}, {"s.txt", "stored", false}});
    auto first = [](const std::string& z) {
        Archive a(z);
        std::string out;
        a.extract(a.entries().at(0), [&](std::string_view p) { out.append(p); });
    };
    auto second = [](const std::string& z) {
        Archive a(z);
        a.extract(a.entries().at(1), [](std::string_view) {});
    };
    first(zip);
    second(zip);
    size_t cd = find_sig(zip, 0x02014b50);
    size_t cd2 = find_sig(zip, 0x02014b50, cd + 1);
    {
        std::string z = zip;  // declared smaller than it inflates: stops at the declared size
        set_le(z, cd + 24, 1000, 4);
        EXPECT_THROW(first(z), ZipError);
    }
    {
        std::string z = zip;  // declared larger
        set_le(z, cd + 24, text.size() + 1, 4);
        EXPECT_THROW(first(z), ZipError);
    }
    {
        std::string z = zip;  // wrong CRC-32
        set_le(z, cd + 16, 0x12345678, 4);
        EXPECT_THROW(first(z), ZipError);
    }
    {
        std::string z = zip;  // data damaged
        size_t data = 30 + static_cast<unsigned char>(z[26]) + static_cast<unsigned char>(z[28]);
        for (size_t i = 3; i < 12; ++i)
            z[data + i] = static_cast<char>(~z[data + i]);
        EXPECT_THROW(first(z), ZipError);
    }
    {
        std::string z = zip;  // deflate data cut short (compressed size shrunk)
        Archive a(zip);
        set_le(z, cd + 20, a.entries()[0].compressed_size / 2, 4);
        EXPECT_THROW(first(z), ZipError);
    }
    {
        std::string z = zip;  // encrypted
        set_le(z, cd + 8, 1, 2);
        EXPECT_THROW(first(z), ZipError);
    }
    {
        std::string z = zip;  // bzip2, which is not read
        set_le(z, cd + 10, 12, 2);
        EXPECT_THROW(first(z), ZipError);
    }
    {
        std::string z = zip;  // stored with two sizes
        set_le(z, cd2 + 24, 3, 4);
        EXPECT_THROW(second(z), ZipError);
    }
    {
        std::string z = zip;  // the local header is not one
        set_le(z, 0, 0, 4);
        EXPECT_THROW(first(z), ZipError);
    }
    {
        std::string z = zip;  // the local header names another file
        z[30] = 'b';
        EXPECT_THROW(first(z), ZipError);
    }
}
