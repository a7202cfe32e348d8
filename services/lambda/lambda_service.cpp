#include "services/lambda/lambda_service.hpp"

#include <fcntl.h>
#include <sys/stat.h>

#include <regex>

namespace fogbank::lambda {

namespace {

bool uploads_code(const RequestHead& head) {
    rest_json::PathParams p;
    if (head.method == http::verb::post && rest_json::match("/2015-03-31/functions", head.path, p))
        return true;
    return head.method == http::verb::put &&
           rest_json::match("/2015-03-31/functions/{FunctionName}/code", head.path, p);
}

}  // namespace

BodyPlan LambdaService::body_plan(const RequestHead& head) const {
    BodyPlan plan;
    if (uploads_code(head)) {
        plan.max_size = 70167211;
        plan.too_large = AwsError("RequestEntityTooLargeException",
                                  "Request must be smaller than 70167211 bytes for the "
                                  "CreateFunction operation",
                                  413);
    } else {
        plan.max_size = 6291456;
        plan.too_large = AwsError("RequestTooLargeException",
                                  "Request must be smaller than 6291456 bytes for the "
                                  "InvokeFunction operation",
                                  413);
    }
    return plan;
}

bool LambdaService::quick(const RequestHead& head) const {
    return !uploads_code(head);
}

Response LambdaService::handle(Request& req) {
    Response res = backend_.handle(req);
    if (!res.long_poll) res.headers.set("x-amzn-RequestId", req.request_id);
    return res;
}

Response LambdaService::error_response(const AwsError& err, const RequestHead& head) const {
    return rest_json::error_response(err, head);
}

BodyPlan FunctionUrlService::body_plan(const RequestHead&) const {
    BodyPlan plan;
    plan.max_size = 6291456;
    plan.too_large =
        AwsError("RequestTooLargeException", "Request must be smaller than 6291456 bytes", 413);
    return plan;
}

Response FunctionUrlService::error_response(const AwsError& err, const RequestHead&) const {
    Response res;
    res.status = err.status();
    res.headers.set("Content-Type", "application/json");
    res.body = nlohmann::json{{"Message", err.what()}}.dump();
    return res;
}

BodyPlan LambdaRuntimeService::body_plan(const RequestHead&) const {
    BodyPlan plan;
    // A response over 6 MB is the function's error, reported by the Runtime API handler; past
    // this the body is not read at all.
    plan.max_size = 64 * 1024 * 1024;
    return plan;
}

Response LambdaRuntimeService::handle(Request& req) {
    // GetFunction's Code.Location: the stored zip.
    static const std::regex code_path("^/_lambda/code/([0-9a-f]{64})\\.zip$");
    std::smatch m;
    if (std::regex_match(req.path, m, code_path)) {
        req.operation = "GetFunctionCode";
        int fd = ::open(backend_.code_path(m[1]).c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) throw AwsError("NoSuchKey", "No such code package", 404);
        struct stat st {};
        ::fstat(fd, &st);
        Response res;
        res.headers.set("Content-Type", "application/zip");
        res.file.emplace(fd, 0, static_cast<uint64_t>(st.st_size));
        return res;
    }
    return backend_.sandboxes().runtime_api(req);
}

Response LambdaRuntimeService::error_response(const AwsError& err, const RequestHead&) const {
    Response res;
    res.status = err.status();
    res.headers.set("Content-Type", "application/json");
    res.body = nlohmann::json{{"errorType", err.code()}, {"errorMessage", err.what()}}.dump();
    return res;
}

}  // namespace fogbank::lambda
