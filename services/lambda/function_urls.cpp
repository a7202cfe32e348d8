// Function URLs: Create/Get/Update/Delete/ListFunctionUrlConfigs, and the URL itself. A URL is
// http://<url-id>.lambda-url.<region>.localhost:<port>/ (curl and browsers resolve *.localhost
// to the loopback address; other clients can send that Host header to fogbank's address). A
// request to it invokes the function synchronously with payload format 2.0. AuthType AWS_IAM
// is stored, not enforced.
#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "services/lambda/backend.hpp"
#include "services/lambda/http_events.hpp"

namespace fogbank::lambda {

namespace {

std::string new_url_id() {
    return random_id("abcdefghijklmnopqrstuvwxyz0123456789", 32);
}

void check_auth_type(const json& in, bool required) {
    auto it = in.find("AuthType");
    if (it == in.end() || it->is_null()) {
        if (!required) return;
        throw AwsError("ValidationException",
                       "1 validation error detected: Value null at 'authType' failed to satisfy "
                       "constraint: Member must not be null",
                       400);
    }
    if (*it != "NONE" && *it != "AWS_IAM")
        throw AwsError("ValidationException",
                       "1 validation error detected: Value '" + it->dump() +
                           "' at 'authType' failed to satisfy constraint: Member must satisfy "
                           "enum value set: [NONE, AWS_IAM]",
                       400);
    if (auto mode = in.find("InvokeMode");
        mode != in.end() && *mode != "BUFFERED" && *mode != "RESPONSE_STREAM")
        throw AwsError("ValidationException",
                       "1 validation error detected: Value '" + mode->dump() +
                           "' at 'invokeMode' failed to satisfy constraint: Member must satisfy "
                           "enum value set: [BUFFERED, RESPONSE_STREAM]",
                       400);
}

AwsError no_url() {
    return AwsError("ResourceNotFoundException", "The resource you requested does not exist.", 404);
}

// The configuration as the API shows it, without fogbank's own bookkeeping.
json url_view(json url) {
    url.erase("UrlId");
    url.erase("Qualifier");
    return url;
}

}  // namespace

Response Backend::create_function_url(Call& c) {
    check_auth_type(c.body, true);
    std::lock_guard lock(mu_);
    auto fn = require(c);
    std::string qualifier = c.req.query_param("Qualifier").value_or("");
    if (!qualifier.empty() && qualifier != "$LATEST")
        resolve(fn->account, fn->region, fn->name, qualifier);
    if (fn->url.is_object())
        throw AwsError("ResourceConflictException",
                       "Failed to create function url config for [functionArn = " +
                           fn->config["FunctionArn"].get<std::string>() +
                           "]. Error message:  FunctionUrlConfig exists for this Lambda function",
                       409);
    std::string id = new_url_id();
    std::string now = format_iso8601_ms(now_ms());
    // An advertised host keeps its own port (or none); otherwise *.localhost on fogbank's port.
    const std::string& advertised = cfg_.advertised_host;
    std::string base = advertised.empty() ? "localhost:" + endpoint_port() : advertised;
    json url = {{"FunctionUrl", "http://" + id + ".lambda-url." + fn->region + "." + base + "/"},
                {"FunctionArn", fn->config["FunctionArn"].get<std::string>() +
                                    (qualifier.empty() ? "" : ":" + qualifier)},
                {"AuthType", c.body["AuthType"]},
                {"CreationTime", now},
                {"LastModifiedTime", now},
                {"InvokeMode", c.body.value("InvokeMode", "BUFFERED")},
                {"UrlId", id},
                {"Qualifier", qualifier}};
    if (c.body.contains("Cors")) url["Cors"] = c.body["Cors"];
    fn->url = url;
    url_ids_[id] = {fn->account, fn->region, fn->name};
    save(*fn);
    json out = url_view(url);
    out.erase("LastModifiedTime");
    return rest_json::response(201, out);
}

Response Backend::get_function_url(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    if (!fn->url.is_object()) throw no_url();
    return rest_json::response(200, url_view(fn->url));
}

Response Backend::update_function_url(Call& c) {
    check_auth_type(c.body, false);
    std::lock_guard lock(mu_);
    auto fn = require(c);
    if (!fn->url.is_object()) throw no_url();
    for (const char* k : {"AuthType", "Cors", "InvokeMode"})
        if (c.body.contains(k)) fn->url[k] = c.body[k];
    fn->url["LastModifiedTime"] = format_iso8601_ms(now_ms());
    save(*fn);
    return rest_json::response(200, url_view(fn->url));
}

Response Backend::delete_function_url(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    if (!fn->url.is_object()) throw no_url();
    url_ids_.erase(fn->url.value("UrlId", ""));
    fn->url = nullptr;
    save(*fn);
    return rest_json::empty(204);
}

Response Backend::list_function_urls(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    json list = json::array();
    if (fn->url.is_object()) {
        list.push_back(url_view(fn->url));
    }
    return rest_json::response(200, {{"FunctionUrlConfigs", list}});
}

std::string Backend::endpoint_port() const {
    const std::string& e = sandboxes_.endpoint();
    return e.substr(e.rfind(':') + 1);
}

Response Backend::invoke_url(Request& req) {
    // <url-id>.lambda-url.<region>.<anything>
    std::string id = req.host.substr(0, req.host.find('.'));
    req.operation = "InvokeFunctionUrl";
    std::shared_ptr<const FunctionSpec> spec;
    HttpOrigin origin;
    {
        std::lock_guard lock(mu_);
        auto it = url_ids_.find(id);
        std::shared_ptr<Function> fn;
        if (it != url_ids_.end())
            if (auto f = functions_.find(it->second); f != functions_.end()) fn = f->second;
        if (!fn || !fn->url.is_object()) {
            Response res;
            res.status = 404;
            res.headers.set("Content-Type", "application/json");
            res.body = json{{"Message", "Not Found"}}.dump();
            return res;
        }
        spec = spec_for(resolve(fn->account, fn->region, fn->name, fn->url.value("Qualifier", "")));
        origin = {id, fn->account, fn->region, req.host};
    }
    auto inv = sandboxes_.invoke(spec, url_event(req, origin).dump());
    return wait_for(inv, spec->timeout_seconds,
                    [](const InvocationResult& r) { return url_response(r); });
}

Response Backend::invoke_http(const std::string& account, const std::string& region,
                              const std::string& function, std::string payload,
                              std::function<Response(const InvocationResult&)> answer) {
    std::shared_ptr<const FunctionSpec> spec;
    {
        std::lock_guard lock(mu_);
        spec = spec_for(resolve(account, region, function, ""));
    }
    auto inv = sandboxes_.invoke(spec, std::move(payload));
    return wait_for(inv, spec->timeout_seconds, std::move(answer));
}

Response Backend::wait_for(std::shared_ptr<Invocation> inv, int timeout_seconds,
                           std::function<Response(const InvocationResult&)> answer) {
    Response res;
    res.long_poll = std::make_shared<LongPoll>();
    // Timeouts are enforced by the supervisor, so the answer comes well before this; the
    // margin covers a wait in line behind the function's concurrency.
    res.long_poll->deadline = std::chrono::steady_clock::now() +
                              std::chrono::seconds(timeout_seconds) + std::chrono::minutes(15);
    res.long_poll->attempt = [this, inv, answer](const std::shared_ptr<Waker>& waker, bool last,
                                                 SteadyTime&) -> std::optional<Response> {
        auto result = sandboxes_.poll(inv, last ? nullptr : waker);
        if (!result) {
            if (!last) return std::nullopt;
            return rest_json::error_response(
                AwsError("ServiceException", "The invocation did not finish in time", 500),
                RequestHead{});
        }
        return answer(*result);
    };
    return res;
}

}  // namespace fogbank::lambda
