// The framed messages fogbank and its worker processes exchange over a Unix socket: an 8-byte
// header (the two lengths, big-endian 32-bit), a `meta` part (JSON text by convention) and a
// binary `payload` that is passed as is (an image, never re-encoded). Both lengths are bounded
// by the reader before anything is allocated for them.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace fogbank {

struct Frame {
    std::string meta;
    std::string payload;
};

inline constexpr size_t kFrameHeaderSize = 8;

// The 8 header bytes of a frame with these part sizes (each below 4 GiB).
std::string frame_header(size_t meta_size, size_t payload_size);

// Reads frames from a byte stream as it arrives.
class FrameReader {
  public:
    FrameReader(size_t max_meta, size_t max_payload)
        : max_meta_(max_meta), max_payload_(max_payload) {}
    // Takes the next bytes of the stream. False once a frame's header claims more than the
    // limits allow: the stream cannot be trusted after that.
    bool feed(std::string_view bytes);
    // The next complete frame, if one has arrived.
    std::optional<Frame> take();
    // Bytes received and not yet taken as a frame.
    size_t pending() const { return buffer_.size() - consumed_; }

  private:
    bool check_header();
    size_t max_meta_, max_payload_;
    std::string buffer_;
    size_t consumed_ = 0;
    bool broken_ = false;
};

using FrameDeadline = std::chrono::steady_clock::time_point;

// Writes a frame to a stream socket, waiting for room as needed until `deadline`. False when
// the peer is gone or the deadline passes first (the socket is then mid-frame: close it).
// Never raises SIGPIPE.
bool send_frame(int fd, std::string_view meta, std::string_view payload, FrameDeadline deadline);

// Blocks until a whole frame has been read from `fd`. Nothing at end-of-file, on an error, or
// when the frame exceeds the reader's limits.
std::optional<Frame> receive_frame(int fd, FrameReader& reader);

}  // namespace fogbank
