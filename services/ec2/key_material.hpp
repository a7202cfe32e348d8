// Key pairs as EC2 makes and reads them: CreateKeyPair's private keys (RSA 2048 as PKCS#1 PEM,
// ED25519 in OpenSSH's own format, either as a PuTTY .ppk), ImportKeyPair's public keys
// (an OpenSSH line, RFC 4716, or base64 DER), and EC2's fingerprints of each, which differ by
// how the key came to be (see fingerprint below).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fogbank::ec2 {

struct GeneratedKey {
    std::string material;     // what CreateKeyPair returns as keyMaterial
    std::string public_key;   // "ssh-rsa AAAA..." without a comment
    std::string fingerprint;  // RSA: SHA-1 of the PKCS#8 DER private key; ED25519: SHA-256
};

// type: "rsa" or "ed25519"; format: "pem" or "ppk". `comment` goes into formats that carry one.
GeneratedKey generate_key(const std::string& type, const std::string& format,
                          const std::string& comment);

struct ImportedKey {
    std::string type;         // "rsa" or "ed25519"
    std::string public_key;   // "ssh-rsa AAAA..." without a comment
    std::string fingerprint;  // RSA: MD5 of the DER public key; ED25519: SHA-256
};

// The public key in `text`, or nullopt when it is not an RSA (1024 to 16384 bits) or ED25519
// public key in one of the formats EC2 accepts.
std::optional<ImportedKey> parse_public_key(std::string_view text);

}  // namespace fogbank::ec2
