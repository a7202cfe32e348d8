#include "services/sqs/sqs_service.hpp"

#include <algorithm>
#include <set>

#include "emulator/protocol/aws_json.hpp"
#include "emulator/protocol/aws_query.hpp"
#include "services/sqs/query_codec.hpp"

namespace fogbank::sqs {

namespace {

constexpr std::string_view kXmlns = "http://queue.amazonaws.com/doc/2012-11-05/";
constexpr std::string_view kJsonType = "application/x-amz-json-1.0";

bool speaks_json(const RequestHead& head) {
    // fogbank's own views of SQS (peek) answer in the JSON protocol's shape, errors too.
    return head.header_view("x-amz-target").has_value() ||
           head.path.rfind("/_fogbank/sqs/", 0) == 0;
}

}  // namespace

std::string query_error_code(const std::string& code) {
    static const std::map<std::string, std::string> legacy = {
        {"QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue"},
        {"QueueNameExists", "QueueAlreadyExists"},
        {"QueueDeletedRecently", "AWS.SimpleQueueService.QueueDeletedRecently"},
        {"PurgeQueueInProgress", "AWS.SimpleQueueService.PurgeQueueInProgress"},
        {"MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight"},
        {"BatchEntryIdsNotDistinct", "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"},
        {"BatchRequestTooLong", "AWS.SimpleQueueService.BatchRequestTooLong"},
        {"EmptyBatchRequest", "AWS.SimpleQueueService.EmptyBatchRequest"},
        {"InvalidBatchEntryId", "AWS.SimpleQueueService.InvalidBatchEntryId"},
        {"TooManyEntriesInBatchRequest", "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"},
        {"UnsupportedOperation", "AWS.SimpleQueueService.UnsupportedOperation"},
    };
    auto it = legacy.find(code);
    return it == legacy.end() ? code : it->second;
}

Response SqsService::handle(Request& req) {
    if (req.path == "/_fogbank/sqs/messages") return peek(req);
    bool json_wire = speaks_json(req);
    std::string op;
    json in;
    if (json_wire) {
        op = aws_json::operation(req);
        req.operation = op;
        if (!backend_.knows(op))
            throw AwsError("com.amazon.coral.service#UnknownOperationException",
                           "Operation " + op + " is not supported by SQS.", 400);
        in = aws_json::parse(req);
    } else {
        auto params = aws_query::params(req);
        auto action = params.find("Action");
        if (action == params.end())
            throw AwsError("MissingAction", "The request must contain the parameter Action.", 400);
        op = action->second;
        req.operation = op;
        in = query_to_json(params, op);
    }
    // Older clients send queue operations to the queue's URL instead of naming it.
    if (!in.contains("QueueUrl") && op != "CreateQueue" && op != "GetQueueUrl" &&
        op != "ListQueues" && std::count(req.path.begin(), req.path.end(), '/') == 2 &&
        req.path.size() > 3)
        in["QueueUrl"] = req.path;

    Caller caller{req.account, req.region, {}};
    auto host = req.header("host");
    caller.endpoint =
        "http://" + (!cfg_.advertised_host.empty() ? cfg_.advertised_host
                     : host && !host->empty()      ? *host
                                                   : cfg_.host + ":" + std::to_string(cfg_.port));

    if (op == "ReceiveMessage") {
        auto r = std::make_shared<ReceiveRequest>(backend_.prepare_receive(caller, in));
        SteadyTime recheck = SteadyTime::max();
        if (auto out = backend_.receive(*r, nullptr, r->wait_seconds == 0, recheck))
            return encode(req, op, *out);
        // Nothing yet: the server parks the request and asks again on each wake-up.
        auto poll = std::make_shared<LongPoll>();
        poll->deadline = std::chrono::steady_clock::now() + std::chrono::seconds(r->wait_seconds);
        RequestHead head = req;
        poll->attempt = [this, r, head, op](const std::shared_ptr<Waker>& waker, bool last,
                                            SteadyTime& when) -> std::optional<Response> {
            auto out = backend_.receive(*r, waker, last, when);
            if (!out) return std::nullopt;
            return encode(head, op, *out);
        };
        Response res;
        res.long_poll = std::move(poll);
        return res;
    }
    return encode(req, op, backend_.call(op, caller, in));
}

// GET /_fogbank/sqs/messages?QueueUrl=...&MaxMessages=N: the console's look at a queue that
// leaves it as it was (Backend::peek). Answered in SQS's JSON shape, errors included.
Response SqsService::peek(Request& req) {
    req.operation = "PeekMessages";
    if (req.method != http::verb::get) throw AwsError("InvalidAction", "GET " + req.path, 405);
    json in = json::object();
    if (auto url = req.query_param("QueueUrl")) in["QueueUrl"] = *url;
    size_t max = 100;
    if (auto n = req.query_param("MaxMessages")) {
        char* end = nullptr;
        unsigned long v = std::strtoul(n->c_str(), &end, 10);
        if (n->empty() || *end || v < 1 || v > 1000)
            throw AwsError("InvalidParameterValue", "MaxMessages must be a number from 1 to 1000",
                           400);
        max = v;
    }
    Caller caller{req.account, req.region, {}};
    Response res = aws_json::response(backend_.peek(caller, in, max), kJsonType);
    res.headers.set("x-amzn-RequestId", req.request_id);
    return res;
}

Response SqsService::encode(const RequestHead& head, const std::string& op, const json& out) const {
    if (speaks_json(head)) {
        Response res = aws_json::response(out, kJsonType);
        res.headers.set("x-amzn-RequestId", head.request_id);
        return res;
    }
    // Operations without output answer with ResponseMetadata alone, as AWS does.
    static const std::set<std::string> no_result = {
        "DeleteQueue", "SetQueueAttributes",     "PurgeQueue", "DeleteMessage", "TagQueue",
        "UntagQueue",  "ChangeMessageVisibility"};
    aws_query::ResultDocument doc(op, kXmlns, head.request_id, !no_result.count(op));
    write_result(doc.result, out, op);
    return doc.response();
}

Response SqsService::error_response(const AwsError& err, const RequestHead& head) const {
    if (speaks_json(head)) {
        Response res = aws_json::error_response(err, head, "com.amazonaws.sqs", kJsonType);
        res.headers.set("x-amzn-query-error", query_error_code(err.code()) + ";" +
                                                  (err.status() >= 500 ? "Receiver" : "Sender"));
        return res;
    }
    return aws_query::error_response(err, query_error_code(err.code()), head, kXmlns);
}

}  // namespace fogbank::sqs
