// Thin RAII wrappers over OpenSSL's digests and HMAC, incremental so that bodies can be hashed
// as they stream past.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;
struct evp_md_st;

namespace fogbank {

class Digest {
  public:
    enum class Kind { md5, sha1, sha256 };
    explicit Digest(Kind kind);
    ~Digest();
    Digest(Digest&&) noexcept;
    Digest& operator=(Digest&&) noexcept;

    void update(std::string_view bytes);
    // Raw digest bytes. The object can't be updated afterwards.
    std::string finish();

  private:
    evp_md_ctx_st* ctx_;
};

std::string md5(std::string_view bytes);
std::string sha1(std::string_view bytes);
std::string sha256(std::string_view bytes);
std::string sha256_hex(std::string_view bytes);
std::string hmac_sha256(std::string_view key, std::string_view data);
// SigV2 (query-string and POST-form signatures).
std::string hmac_sha1(std::string_view key, std::string_view data);

// Random identifiers (request ids, upload ids, blob ids, receipt nonces): unique, not secret.
std::string random_hex(size_t nbytes, bool upper = false);
// n characters drawn from `alphabet` (IAM's role ids, Lambda URL ids, API Gateway ids).
std::string random_id(std::string_view alphabet, size_t n);
// A version-4 UUID, lower-case hex in 8-4-4-4-12 groups.
std::string random_uuid();
uint64_t random_u64();

}  // namespace fogbank
