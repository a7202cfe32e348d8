// S3's bucket configuration documents and bucket policies through the real handlers, on an
// in-memory store holding a bucket (public access block removed, so public policies are
// stored) and an object: the input's first byte picks the sub-resource, the rest is the body.
// Every input is followed by a GET of the object and of its attributes, which evaluate
// whatever policy the input left behind.
#include "tests/fuzz/s3_world.hpp"

using namespace fogbank;

namespace {

struct World : fuzz::S3World {
    void setup() {
        S3World::setup();
        call("PUT /fuzz/a HTTP/1.1\r\n", "hello");
        call("PUT /fuzz2 HTTP/1.1\r\n", "");
        call("DELETE /fuzz?publicAccessBlock HTTP/1.1\r\n", "");
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    World& w = fuzz::world<World>(256);
    if (size == 0) return 0;
    static const char* const subresources[] = {
        "lifecycle",         "encryption",  "logging",     "website",
        "requestPayment",    "accelerate",  "replication", "ownershipControls",
        "publicAccessBlock", "object-lock", "policy"};
    std::string sub = subresources[data[0] % (sizeof subresources / sizeof *subresources)];
    w.call("PUT /fuzz?" + sub + " HTTP/1.1\r\n", fuzz::bytes(data + 1, size - 1));
    w.call("GET /fuzz?" + sub + " HTTP/1.1\r\n", "");
    w.call("GET /fuzz/a HTTP/1.1\r\n", "");
    w.call("GET /fuzz/a?attributes HTTP/1.1\r\nx-amz-object-attributes: ETag,Checksum\r\n", "");
    return 0;
}
