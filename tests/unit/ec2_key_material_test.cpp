// EC2's key pair formats: public keys read from OpenSSH, RFC 4716 and DER, and the fingerprints
// EC2 gives them. The expected fingerprints were computed by ssh-keygen and openssl, not by
// fogbank (`ssh-keygen -l -E sha256`; `ssh-keygen -e -m PKCS8 | openssl pkey -pubin -outform DER
// | openssl md5 -c`).
#include <gtest/gtest.h>

#include "emulator/encoding.hpp"
#include "services/ec2/key_material.hpp"

using namespace fogbank;
using namespace fogbank::ec2;

namespace {

constexpr const char* kEd25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJb5lnD1jXKFROJ5ILyYkoVD8lQZZEqa1JKXwrmDUcBD fixture\n";
constexpr const char* kEd25519Sha256 = "7FPRB3EhO9ykh2ttO27n/z8CMprCaY6RfzxOiCzC3cs=";
constexpr const char* kRsa1024 =
    "ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAAAgQDUEhq20RlcOSSpeHxzJlSGuH5LWuoLfmh/"
    "8T0toozYlZQRlzXAZqUBINH2UhO1caUOLRDaGIJJXX2S0EELPYbw9gJdvb0i1v1lUKft209aN4MljFBBjQP4HL0pqmv8pz"
    "JVxufbwMH7XlMN/7wGaq4UkNUh1BFBlAvAjiiJF2grcQ== fixture";
constexpr const char* kRsa1024Md5 = "2b:43:78:20:61:7f:54:64:d5:06:59:d8:6a:c7:16:17";

TEST(Ec2KeyMaterial, OpenSshPublicKeysHaveEc2sFingerprints) {
    auto ed = parse_public_key(kEd25519);
    ASSERT_TRUE(ed);
    EXPECT_EQ(ed->type, "ed25519");
    EXPECT_EQ(ed->fingerprint, kEd25519Sha256);
    EXPECT_EQ(ed->public_key.rfind("ssh-ed25519 AAAAC3Nza", 0), 0u);
    auto rsa = parse_public_key(kRsa1024);
    ASSERT_TRUE(rsa);
    EXPECT_EQ(rsa->type, "rsa");
    EXPECT_EQ(rsa->fingerprint, kRsa1024Md5);
}

TEST(Ec2KeyMaterial, Rfc4716WithContinuedHeadersReadsTheSameKey) {
    std::string blob = std::string(kEd25519).substr(12, 68);
    std::string rfc =
        "---- BEGIN SSH2 PUBLIC KEY ----\r\n"
        "Comment: \"a comment that \\\n"
        "continues: here\"\r\n" +
        blob.substr(0, 30) + "\n" + blob.substr(30) + "\n---- END SSH2 PUBLIC KEY ----\n";
    auto key = parse_public_key(rfc);
    ASSERT_TRUE(key);
    EXPECT_EQ(key->fingerprint, kEd25519Sha256);
    EXPECT_FALSE(parse_public_key("---- BEGIN SSH2 PUBLIC KEY ----\n" + blob));  // no end line
}

TEST(Ec2KeyMaterial, WhatIsNotAnRsaOrEd25519KeyIsRefused) {
    EXPECT_FALSE(parse_public_key(""));
    EXPECT_FALSE(parse_public_key("ssh-ed25519"));
    EXPECT_FALSE(parse_public_key("ssh-ed25519 !!!!"));
    // Truncated: the blob's last bytes cut off.
    EXPECT_FALSE(parse_public_key(
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJb5lnD1jXKFROJ5ILyYkoVD8lQZZEqa1JKXwrmDUc"));
    // A DSA key, and an RSA blob claiming to be ED25519.
    EXPECT_FALSE(parse_public_key("ssh-dss AAAAB3NzaC1kc3MAAACBAP"));
    std::string rsa_blob = std::string(kRsa1024).substr(8);
    EXPECT_FALSE(parse_public_key("ssh-ed25519 " + rsa_blob));
    EXPECT_FALSE(parse_public_key(base64_encode("plain text, not DER")));
}

TEST(Ec2KeyMaterial, GeneratedKeysReadBackToTheirOwnPublicHalf) {
    for (const char* type : {"rsa", "ed25519"}) {
        GeneratedKey made = generate_key(type, "pem", "name");
        auto read = parse_public_key(made.public_key);
        ASSERT_TRUE(read) << type;
        EXPECT_EQ(read->public_key, made.public_key);
        EXPECT_EQ(read->type, type);
        // ED25519's fingerprint does not depend on how the key came to be; RSA's does.
        if (std::string(type) == "ed25519") {
            EXPECT_EQ(read->fingerprint, made.fingerprint);
        } else {
            EXPECT_NE(read->fingerprint, made.fingerprint);
        }
    }
    EXPECT_EQ(generate_key("rsa", "pem", "n").material.rfind("-----BEGIN RSA PRIVATE KEY-----", 0),
              0u);
    EXPECT_EQ(generate_key("ed25519", "ppk", "n").material.rfind("PuTTY-User-Key-File-2: ", 0), 0u);
}

}  // namespace
