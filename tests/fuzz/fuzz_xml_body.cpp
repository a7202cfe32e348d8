// S3's XML request bodies through the real handlers: tagging, CORS, ACLs, versioning, the
// CreateBucket configuration, DeleteObjects and CompleteMultipartUpload, on an in-memory store
// holding a bucket, an object and an open multipart upload, and a versioned bucket whose key
// has two versions under a delete marker (DeleteObjects by version, copies from a version), and
// an ObjectWriter bucket whose ACLs are stored (grant headers, AccessControlPolicy bodies). The
// input's first byte picks the operation; the text up to the first NUL adds header lines; the rest
// is the body.
#include "emulator/protocol/rest_xml.hpp"
#include "tests/fuzz/s3_world.hpp"

using namespace fogbank;

namespace {

struct World : fuzz::S3World {
    std::string upload_id;

    void setup() {
        s3.reset();
        call("PUT /fuzz HTTP/1.1\r\n", "");
        call("PUT /fuzz/a HTTP/1.1\r\n", "hello");
        Response r = call("POST /fuzz/big?uploads HTTP/1.1\r\n", "");
        auto doc = rest_xml::parse(r.body);
        upload_id = rest_xml::child_text(doc.document_element(), "UploadId");
        fuzz::check(!upload_id.empty(), "the fixture's upload started");
        call("PUT /fuzz/big?partNumber=1&uploadId=" + upload_id + " HTTP/1.1\r\n", "part");
        call("PUT /fuzzv HTTP/1.1\r\n", "");
        call("PUT /fuzzv?versioning HTTP/1.1\r\n",
             "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>");
        call("PUT /fuzzv/a HTTP/1.1\r\n", "one");
        call("PUT /fuzzv/a HTTP/1.1\r\n", "two");
        call("DELETE /fuzzv/a HTTP/1.1\r\n", "");
        call("PUT /fuzza HTTP/1.1\r\nx-amz-object-ownership: ObjectWriter\r\n", "");
        call("DELETE /fuzza?publicAccessBlock HTTP/1.1\r\n", "");
        call("PUT /fuzza/a HTTP/1.1\r\n", "acl");
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    World& w = fuzz::world<World>(256);
    if (size == 0) return 0;
    auto parts = fuzz::split(fuzz::bytes(data + 1, size - 1), 2);
    std::string headers;
    for (char c : parts[0])
        if (c != '\r') headers += c == '\n' ? std::string("\r\n") : std::string(1, c);
    if (!headers.empty() && headers.back() != '\n') headers += "\r\n";
    static const char* const targets[] = {
        "PUT /fuzz?tagging",  "PUT /fuzz/a?tagging", "PUT /fuzz?cors",
        "PUT /fuzz?acl",      "PUT /fuzz/a?acl",     "PUT /fuzz?versioning",
        "PUT /fuzz2",         "POST /fuzz?delete",   "POST /fuzz/big?uploadId=",
        "OPTIONS /fuzz/a",    "GET /fuzz/a",         "GET /fuzz?list-type=2&prefix=a",
        "POST /fuzzv?delete", "PUT /fuzzv/c",        "GET /fuzzv?versions&max-keys=1",
        "PUT /fuzza?acl",     "PUT /fuzza/a?acl",    "PUT /fuzza/b"};
    std::string target = targets[data[0] % (sizeof targets / sizeof *targets)];
    if (target.back() == '=') target += w.upload_id;
    w.call(target + " HTTP/1.1\r\n" + headers, parts[1]);
    return 0;
}
