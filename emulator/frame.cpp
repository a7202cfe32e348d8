#include "emulator/frame.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace fogbank {

namespace {

void put_u32(std::string& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

uint32_t get_u32(const char* p) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
        v = (v << 8) | static_cast<unsigned char>(p[i]);
    return v;
}

}  // namespace

std::string frame_header(size_t meta_size, size_t payload_size) {
    std::string h;
    h.reserve(kFrameHeaderSize);
    put_u32(h, static_cast<uint32_t>(meta_size));
    put_u32(h, static_cast<uint32_t>(payload_size));
    return h;
}

bool FrameReader::check_header() {
    if (pending() < kFrameHeaderSize) return true;
    const char* h = buffer_.data() + consumed_;
    size_t meta = get_u32(h), payload = get_u32(h + 4);
    if (meta > max_meta_ || payload > max_payload_) return false;
    // Room for the whole frame at once: a 15 MB image arrives in many reads.
    buffer_.reserve(consumed_ + kFrameHeaderSize + meta + payload);
    return true;
}

bool FrameReader::feed(std::string_view bytes) {
    if (broken_) return false;
    bool had_header = pending() >= kFrameHeaderSize;
    buffer_.append(bytes);
    if (!had_header && !check_header()) broken_ = true;
    return !broken_;
}

std::optional<Frame> FrameReader::take() {
    if (broken_ || pending() < kFrameHeaderSize) return std::nullopt;
    const char* h = buffer_.data() + consumed_;
    size_t meta = get_u32(h), payload = get_u32(h + 4);
    if (pending() < kFrameHeaderSize + meta + payload) return std::nullopt;
    Frame f;
    size_t at = consumed_ + kFrameHeaderSize;
    f.meta.assign(buffer_, at, meta);
    f.payload.assign(buffer_, at + meta, payload);
    consumed_ = at + meta + payload;
    if (consumed_ == buffer_.size()) {
        buffer_.clear();
        consumed_ = 0;
    }
    // The next frame's header may already be here.
    if (!check_header()) broken_ = true;
    return f;
}

bool send_frame(int fd, std::string_view meta, std::string_view payload, FrameDeadline deadline) {
    std::string header = frame_header(meta.size(), payload.size());
    std::string_view parts[] = {header, meta, payload};
    for (std::string_view part : parts) {
        while (!part.empty()) {
            ssize_t n = ::send(fd, part.data(), part.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                part.remove_prefix(static_cast<size_t>(n));
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return false;
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            pollfd p{fd, POLLOUT, 0};
            if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) return false;
        }
    }
    return true;
}

std::optional<Frame> receive_frame(int fd, FrameReader& reader) {
    for (;;) {
        if (auto f = reader.take()) return f;
        char buf[65536];
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return std::nullopt;
        if (!reader.feed({buf, static_cast<size_t>(n)})) return std::nullopt;
    }
}

}  // namespace fogbank
