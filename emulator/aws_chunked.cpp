#include "emulator/aws_chunked.hpp"

#include "emulator/aws_error.hpp"
#include "emulator/encoding.hpp"

namespace fogbank {

namespace {
constexpr size_t kMaxLine = 8192;
const std::string kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

AwsError malformed(std::string why) {
    return AwsError("InvalidRequest", "Malformed aws-chunked body: " + why, 400);
}
AwsError bad_signature() {
    return AwsError("SignatureDoesNotMatch",
                    "The request signature we calculated does not match the signature you "
                    "provided. Check your key and signing method.",
                    403);
}
}  // namespace

std::string ChunkSignatureChain::next_chunk_signature(std::string_view chunk_sha256_hex) {
    std::string sts = "AWS4-HMAC-SHA256-PAYLOAD\n" + amz_date + "\n" + scope + "\n" +
                      prev_signature + "\n" + kEmptySha256 + "\n" + std::string(chunk_sha256_hex);
    prev_signature = to_hex(hmac_sha256(signing_key, sts));
    return prev_signature;
}

std::string ChunkSignatureChain::next_trailer_signature(std::string_view trailer_sha256_hex) {
    std::string sts = "AWS4-HMAC-SHA256-TRAILER\n" + amz_date + "\n" + scope + "\n" +
                      prev_signature + "\n" + std::string(trailer_sha256_hex);
    prev_signature = to_hex(hmac_sha256(signing_key, sts));
    return prev_signature;
}

void AwsChunkedDecoder::feed(std::string_view raw,
                             const std::function<void(std::string_view)>& out) {
    while (!raw.empty()) {
        switch (state_) {
            case State::size_line:
            case State::trailer_line: {
                auto nl = raw.find('\n');
                std::string_view part =
                    raw.substr(0, nl == std::string_view::npos ? raw.size() : nl);
                line_.append(part);
                if (line_.size() > kMaxLine) throw malformed("line too long");
                if (nl == std::string_view::npos) return;
                raw.remove_prefix(nl + 1);
                if (line_.empty() || line_.back() != '\r')
                    throw malformed("line not CRLF-terminated");
                line_.pop_back();
                std::string line = std::move(line_);
                line_.clear();
                if (state_ == State::size_line)
                    on_size_line(line);
                else
                    on_trailer_line(line);
                break;
            }
            case State::data: {
                size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, raw.size()));
                std::string_view bytes = raw.substr(0, n);
                if (chunk_hash_) chunk_hash_->update(bytes);
                out(bytes);
                decoded_ += n;
                remaining_ -= n;
                raw.remove_prefix(n);
                if (remaining_ == 0) state_ = State::data_crlf;
                break;
            }
            case State::data_crlf: {
                // Expect exactly "\r\n" after the data, possibly split across feeds.
                line_.push_back(raw.front());
                raw.remove_prefix(1);
                if (line_.size() == 2) {
                    if (line_ != "\r\n") throw malformed("chunk data not followed by CRLF");
                    line_.clear();
                    end_chunk();
                    state_ = State::size_line;
                }
                break;
            }
            case State::done:
                throw malformed("bytes after the final chunk");
        }
    }
}

void AwsChunkedDecoder::on_size_line(std::string_view line) {
    std::string_view size_part = line;
    chunk_signature_.reset();
    if (auto semi = line.find(';'); semi != std::string_view::npos) {
        size_part = line.substr(0, semi);
        std::string_view ext = line.substr(semi + 1);
        constexpr std::string_view key = "chunk-signature=";
        if (ext.substr(0, key.size()) != key) throw malformed("unknown chunk extension");
        chunk_signature_ = std::string(ext.substr(key.size()));
    }
    size_part = trim(size_part);
    if (size_part.empty() || size_part.size() > 16) throw malformed("bad chunk size");
    uint64_t size = 0;
    for (char c : size_part) {
        int v = (c >= '0' && c <= '9')   ? c - '0'
                : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                         : -1;
        if (v < 0) throw malformed("bad chunk size");
        size = size * 16 + static_cast<uint64_t>(v);
    }
    if (chain_) {
        if (!chunk_signature_) throw bad_signature();
        chunk_hash_.emplace(Digest::Kind::sha256);
    }
    remaining_ = size;
    if (size == 0) {
        end_chunk();
        state_ = State::trailer_line;
    } else {
        state_ = State::data;
    }
}

void AwsChunkedDecoder::end_chunk() {
    if (!chain_) return;
    std::string hash = to_hex(chunk_hash_->finish());
    chunk_hash_.reset();
    if (chain_->next_chunk_signature(hash) != *chunk_signature_) throw bad_signature();
}

void AwsChunkedDecoder::on_trailer_line(std::string_view line) {
    if (line.empty()) {
        if (chain_ && !trailers_.empty()) {
            if (!trailer_signature_) throw bad_signature();
            if (chain_->next_trailer_signature(sha256_hex(canonical_trailers_)) !=
                *trailer_signature_)
                throw bad_signature();
        }
        state_ = State::done;
        return;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) throw malformed("bad trailer");
    std::string name = to_lower(trim(line.substr(0, colon)));
    std::string value(trim(line.substr(colon + 1)));
    if (name == "x-amz-trailer-signature") {
        trailer_signature_ = value;
        return;
    }
    canonical_trailers_ += name + ":" + value + "\n";
    trailers_[name] = value;
}

void AwsChunkedDecoder::finish() const {
    // Some clients omit the blank line after the last trailer; everything else must be there.
    if (state_ == State::done) return;
    if (state_ == State::trailer_line && line_.empty() && !chain_) return;
    throw AwsError("IncompleteBody", "The request body terminated unexpectedly", 400);
}

}  // namespace fogbank
