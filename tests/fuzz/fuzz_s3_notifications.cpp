// PutBucketNotificationConfiguration: the XML configuration, its event names and filter rules,
// checked as S3 checks them, then stored and read back.
#include "tests/fuzz/s3_world.hpp"

using namespace fogbank;

namespace {

struct World : fuzz::S3World {
    World() {
        // Every destination exists, so a configuration gets past the checks into storage.
        s3.notifications().set_hooks({[](const std::string&) { return true; },
                                      [](const std::string&, const std::string&) {},
                                      [](const std::string&) { return true; },
                                      [](const std::string&, const std::string&) {}});
        call("PUT /fuzz HTTP/1.1\r\n", "");
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static int q = fuzz::quiet();
    (void)q;
    static World w;
    Response res = w.call("PUT /fuzz?notification HTTP/1.1\r\n", fuzz::bytes(data, size));
    if (res.status == 200) {
        Response back = w.call("GET /fuzz?notification HTTP/1.1\r\n", "");
        fuzz::check(back.status == 200, "a stored configuration reads back");
    }
    return 0;
}
