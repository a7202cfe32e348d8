// SigV4's Authorization header, credential scope and presigned query, and SigV2's presigned
// query: what every request's identity is read from, signed or not.
#include "emulator/encoding.hpp"
#include "emulator/sigv2.hpp"
#include "emulator/sigv4.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace fogbank;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto parts = fuzz::split(fuzz::bytes(data, size), 3);
    try {
        if (auto a = parse_authorization_header(parts[0], parts[1])) {
            // What the parser accepted must be usable for a signature without throwing.
            (void)a->credential.scope();
            (void)signing_key("secret", a->credential);
        }
    } catch (const AwsError&) {
    }
    (void)parse_credential(parts[0]);
    auto query = parse_form(parts[2]);
    try {
        (void)parse_presigned_query(query);
    } catch (const AwsError&) {
    }
    try {
        (void)parse_sigv2_query(query);
    } catch (const AwsError&) {
    }
    (void)canonical_query_string(query, true);
    (void)canonical_uri(parts[1], true);
    (void)canonical_uri(parts[1], false);
    return 0;
}
