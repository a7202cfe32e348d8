#include "emulator/request_body.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "emulator/blob_store.hpp"
#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"

namespace fogbank {

RequestBody& RequestBody::operator=(RequestBody&& o) noexcept {
    if (this != &o) {
        if (!file_.empty()) {
            std::error_code ec;
            std::filesystem::remove(file_, ec);
        }
        size_ = o.size_;
        memory_ = std::move(o.memory_);
        file_ = std::exchange(o.file_, {});
        md5 = std::move(o.md5);
        sha256_hex = std::move(o.sha256_hex);
        checksums = std::move(o.checksums);
        trailers = std::move(o.trailers);
    }
    return *this;
}

RequestBody::~RequestBody() {
    if (!file_.empty()) {
        std::error_code ec;
        std::filesystem::remove(file_, ec);
    }
}

std::string RequestBody::text() const {
    if (file_.empty()) return memory_;
    std::ifstream in(file_, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::filesystem::path RequestBody::release_file() {
    return std::exchange(file_, {});
}

BodySink::BodySink(BodyPlan plan, std::filesystem::path spool_dir, bool want_sha256,
                   std::unique_ptr<AwsChunkedDecoder> chunked)
    : plan_(std::move(plan)), spool_dir_(std::move(spool_dir)), chunked_(std::move(chunked)) {
    if (plan_.spool && plan_.memory_threshold == 0) open_spool();
    if (plan_.md5) md5_.emplace(Digest::Kind::md5);
    if (want_sha256) sha256_.emplace(Digest::Kind::sha256);
    for (auto alg : plan_.checksums)
        sums_.emplace_back(alg);
}

BodySink::~BodySink() {
    if (fd_ >= 0) ::close(fd_);
}

void BodySink::write(std::string_view raw) {
    if (chunked_)
        chunked_->feed(raw, [this](std::string_view d) { consume(d); });
    else
        consume(raw);
}

void BodySink::open_spool() {
    body_.file_ = spool_dir_ / ("spool-" + random_hex(12));
    fd_ = ::open(body_.file_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        body_.file_.clear();
        throw AwsError("InternalError", std::string("cannot spool body: ") + std::strerror(errno),
                       500);
    }
}

void BodySink::consume(std::string_view bytes) {
    if (bytes.empty()) return;
    body_.size_ += bytes.size();
    if (body_.size_ > plan_.max_size)
        throw plan_.too_large.value_or(
            AwsError("RequestEntityTooLarge", "Request body is too large", 413));
    if (md5_) md5_->update(bytes);
    if (sha256_) sha256_->update(bytes);
    for (auto& s : sums_)
        s.update(bytes);
    if (fd_ < 0 && plan_.spool && body_.size_ > plan_.memory_threshold) {
        // Past the threshold: what was kept in memory goes to the spool file first.
        open_spool();
        std::string kept = std::exchange(body_.memory_, {});
        write_file(kept);
    }
    if (fd_ < 0) {
        body_.memory_.append(bytes);
        return;
    }
    write_file(bytes);
}

void BodySink::write_file(std::string_view bytes) {
    try {
        write_all(fd_, bytes);
    } catch (const std::exception& e) {
        throw AwsError("InternalError", std::string("spool ") + e.what(), 500);
    }
}

RequestBody BodySink::finish() {
    if (chunked_) {
        chunked_->finish();
        body_.trailers = chunked_->trailers();
    }
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (md5_) body_.md5 = md5_->finish();
    if (sha256_) body_.sha256_hex = to_hex(sha256_->finish());
    for (auto& s : sums_)
        body_.checksums[s.algorithm()] = s.base64();
    return std::move(body_);
}

}  // namespace fogbank
