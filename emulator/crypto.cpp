#include "emulator/crypto.hpp"

#include <array>
#include <cerrno>
#include <random>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/random.h>

#include <stdexcept>

#include "emulator/encoding.hpp"

namespace fogbank {

namespace {
// OpenSSL 3 looks up the implementation of a legacy EVP_sha256()-style digest in its provider
// tables at every EVP_DigestInit_ex or HMAC call: 2-3% of the instructions of a small request,
// which hashes its body at least once. Each digest is fetched once and kept for the process.
const EVP_MD* fetched(const char* name) {
    const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
    if (!md) throw std::runtime_error(std::string("digest unavailable: ") + name);
    return md;
}

const EVP_MD* md_for(Digest::Kind kind) {
    static const EVP_MD* const md5 = fetched("MD5");
    static const EVP_MD* const sha1 = fetched("SHA1");
    static const EVP_MD* const sha256 = fetched("SHA256");
    switch (kind) {
        case Digest::Kind::md5:
            return md5;
        case Digest::Kind::sha1:
            return sha1;
        case Digest::Kind::sha256:
            return sha256;
    }
    return sha256;
}
}  // namespace

Digest::Digest(Kind kind) : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(ctx_, md_for(kind), nullptr) != 1)
        throw std::runtime_error("digest init failed");
}

Digest::~Digest() {
    if (ctx_) EVP_MD_CTX_free(ctx_);
}

Digest::Digest(Digest&& o) noexcept : ctx_(o.ctx_) {
    o.ctx_ = nullptr;
}

Digest& Digest::operator=(Digest&& o) noexcept {
    if (this != &o) {
        if (ctx_) EVP_MD_CTX_free(ctx_);
        ctx_ = o.ctx_;
        o.ctx_ = nullptr;
    }
    return *this;
}

void Digest::update(std::string_view bytes) {
    EVP_DigestUpdate(ctx_, bytes.data(), bytes.size());
}

std::string Digest::finish() {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, out, &n);
    return std::string(reinterpret_cast<char*>(out), n);
}

static std::string one_shot(Digest::Kind kind, std::string_view bytes) {
    // A context per thread, kept: a new one costs an allocation and a provider context each
    // time, and SQS hashes every message body it takes.
    struct Kept {
        EVP_MD_CTX* ctx = EVP_MD_CTX_new();
        ~Kept() { EVP_MD_CTX_free(ctx); }
    };
    thread_local Kept kept;
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!kept.ctx || EVP_DigestInit_ex(kept.ctx, md_for(kind), nullptr) != 1 ||
        EVP_DigestUpdate(kept.ctx, bytes.data(), bytes.size()) != 1 ||
        EVP_DigestFinal_ex(kept.ctx, out, &n) != 1)
        throw std::runtime_error("digest failed");
    return std::string(reinterpret_cast<char*>(out), n);
}

std::string md5(std::string_view bytes) {
    return one_shot(Digest::Kind::md5, bytes);
}
std::string sha1(std::string_view bytes) {
    return one_shot(Digest::Kind::sha1, bytes);
}
std::string sha256(std::string_view bytes) {
    return one_shot(Digest::Kind::sha256, bytes);
}
std::string sha256_hex(std::string_view bytes) {
    return to_hex(sha256(bytes));
}

namespace {
std::string hmac(const EVP_MD* digest, std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    HMAC(digest, key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
    return std::string(reinterpret_cast<char*>(out), n);
}
}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view data) {
    return hmac(md_for(Digest::Kind::sha256), key, data);
}

std::string hmac_sha1(std::string_view key, std::string_view data) {
    return hmac(md_for(Digest::Kind::sha1), key, data);
}

uint64_t random_u64() {
    // Identifiers need uniqueness, not secrecy: a per-thread generator seeded once from the OS
    // avoids OpenSSL's per-call fork check (a getpid syscall) on every request id. The seed comes
    // from getrandom(2) itself: OpenSSL's generator would first set up its providers and DRBGs,
    // which was a fifth of the CPU of a start-up and its first answer.
    thread_local std::mt19937_64 gen = [] {
        std::array<uint64_t, 4> seed{};
        auto* p = reinterpret_cast<unsigned char*>(seed.data());
        size_t got = 0;
        while (got < sizeof seed) {
            ssize_t n = getrandom(p + got, sizeof seed - got, 0);
            if (n > 0) {
                got += static_cast<size_t>(n);
            } else if (n < 0 && errno != EINTR) {
                RAND_bytes(p, sizeof seed);  // a kernel without getrandom(2)
                break;
            }
        }
        std::seed_seq seq(seed.begin(), seed.end());
        return std::mt19937_64(seq);
    }();
    return gen();
}

std::string random_hex(size_t nbytes, bool upper) {
    // Written straight from the generator's words: every request takes an id this way.
    const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string out(nbytes * 2, '\0');
    uint64_t v = 0;
    for (size_t i = 0; i < nbytes; ++i) {
        if (i % 8 == 0) v = random_u64();
        auto byte = static_cast<unsigned>(v & 0xff);
        v >>= 8;
        out[2 * i] = digits[byte >> 4];
        out[2 * i + 1] = digits[byte & 15];
    }
    return out;
}

std::string random_id(std::string_view alphabet, size_t n) {
    std::string id;
    id.reserve(n);
    for (size_t i = 0; i < n; ++i)
        id += alphabet[random_u64() % alphabet.size()];
    return id;
}

std::string random_uuid() {
    std::string h = random_hex(16);
    h[12] = '4';  // version 4
    h[16] = "89ab"[h[16] % 4];
    // 8-4-4-4-12, in place.
    for (size_t at : {8, 13, 18, 23})
        h.insert(h.begin() + static_cast<std::ptrdiff_t>(at), '-');
    return h;
}

}  // namespace fogbank
