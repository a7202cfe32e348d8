// The streams.dynamodb API on a backend holding a streaming table with a few records: the
// input's first byte picks ListStreams, DescribeStream, GetShardIterator or GetRecords, the rest
// is its JSON input. When it is not JSON it is sent as a ShardIterator, the opaque text the
// iterator decoder parses. Whatever comes in, the answer is a result or an AwsError.
#include <nlohmann/json.hpp>

#include "emulator/aws_error.hpp"
#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "emulator/json_limits.hpp"
#include "services/dynamodb/backend.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace fogbank;
using namespace fogbank::dynamodb;

namespace {

struct World {
    Config cfg;
    Database db{""};
    Backend backend{cfg, db};
    Caller caller{"000000000000", "us-east-1", "localhost:4566"};
    std::string arn, shard, iterator;

    World() {
        json create = json::parse(R"({"TableName": "fuzz", "BillingMode": "PAY_PER_REQUEST",
            "KeySchema": [{"AttributeName": "k", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "k", "AttributeType": "S"}],
            "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_AND_OLD_IMAGES"}})");
        backend.call("CreateTable", caller, create);
        for (auto v : {"1", "2"}) {
            json put = {{"TableName", "fuzz"}, {"Item", {{"k", {{"S", "a"}}}, {"v", {{"N", v}}}}}};
            backend.call("PutItem", caller, put);
        }
        json list = json::object();
        arn = backend.call_streams("ListStreams", caller, list)["Streams"][0]["StreamArn"];
        json describe = {{"StreamArn", arn}};
        shard = backend.call_streams("DescribeStream", caller,
                                     describe)["StreamDescription"]["Shards"][0]["ShardId"];
        json get = {{"StreamArn", arn}, {"ShardId", shard}, {"ShardIteratorType", "TRIM_HORIZON"}};
        iterator = backend.call_streams("GetShardIterator", caller, get)["ShardIterator"];
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static World w;
    if (size == 0) return 0;
    static const char* const ops[] = {"ListStreams", "DescribeStream", "GetShardIterator",
                                      "GetRecords"};
    std::string op = ops[data[0] % 4];
    std::string_view rest = fuzz::bytes(data + 1, size - 1);
    json in = parse_json(rest);
    if (in.is_discarded() || !in.is_object()) in = {{"ShardIterator", std::string(rest)}};
    // Inputs that name the fixture's stream reach past the lookups.
    if (in.contains("StreamArn") && in["StreamArn"] == "A") in["StreamArn"] = w.arn;
    if (in.contains("ShardId") && in["ShardId"] == "S") in["ShardId"] = w.shard;
    if (in.contains("ShardIterator") && in["ShardIterator"] == "I")
        in["ShardIterator"] = w.iterator;
    try {
        json out = w.backend.call_streams(op, w.caller, in);
        fuzz::check(out.is_object(), "an answer is an object");
    } catch (const AwsError&) {
    } catch (const json::exception&) {
        // A member of the wrong JSON type: the service answers SerializationException.
    }
    return 0;
}
