#include "services/dynamodb/dynamodb_service.hpp"

#include <zlib.h>

#include "emulator/protocol/aws_json.hpp"

namespace fogbank::dynamodb {

namespace {

constexpr std::string_view kJsonType = "application/x-amz-json-1.0";
constexpr std::string_view kNamespace = "com.amazonaws.dynamodb.v20120810";

// botocore and the JS SDK check this header against the body when it is present.
void sign_body(Response& res) {
    const std::string& body = res.body;
    uLong crc =
        crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()));
    res.headers.set("x-amz-crc32", std::to_string(crc));
}

}  // namespace

Response DynamoDbService::handle(Request& req) {
    std::string op = aws_json::operation(req);
    req.operation = op;
    // DynamoDB Streams is signed as dynamodb too: its target prefix tells it apart.
    bool streams =
        req.header_view("x-amz-target").value_or("").rfind("DynamoDBStreams_20120810.", 0) == 0;
    if (streams ? !backend_.knows_streams(op) : !backend_.knows(op))
        throw AwsError("com.amazon.coral.service#UnknownOperationException",
                       op.empty() ? "Missing X-Amz-Target" : "Unknown operation: " + op, 400);
    json in = aws_json::parse(req);
    auto host = req.header("host");
    Caller caller{req.account, req.region,
                  host && !host->empty() ? *host : cfg_.host + ":" + std::to_string(cfg_.port)};
    json out;
    std::string text;
    caller.answer_text = &text;
    try {
        out = streams ? backend_.call_streams(op, caller, in) : backend_.call(op, caller, in);
    } catch (const json::exception& e) {
        // A member of the wrong JSON type (a string where a number goes, ...): what AWS's
        // front end answers before the operation runs.
        throw AwsError("SerializationException",
                       std::string("Unexpected value type in payload: ") + e.what(), 400);
    }
    Response res;
    if (!text.empty()) {
        res.headers.set("Content-Type", kJsonType);
        res.body = std::move(text);
    } else {
        res = aws_json::response(out, kJsonType);
    }
    res.headers.set("x-amzn-RequestId", req.request_id);
    sign_body(res);
    return res;
}

Response DynamoDbService::error_response(const AwsError& err, const RequestHead& head) const {
    // Input errors come from AWS's shared front end, with its own namespaces.
    std::string_view ns = kNamespace;
    if (err.code() == "ValidationException") ns = "com.amazon.coral.validate";
    if (err.code() == "SerializationException") ns = "com.amazon.coral.service";
    Response res = aws_json::error_response(err, head, ns, kJsonType);
    sign_body(res);
    return res;
}

}  // namespace fogbank::dynamodb
