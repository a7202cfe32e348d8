#include "emulator/zip_archive.hpp"

#include <zlib.h>

#include <algorithm>
#include <memory>

namespace fogbank::zip {

namespace {

constexpr uint32_t kEndSig = 0x06054b50;
constexpr uint32_t kZip64EndSig = 0x06064b50;
constexpr uint32_t kZip64LocatorSig = 0x07064b50;
constexpr uint32_t kCentralSig = 0x02014b50;
constexpr uint32_t kLocalSig = 0x04034b50;
constexpr size_t kEndSize = 22;
constexpr size_t kZip64LocatorSize = 20;
constexpr size_t kZip64EndSize = 56;
constexpr size_t kCentralSize = 46;
constexpr size_t kLocalSize = 30;
constexpr size_t kMaxComment = 0xffff;
constexpr size_t kPiece = 256 * 1024;
constexpr uint16_t kZip64Extra = 0x0001;
constexpr uint16_t kFlagEncrypted = 0x0001;
constexpr uint8_t kHostUnix = 3;

[[noreturn]] void bad(const char* what) {
    throw ZipError(what);
}

// Little-endian fields at checked offsets of one record.
class Cursor {
  public:
    Cursor(std::string_view bytes, uint64_t at, uint64_t need) {
        if (at > bytes.size() || need > bytes.size() - at) bad("truncated record");
        p_ = bytes.substr(static_cast<size_t>(at), static_cast<size_t>(need));
    }
    uint16_t u16(size_t at) const { return static_cast<uint16_t>(le(at, 2)); }
    uint32_t u32(size_t at) const { return static_cast<uint32_t>(le(at, 4)); }
    uint64_t u64(size_t at) const { return le(at, 8); }

