// Request bodies are read by the server before the handler runs, in bounded chunks: small ones
// into memory, object uploads into a spool file that the handler can adopt as the object's
// blob. aws-chunked framing is removed on the way, and the digests a request asks for are
// computed while the bytes pass, so nothing reads a body twice.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulator/aws_chunked.hpp"
#include "emulator/aws_error.hpp"
#include "emulator/checksums.hpp"
#include "emulator/crypto.hpp"

namespace fogbank {

// How a service wants a body read; decided from the request head alone.
struct BodyPlan {
    bool spool = false;  // to a file under the blob store's spool dir
    // With spool: bodies up to this size stay in memory and only larger ones go to the file,
    // so small objects never touch the filesystem.
    uint64_t memory_threshold = 0;
    uint64_t max_size = 16 * 1024 * 1024;  // decoded bytes; more is `too_large`
    std::optional<AwsError> too_large;     // defaults to a generic 413
    bool md5 = false;
    std::vector<ChecksumAlgorithm> checksums;
};

class RequestBody {
  public:
    RequestBody() = default;
    RequestBody(RequestBody&&) noexcept = default;
    RequestBody& operator=(RequestBody&&) noexcept;
    ~RequestBody();

    uint64_t size() const { return size_; }
    bool spooled() const { return !file_.empty(); }
    // The whole body as a string; reads the spool file when there is one.
    std::string text() const;
    const std::string& memory() const { return memory_; }
    // The spool file, still owned by the body (empty when the body is in memory).
    const std::filesystem::path& file() const { return file_; }
    // Takes ownership of the spool file (the caller renames it into place).
    std::filesystem::path release_file();

    std::optional<std::string> md5;                      // raw bytes
    std::optional<std::string> sha256_hex;               // of the decoded payload
    std::map<ChecksumAlgorithm, std::string> checksums;  // base64, computed
    std::map<std::string, std::string> trailers;         // aws-chunked trailers, lower-case names

  private:
    friend class BodySink;
    uint64_t size_ = 0;
    std::string memory_;
    std::filesystem::path file_;
};

// Fed raw bytes off the socket; produces a RequestBody.
class BodySink {
  public:
    BodySink(BodyPlan plan, std::filesystem::path spool_dir, bool want_sha256,
             std::unique_ptr<AwsChunkedDecoder> chunked);
    ~BodySink();
    BodySink(const BodySink&) = delete;
    BodySink& operator=(const BodySink&) = delete;
    void write(std::string_view raw);  // throws AwsError
    RequestBody finish();              // throws AwsError (truncated framing)

  private:
    void consume(std::string_view decoded);
    void open_spool();
    void write_file(std::string_view bytes);

    BodyPlan plan_;
    std::filesystem::path spool_dir_;
    std::unique_ptr<AwsChunkedDecoder> chunked_;
    RequestBody body_;
    int fd_ = -1;
    std::optional<Digest> md5_;
    std::optional<Digest> sha256_;
    std::vector<Checksummer> sums_;
};

}  // namespace fogbank
