// Decoder for the aws-chunked content encoding SDKs use to stream uploads:
//   <hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
//   [<trailer-name>:<value>\r\n ... [x-amz-trailer-signature:<sig>\r\n]]\r\n
// It works incrementally on whatever slices the socket delivers, and verifies chunk and
// trailer signatures when given the seed signature and signing key (strict auth).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "emulator/crypto.hpp"

namespace fogbank {

struct ChunkSignatureChain {
    std::string signing_key;     // derived SigV4 key for the request's scope
    std::string amz_date;        // X-Amz-Date of the request
    std::string scope;           // date/region/service/aws4_request
    std::string prev_signature;  // seed: the request's own signature

    std::string next_chunk_signature(std::string_view chunk_sha256_hex);
    std::string next_trailer_signature(std::string_view trailer_sha256_hex);
};

class AwsChunkedDecoder {
  public:
    explicit AwsChunkedDecoder(std::optional<ChunkSignatureChain> verify = std::nullopt)
        : chain_(std::move(verify)) {}

    // Decoded payload bytes are handed to `out` as they are found.
    void feed(std::string_view raw, const std::function<void(std::string_view)>& out);
    // Throws AwsError when the framing stopped before its end.
    void finish() const;
    const std::map<std::string, std::string>& trailers() const { return trailers_; }
    uint64_t decoded_size() const { return decoded_; }

  private:
    enum class State { size_line, data, data_crlf, trailer_line, done };
    void on_size_line(std::string_view line);
    void on_trailer_line(std::string_view line);
    void end_chunk();

    std::optional<ChunkSignatureChain> chain_;
    State state_ = State::size_line;
    std::string line_;
    uint64_t remaining_ = 0;
    uint64_t decoded_ = 0;
    std::optional<std::string> chunk_signature_;
    std::optional<Digest> chunk_hash_;
    std::map<std::string, std::string> trailers_;
    std::string canonical_trailers_;
    std::optional<std::string> trailer_signature_;
};

}  // namespace fogbank