  private:
    uint64_t le(size_t at, size_t n) const {
        uint64_t v = 0;
        for (size_t i = n; i-- > 0;)
            v = (v << 8) | static_cast<unsigned char>(p_[at + i]);
        return v;
    }
    std::string_view p_;
};

uint32_t u32_at(std::string_view b, size_t at) {
    return Cursor(b, at, 4).u32(0);
}

// Where the end-of-central-directory record is: the last signature whose comment ends within
// the archive, searched back over at most the largest comment.
size_t find_end(std::string_view b) {
    if (b.size() < kEndSize) bad("not a zip archive");
    size_t lowest = b.size() - kEndSize > kMaxComment ? b.size() - kEndSize - kMaxComment : 0;
    for (size_t pos = b.size() - kEndSize + 1; pos-- > lowest;) {
        if (u32_at(b, pos) != kEndSig) continue;
        Cursor end(b, pos, kEndSize);
        if (pos + kEndSize + end.u16(20) <= b.size()) return pos;
    }
    bad("not a zip archive");
}

// Replaces the central directory's saturated fields by the Zip64 extra field's values, which
// hold exactly the saturated ones, in this order.
void apply_zip64(Entry& e, std::string_view extra, bool wide_size, bool wide_csize,
                 bool wide_offset) {
    size_t at = 0;
    while (at + 4 <= extra.size()) {
        Cursor head(extra, at, 4);
        uint16_t id = head.u16(0);
        uint16_t len = head.u16(2);
        if (at + 4 + len > extra.size()) bad("truncated extra field");
        if (id == kZip64Extra) {
            Cursor f(extra, at + 4, len);
            size_t off = 0;
            auto take = [&]() {
                if (off + 8 > len) bad("short Zip64 extra field");
                uint64_t v = f.u64(off);
                off += 8;
                return v;
            };
            if (wide_size) e.size = take();
            if (wide_csize) e.compressed_size = take();
            if (wide_offset) e.local_header = take();
            return;
        }
        at += 4 + len;
    }
    if (wide_size || wide_csize || wide_offset) bad("missing Zip64 extra field");
}

}  // namespace

Archive::Archive(std::string_view bytes) : bytes_(bytes) {
    size_t end_pos = find_end(bytes_);
    Cursor end(bytes_, end_pos, kEndSize);
    uint64_t disk = end.u16(4), cd_disk = end.u16(6);
    uint64_t on_disk = end.u16(8), count = end.u16(10);
    uint64_t cd_size = end.u32(12), cd_offset = end.u32(16);
    uint64_t cd_limit = end_pos;  // the directory ends where the next record starts

    if (end_pos >= kZip64LocatorSize &&
        u32_at(bytes_, end_pos - kZip64LocatorSize) == kZip64LocatorSig) {
        Cursor loc(bytes_, end_pos - kZip64LocatorSize, kZip64LocatorSize);
        uint64_t at = loc.u64(8);
        if (at > end_pos - kZip64LocatorSize) bad("bad Zip64 locator");
        Cursor z(bytes_, at, kZip64EndSize);
        if (z.u32(0) != kZip64EndSig) bad("bad Zip64 end record");
        disk = z.u32(16);
        cd_disk = z.u32(20);
        on_disk = z.u64(24);
        count = z.u64(32);
        cd_size = z.u64(40);
        cd_offset = z.u64(48);
        cd_limit = at;
    }
    if (disk != 0 || cd_disk != 0 || on_disk != count) bad("multi-disk archives are not read");
    if (cd_offset > cd_limit || cd_size > cd_limit - cd_offset) bad("bad central directory");
    // Each record takes at least kCentralSize bytes, so the directory's size bounds the count.
    if (count > cd_size / kCentralSize || count > kMaxEntries) bad("bad entry count");

    entries_.reserve(static_cast<size_t>(count));
    uint64_t at = cd_offset;
    const uint64_t cd_end = cd_offset + cd_size;
    for (uint64_t i = 0; i < count; ++i) {
        if (at + kCentralSize > cd_end) bad("truncated central directory");
        Cursor c(bytes_, at, kCentralSize);
        if (c.u32(0) != kCentralSig) bad("bad central directory record");
        uint16_t made_by = c.u16(4);
        uint16_t flags = c.u16(8);
        Entry e;
        e.method = c.u16(10);
        e.crc32 = c.u32(16);
        e.compressed_size = c.u32(20);
        e.size = c.u32(24);
        uint64_t name_len = c.u16(28), extra_len = c.u16(30), comment_len = c.u16(32);
        uint32_t external = c.u32(38);
        e.local_header = c.u32(42);
        uint64_t var = name_len + extra_len + comment_len;
        if (var > cd_end - at - kCentralSize) bad("truncated central directory record");
        e.name.assign(bytes_.substr(static_cast<size_t>(at + kCentralSize), name_len));
        std::string_view extra =
            bytes_.substr(static_cast<size_t>(at + kCentralSize + name_len), extra_len);
        apply_zip64(e, extra, e.size == 0xffffffff, e.compressed_size == 0xffffffff,
                    e.local_header == 0xffffffff);
        e.encrypted = (flags & kFlagEncrypted) != 0;
        if ((made_by >> 8) == kHostUnix) e.unix_mode = external >> 16;
        if (e.local_header >= cd_offset) bad("entry outside the archive's data");
        entries_.push_back(std::move(e));
        at += kCentralSize + var;
    }
}

void Archive::extract(const Entry& e, const std::function<void(std::string_view)>& sink) const {
    Cursor local(bytes_, e.local_header, kLocalSize);
    if (local.u32(0) != kLocalSig) bad("bad local header");
    uint64_t name_len = local.u16(26), extra_len = local.u16(28);
    uint64_t data = e.local_header + kLocalSize + name_len + extra_len;
    if (data > bytes_.size() || e.compressed_size > bytes_.size() - data)
        bad("entry data outside the archive");
    if (bytes_.substr(static_cast<size_t>(e.local_header + kLocalSize), name_len) != e.name)
        bad("local and central names differ");
    std::string_view in =
        bytes_.substr(static_cast<size_t>(data), static_cast<size_t>(e.compressed_size));

    uLong crc = crc32(0L, Z_NULL, 0);
    uint64_t produced = 0;
    auto emit = [&](const char* p, size_t n) {
        produced += n;
        if (produced > e.size) bad("entry larger than declared");
        crc = crc32_z(crc, reinterpret_cast<const Bytef*>(p), n);
        sink(std::string_view(p, n));
    };

    if (e.encrypted) bad("encrypted entries are not read");
    if (e.method == 0) {
        if (e.compressed_size != e.size) bad("stored entry sizes differ");
        for (size_t off = 0; off < in.size(); off += kPiece)
            emit(in.data() + off, std::min(kPiece, in.size() - off));
    } else if (e.method == 8) {
        z_stream z{};
        if (inflateInit2(&z, -MAX_WBITS) != Z_OK) bad("inflate failed to start");
        std::unique_ptr<z_stream, int (*)(z_stream*)> guard(&z, inflateEnd);
        std::string out(kPiece, '\0');
        size_t fed = 0;
        int rc = Z_OK;
        while (rc != Z_STREAM_END) {
            if (z.avail_in == 0 && fed < in.size()) {
                size_t n = std::min<size_t>(in.size() - fed, 1u << 20);
                z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data() + fed));
                z.avail_in = static_cast<uInt>(n);
                fed += n;
            }
            z.next_out = reinterpret_cast<Bytef*>(out.data());
            z.avail_out = static_cast<uInt>(out.size());
            rc = inflate(&z, Z_NO_FLUSH);
            size_t n = out.size() - z.avail_out;
            if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && n > 0))
                bad("corrupt deflate data");
            if (rc == Z_BUF_ERROR && z.avail_in == 0 && fed == in.size() && n == 0)
                bad("truncated deflate data");
            if (n > 0) emit(out.data(), n);
        }
    } else {
        bad("unsupported compression method");
    }
    if (produced != e.size) bad("entry smaller than declared");
    if (static_cast<uint32_t>(crc) != e.crc32) bad("CRC-32 mismatch");
}

}  // namespace fogbank::zip
