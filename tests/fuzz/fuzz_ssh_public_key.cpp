// ImportKeyPair's public key reader (OpenSSH lines, RFC 4716 blocks, base64 DER) on raw bytes:
// a key it accepts reads back to itself from its own OpenSSH line, with the same fingerprint.
#include "services/ec2/key_material.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace fogbank;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto in = fuzz::bytes(data, size);
    auto key = ec2::parse_public_key(in);
    if (key) {
        fuzz::check(key->type == "rsa" || key->type == "ed25519", "a known key type");
        auto again = ec2::parse_public_key(key->public_key);
        fuzz::check(again && again->fingerprint == key->fingerprint,
                    "an accepted key reads back to itself");
    }
    return 0;
}
