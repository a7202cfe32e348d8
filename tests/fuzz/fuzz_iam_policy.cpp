// IAM policy documents as CreateRole (trust policy), PutRolePolicy and CreatePolicy read them,
// through the IAM service on in-memory state. The first byte picks the operation.
#include "emulator/database.hpp"
#include "emulator/encoding.hpp"
#include "services/iam/iam_service.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace fogbank;

namespace {

struct World {
    Database db{""};
    iam::IamService iam{db};
    Response call(const std::string& form) {
        auto req = fuzz::request_for(iam,
                                     "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                                     "application/x-www-form-urlencoded\r\n",
                                     form);
        if (!req) return {};
        return fuzz::handle(iam, *req);
    }
    void setup() {
        iam.reset();
        call("Action=CreateRole&RoleName=r&AssumeRolePolicyDocument=" +
             uri_encode(R"({"Version":"2012-10-17","Statement":[]})"));
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    World& w = fuzz::world<World>(512);
    static unsigned runs = 0;
    ++runs;
    if (size == 0) return 0;
    std::string doc = uri_encode(fuzz::bytes(data + 1, size - 1));
    switch (data[0] % 4) {
        case 0:
            w.call("Action=CreateRole&RoleName=x" + std::to_string(runs % 64) +
                   "&AssumeRolePolicyDocument=" + doc);
            break;
        case 1:
            w.call("Action=PutRolePolicy&RoleName=r&PolicyName=p&PolicyDocument=" + doc);
            break;
        case 2:
            w.call("Action=CreatePolicy&PolicyName=p" + std::to_string(runs % 64) +
                   "&PolicyDocument=" + doc);
            break;
        default:
            w.call("Action=UpdateAssumeRolePolicy&RoleName=r&PolicyDocument=" + doc);
            break;
    }
    return 0;
}
