#include "services/ec2/key_material.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <stdexcept>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"

namespace fogbank::ec2 {

namespace {

struct PkeyFree {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BnFree {
    void operator()(BIGNUM* b) const { BN_free(b); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Bn = std::unique_ptr<BIGNUM, BnFree>;

[[noreturn]] void openssl_failed(const char* what) {
    throw std::runtime_error(std::string("key pair: OpenSSL failed to ") + what);
}

// SSH's wire encoding (RFC 4251): uint32 lengths, strings, and two's-complement mpints.
void put_u32(std::string& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((v >> shift) & 0xff));
}
void put_string(std::string& out, std::string_view s) {
    put_u32(out, static_cast<uint32_t>(s.size()));
    out.append(s);
}
std::string mpint(const BIGNUM* bn) {
    std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
    if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80)) bytes.insert(0, 1, '\0');
    return bytes;
}

struct WireReader {
    std::string_view rest;
    bool ok = true;
    uint32_t u32() {
        if (rest.size() < 4) {
            ok = false;
            return 0;
        }
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i)
            v = (v << 8) | static_cast<unsigned char>(rest[static_cast<size_t>(i)]);
        rest.remove_prefix(4);
        return v;
    }
    std::string_view string() {
        uint32_t n = u32();
        if (!ok || n > rest.size()) {
            ok = false;
            return {};
        }
        auto s = rest.substr(0, n);
        rest.remove_prefix(n);
        return s;
    }
};

Bn bn_param(const EVP_PKEY* key, const char* name) {
    BIGNUM* bn = nullptr;
    if (!EVP_PKEY_get_bn_param(key, name, &bn)) openssl_failed("read a key parameter");
    return Bn(bn);
}

std::string raw_key(const EVP_PKEY* key, bool priv) {
    size_t n = 0;
    auto get = priv ? EVP_PKEY_get_raw_private_key : EVP_PKEY_get_raw_public_key;
    if (!get(key, nullptr, &n)) openssl_failed("size a raw key");
    std::string out(n, '\0');
    if (!get(key, reinterpret_cast<unsigned char*>(out.data()), &n))
        openssl_failed("read a raw key");
    out.resize(n);
    return out;
}

std::string rsa_public_blob(const BIGNUM* e, const BIGNUM* n) {
    std::string blob;
    put_string(blob, "ssh-rsa");
    put_string(blob, mpint(e));
    put_string(blob, mpint(n));
    return blob;
}

std::string ed25519_public_blob(std::string_view pub) {
    std::string blob;
    put_string(blob, "ssh-ed25519");
    put_string(blob, pub);
    return blob;
}

std::string colon_hex(std::string_view digest) {
    std::string hex = to_hex(digest), out;
    for (size_t i = 0; i < hex.size(); i += 2) {
        if (i) out += ':';
        out.append(hex, i, 2);
    }
    return out;
}

// Base64 in lines of `width`, as PEM and PuTTY write it.
std::string wrapped(std::string_view bytes, size_t width, size_t* lines = nullptr) {
    std::string b64 = base64_encode(bytes), out;
    size_t count = 0;
    for (size_t i = 0; i < b64.size(); i += width, ++count)
        out.append(b64, i, width).push_back('\n');
    if (lines) *lines = count;
    return out;
}

std::string der(int (*encode)(const EVP_PKEY*, unsigned char**), const EVP_PKEY* key) {
    int n = encode(key, nullptr);
    if (n <= 0) openssl_failed("encode a key");
    std::string out(static_cast<size_t>(n), '\0');
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    encode(key, &p);
    return out;
}

int pkcs8_der(const EVP_PKEY* key, unsigned char** out) {
    PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(key);
    if (!info) return -1;
    int n = i2d_PKCS8_PRIV_KEY_INFO(info, out);
    PKCS8_PRIV_KEY_INFO_free(info);
    return n;
}

int spki_der(const EVP_PKEY* key, unsigned char** out) {
    return i2d_PUBKEY(key, out);
}

std::string pkcs1_pem(EVP_PKEY* key) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || !PEM_write_bio_PrivateKey_traditional(bio.get(), key, nullptr, nullptr, 0, nullptr,
                                                      nullptr))
        openssl_failed("write a PEM key");
    char* data = nullptr;
    long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(n));
}

