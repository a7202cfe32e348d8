// Invoke: RequestResponse waits for the sandbox's answer as a long poll (no thread waits with
// it); Event queues the invocation (async_invoke.cpp) and answers 202; DryRun only checks.
#include "emulator/encoding.hpp"
#include "emulator/json_limits.hpp"
#include "services/lambda/backend.hpp"

namespace fogbank::lambda {

namespace {

constexpr size_t kMaxSyncPayload = 6291456;
constexpr size_t kMaxEventPayload = 1048576;
constexpr size_t kTailBytes = 4096;

}  // namespace

Response Backend::invoke(Call& c) {
    std::string type = c.req.header("X-Amz-Invocation-Type").value_or("RequestResponse");
    if (type != "RequestResponse" && type != "Event" && type != "DryRun")
        throw AwsError("ValidationException",
                       "1 validation error detected: Value '" + type +
                           "' at 'invocationType' failed to satisfy constraint: Member must "
                           "satisfy enum value set: [Event, RequestResponse, DryRun]",
                       400);
    std::string log_type = c.req.header("X-Amz-Log-Type").value_or("None");
    if (log_type != "None" && log_type != "Tail")
        throw AwsError("ValidationException",
                       "1 validation error detected: Value '" + log_type +
                           "' at 'logType' failed to satisfy constraint: Member must satisfy "
                           "enum value set: [Tail, None]",
                       400);
    std::string payload = c.req.body.text();
    size_t limit = type == "Event" ? kMaxEventPayload : kMaxSyncPayload;
    if (payload.size() > limit)
        throw AwsError("RequestTooLargeException",
                       "Request must be smaller than " + std::to_string(limit) +
                           " bytes for the InvokeFunction operation",
                       413);
    if (!payload.empty()) {
        auto parsed = fogbank::parse_json(payload);
        if (parsed.is_discarded())
            throw AwsError("InvalidRequestContentException",
                           "Could not parse request body into json: Could not parse payload into "
                           "json: Unexpected character: was expecting a JSON value",
                           400);
    }
    std::string client_context;
    if (auto cc = c.req.header("X-Amz-Client-Context"); cc && !cc->empty()) {
        auto decoded = base64_decode(*cc);
        if (!decoded || fogbank::parse_json(*decoded).is_discarded())
            throw AwsError("InvalidRequestContentException",
                           "Client context must be a valid Base64-encoded JSON object.", 400);
        client_context = *decoded;
    }
    std::string qualifier = c.req.query_param("Qualifier").value_or("");

    std::shared_ptr<const FunctionSpec> spec;
    std::string version;
    {
        std::lock_guard lock(mu_);
        Resolved r = resolve(c.account(), c.region(), c.params.at("FunctionName"), qualifier);
        if (type == "Event") {
            std::string id = enqueue_event(r, payload);
            Response res;
            res.status = 202;
            res.headers.set("x-amzn-RequestId", id);
            return res;
        }
        version = r.version;
        spec = spec_for(r);
    }
    if (type == "DryRun") {
        return rest_json::empty(204);
    }

    auto inv = sandboxes_.invoke(spec, std::move(payload), std::move(client_context));
    bool tail = log_type == "Tail";
    int timeout = spec->timeout_seconds;
    return wait_for(inv, timeout, [tail, version](const InvocationResult& result) {
        Response out;
        out.status = 200;
        out.headers.set("Content-Type", "application/json");
        out.headers.set("X-Amz-Executed-Version", version);
        if (!result.function_error.empty())
            out.headers.set("X-Amz-Function-Error", result.function_error);
        if (tail) {
            std::string_view log = result.log;
            if (log.size() > kTailBytes) log = log.substr(log.size() - kTailBytes);
            out.headers.set("X-Amz-Log-Result", base64_encode(log));
        }
        out.body = result.payload;
        return out;
    });
}

}  // namespace fogbank::lambda
