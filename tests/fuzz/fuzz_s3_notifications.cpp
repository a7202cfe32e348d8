// PutBucketNotificationConfiguration: the XML configuration, its event names and filter rules,
// checked as S3 checks them, then stored and read back.
#include "emulator/blob_store.hpp"
#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "services/s3/s3_service.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace fogbank;

namespace {

struct World {
    Config cfg;
    Database db{""};
    BlobStore blobs{{}};
    s3::S3Service s3{cfg, db, blobs};
    World() {
        // Every destination exists, so a configuration gets past the checks into storage.
        s3.notifications().set_hooks({[](const std::string&) { return true; },
                                      [](const std::string&, const std::string&) {},
                                      [](const std::string&) { return true; },
                                      [](const std::string&, const std::string&) {}});
        auto req = fuzz::request_for(s3, "PUT /fuzz HTTP/1.1\r\nHost: localhost\r\n", "",
                                     blobs.spool_dir());
        fuzz::handle(s3, *req);
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static int q = fuzz::quiet();
    (void)q;
    static World w;
    auto put = fuzz::request_for(w.s3, "PUT /fuzz?notification HTTP/1.1\r\nHost: localhost\r\n",
                                 fuzz::bytes(data, size));
    if (!put) return 0;
    Response res = fuzz::handle(w.s3, *put);
    if (res.status == 200) {
        auto get =
            fuzz::request_for(w.s3, "GET /fuzz?notification HTTP/1.1\r\nHost: localhost\r\n", "");
        Response back = fuzz::handle(w.s3, *get);
        fuzz::check(back.status == 200, "a stored configuration reads back");
    }
    return 0;
}