// OpenSSH's private key format (PROTOCOL.key), unencrypted: what ssh-keygen writes and what
// EC2 returns for ED25519.
std::string openssh_private(std::string_view pub, std::string_view seed,
                            const std::string& comment) {
    std::string blob = ed25519_public_blob(pub);
    std::string priv;
    uint32_t check = static_cast<uint32_t>(random_u64());
    put_u32(priv, check);
    put_u32(priv, check);
    put_string(priv, "ssh-ed25519");
    put_string(priv, pub);
    put_string(priv, std::string(seed) + std::string(pub));
    put_string(priv, comment);
    for (char pad = 1; priv.size() % 8; ++pad)
        priv.push_back(pad);
    std::string body("openssh-key-v1", 15);  // with its NUL
    put_string(body, "none");
    put_string(body, "none");
    put_string(body, "");
    put_u32(body, 1);
    put_string(body, blob);
    put_string(body, priv);
    return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + wrapped(body, 70) +
           "-----END OPENSSH PRIVATE KEY-----\n";
}

// PuTTY's key file, version 2, unencrypted; its MAC is HMAC-SHA-1 keyed by the SHA-1 of
// "putty-private-key-file-mac-key" (and an empty passphrase).
std::string ppk(const std::string& algorithm, const std::string& public_blob,
                const std::string& private_blob, const std::string& comment) {
    std::string mac_data;
    put_string(mac_data, algorithm);
    put_string(mac_data, "none");
    put_string(mac_data, comment);
    put_string(mac_data, public_blob);
    put_string(mac_data, private_blob);
    std::string mac_key = sha1("putty-private-key-file-mac-key");
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    if (!HMAC(EVP_sha1(), mac_key.data(), static_cast<int>(mac_key.size()),
              reinterpret_cast<const unsigned char*>(mac_data.data()), mac_data.size(), mac,
              &mac_len))
        openssl_failed("compute a PuTTY MAC");
    size_t pub_lines = 0, priv_lines = 0;
    std::string pub = wrapped(public_blob, 64, &pub_lines);
    std::string priv = wrapped(private_blob, 64, &priv_lines);
    return "PuTTY-User-Key-File-2: " + algorithm + "\nEncryption: none\nComment: " + comment +
           "\nPublic-Lines: " + std::to_string(pub_lines) + "\n" + pub +
           "Private-Lines: " + std::to_string(priv_lines) + "\n" + priv +
           "Private-MAC: " + to_hex(std::string_view(reinterpret_cast<char*>(mac), mac_len)) + "\n";
}

std::string ssh_line(const std::string& blob) {
    WireReader r{blob};
    return std::string(r.string()) + " " + base64_encode(blob);
}

std::string ed25519_fingerprint(const std::string& blob) {
    return base64_encode(sha256(blob));
}

}  // namespace

GeneratedKey generate_key(const std::string& type, const std::string& format,
                          const std::string& comment) {
    GeneratedKey out;
    if (type == "ed25519") {
        Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
        if (!key) openssl_failed("generate an ED25519 key");
        std::string pub = raw_key(key.get(), false), seed = raw_key(key.get(), true);
        std::string blob = ed25519_public_blob(pub);
        std::string priv_blob;
        put_string(priv_blob, seed);
        out.material = format == "ppk" ? ppk("ssh-ed25519", blob, priv_blob, comment)
                                       : openssh_private(pub, seed, comment);
        out.public_key = ssh_line(blob);
        out.fingerprint = ed25519_fingerprint(blob);
        return out;
    }
    Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
    if (!key) openssl_failed("generate an RSA key");
    Bn n = bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N),
       e = bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E);
    std::string blob = rsa_public_blob(e.get(), n.get());
    if (format == "ppk") {
        Bn d = bn_param(key.get(), OSSL_PKEY_PARAM_RSA_D);
        Bn p = bn_param(key.get(), OSSL_PKEY_PARAM_RSA_FACTOR1);
        Bn q = bn_param(key.get(), OSSL_PKEY_PARAM_RSA_FACTOR2);
        Bn iqmp = bn_param(key.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
        std::string priv_blob;
        for (const BIGNUM* v : {d.get(), p.get(), q.get(), iqmp.get()})
            put_string(priv_blob, mpint(v));
        out.material = ppk("ssh-rsa", blob, priv_blob, comment);
    } else {
        out.material = pkcs1_pem(key.get());
    }
    out.public_key = ssh_line(blob);
    out.fingerprint = colon_hex(sha1(der(pkcs8_der, key.get())));
    return out;
}

