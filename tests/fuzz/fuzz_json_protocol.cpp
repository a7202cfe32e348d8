// The JSON protocols' request decoding through real services: DynamoDB (JSON 1.0) and SQS
// (JSON 1.0, and the query protocol's form bodies), on in-memory state with a table and a
// queue, plus the REST-JSON body reader. The first byte picks the service and operation; the
// rest is the body.
#include <nlohmann/json.hpp>

#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "emulator/protocol/aws_json.hpp"
#include "emulator/protocol/rest_json.hpp"
#include "services/dynamodb/dynamodb_service.hpp"
#include "services/sqs/sqs_service.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace fogbank;

namespace {

struct World {
    Config cfg;
    Database db{""};
    dynamodb::DynamoDbService ddb{cfg, db};
    sqs::SqsService sqs{cfg, db};

    Response call(Service& svc, const std::string& target, std::string_view body,
                  bool query = false) {
        std::string head = query ? "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                                   "application/x-www-form-urlencoded\r\n"
                                 : "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                                   "application/x-amz-json-1.0\r\nX-Amz-Target: " +
                                       target + "\r\n";
        auto req = fuzz::request_for(svc, head, body);
        if (!req) return {};
        return fuzz::handle(svc, *req);
    }
    void setup() {
        ddb.reset();
        sqs.reset();
        call(ddb, "DynamoDB_20120810.CreateTable", R"({"TableName":"t",
            "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},
                                    {"AttributeName":"sk","AttributeType":"N"}],
            "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},
                         {"AttributeName":"sk","KeyType":"RANGE"}],
            "BillingMode":"PAY_PER_REQUEST"})");
        call(ddb, "DynamoDB_20120810.PutItem",
             R"({"TableName":"t","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"l":{"L":[]}}})");
        call(sqs, "AmazonSQS.CreateQueue", R"({"QueueName":"q"})");
    }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    World& w = fuzz::world<World>(512);
    if (size == 0) return 0;
    static const char* const dynamodb_ops[] = {"PutItem",
                                               "GetItem",
                                               "UpdateItem",
                                               "DeleteItem",
                                               "Query",
                                               "Scan",
                                               "BatchWriteItem",
                                               "BatchGetItem",
                                               "TransactWriteItems",
                                               "TransactGetItems",
                                               "ExecuteStatement",
                                               "BatchExecuteStatement",
                                               "CreateTable",
                                               "UpdateTable",
                                               "DescribeTable",
                                               "ListTables",
                                               "TagResource",
                                               "UpdateTimeToLive"};
    static const char* const sqs_ops[] = {"SendMessage",
                                          "SendMessageBatch",
                                          "ReceiveMessage",
                                          "DeleteMessageBatch",
                                          "ChangeMessageVisibilityBatch",
                                          "SetQueueAttributes",
                                          "GetQueueAttributes",
                                          "CreateQueue",
                                          "TagQueue",
                                          "ListQueues"};
    constexpr unsigned n_ddb = sizeof dynamodb_ops / sizeof *dynamodb_ops;
    constexpr unsigned n_sqs = sizeof sqs_ops / sizeof *sqs_ops;
    std::string_view body = fuzz::bytes(data + 1, size - 1);
    unsigned pick = data[0] % (n_ddb + n_sqs + 2);
    if (pick < n_ddb) {
        w.call(w.ddb, std::string("DynamoDB_20120810.") + dynamodb_ops[pick], body);
    } else if (pick < n_ddb + n_sqs) {
        // ReceiveMessage would long-poll with WaitTimeSeconds; the handler answers at once when
        // it is absent, and a long poll is only a deferred answer here.
        w.call(w.sqs, std::string("AmazonSQS.") + sqs_ops[pick - n_ddb], body);
    } else if (pick == n_ddb + n_sqs) {
        w.call(w.sqs, "", body, true);  // query protocol: Action=...&QueueUrl=...
    } else {
        Request req = fuzz::request_with_body(body);
        try {
            auto j = rest_json::parse(req, "InvalidRequestContentException");
            fuzz::check(j.is_object(), "a REST-JSON body is an object");
        } catch (const AwsError&) {
        }
    }
    return 0;
}