namespace {

std::string strip_space(std::string_view s) {
    std::string out;
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n') out.push_back(c);
    return out;
}

// The SSH wire blob an OpenSSH line, an RFC 4716 block or base64 DER holds.
std::optional<std::string> public_blob(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\r'))
        text.remove_prefix(1);
    constexpr std::string_view begin = "---- BEGIN SSH2 PUBLIC KEY ----";
    constexpr std::string_view end = "---- END SSH2 PUBLIC KEY ----";
    if (text.substr(0, begin.size()) == begin) {
        // RFC 4716: header lines ("Tag: value", continued with a trailing backslash), then the
        // base64 body.
        auto stop = text.find(end);
        if (stop == std::string_view::npos) return std::nullopt;
        std::string_view body = text.substr(begin.size(), stop - begin.size());
        std::string b64;
        bool continued = false;
        while (!body.empty()) {
            auto nl = body.find('\n');
            std::string_view line = body.substr(0, nl);
            body.remove_prefix(nl == std::string_view::npos ? body.size() : nl + 1);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            bool header = continued || line.find(':') != std::string_view::npos;
            continued = header && !line.empty() && line.back() == '\\';
            if (!header) b64 += strip_space(line);
        }
        return base64_decode(b64);
    }
    auto space = text.find(' ');
    std::string_view first = text.substr(0, space);
    if (first == "ssh-rsa" || first == "ssh-ed25519") {
        if (space == std::string_view::npos) return std::nullopt;
        std::string_view rest = text.substr(space + 1);
        auto blob = base64_decode(rest.substr(0, rest.find_first_of(" \r\n")));
        // The line's label and the blob's own type must agree, as OpenSSH requires.
        if (!blob || WireReader{*blob}.string() != first) return std::nullopt;
        return blob;
    }
    // Base64 of a DER SubjectPublicKeyInfo.
    auto bytes = base64_decode(strip_space(text));
    if (!bytes) return std::nullopt;
    const auto* p = reinterpret_cast<const unsigned char*>(bytes->data());
    Pkey key(d2i_PUBKEY(nullptr, &p, static_cast<long>(bytes->size())));
    if (!key) return std::nullopt;
    if (EVP_PKEY_is_a(key.get(), "RSA")) {
        Bn n = bn_param(key.get(), OSSL_PKEY_PARAM_RSA_N),
           e = bn_param(key.get(), OSSL_PKEY_PARAM_RSA_E);
        return rsa_public_blob(e.get(), n.get());
    }
    if (EVP_PKEY_is_a(key.get(), "ED25519")) return ed25519_public_blob(raw_key(key.get(), false));
    return std::nullopt;
}

}  // namespace

std::optional<ImportedKey> parse_public_key(std::string_view text) {
    auto blob = public_blob(text);
    if (!blob) return std::nullopt;
    WireReader r{*blob};
    std::string_view type = r.string();
    ImportedKey out;
    if (type == "ssh-ed25519") {
        std::string_view pub = r.string();
        if (!r.ok || pub.size() != 32 || !r.rest.empty()) return std::nullopt;
        out.type = "ed25519";
        out.public_key = ssh_line(*blob);
        out.fingerprint = ed25519_fingerprint(*blob);
        return out;
    }
    if (type != "ssh-rsa") return std::nullopt;
    std::string_view e = r.string(), n = r.string();
    if (!r.ok || !r.rest.empty() || e.empty() || n.empty()) return std::nullopt;
    // Negative mpints are not keys.
    if ((static_cast<unsigned char>(e[0]) & 0x80) || (static_cast<unsigned char>(n[0]) & 0x80))
        return std::nullopt;
    auto as_bn = [](std::string_view v) {
        return Bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(v.data()),
                            static_cast<int>(v.size()), nullptr));
    };
    Bn bn_e = as_bn(e), bn_n = as_bn(n);
    if (!bn_e || !bn_n) return std::nullopt;
    int bits = BN_num_bits(bn_n.get());
    if (bits < 1024 || bits > 16384 || BN_is_zero(bn_e.get()) || !BN_is_odd(bn_n.get()))
        return std::nullopt;
    std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(),
                                                                          OSSL_PARAM_BLD_free);
    if (!build || !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
        !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()))
        openssl_failed("build RSA parameters");
    std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(
        OSSL_PARAM_BLD_to_param(build.get()), OSSL_PARAM_free);
    std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
        EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), EVP_PKEY_CTX_free);
    EVP_PKEY* raw = nullptr;
    if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
        EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0)
        return std::nullopt;
    Pkey key(raw);
    out.type = "rsa";
    out.public_key = ssh_line(*blob);
    out.fingerprint = colon_hex(md5(der(spki_der, key.get())));
    return out;
}

}  // namespace fogbank::ec2
