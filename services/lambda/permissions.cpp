// The function's resource policy (AddPermission, RemovePermission, GetPolicy), its async
// invocation settings (Put/Get/DeleteFunctionEventInvokeConfig), reserved concurrency and tags.
// Policies are stored and returned faithfully; fogbank does not enforce them.
#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "services/lambda/backend.hpp"

namespace fogbank::lambda {

namespace {

AwsError no_policy() {
    return AwsError("ResourceNotFoundException", "The resource you requested does not exist.", 404);
}

json policy_document(const Function& fn) {
    return {{"Version", "2012-10-17"}, {"Id", "default"}, {"Statement", fn.policy}};
}

// A destination ARN must name an SQS queue, an SNS topic, an EventBridge bus or a function.
void check_destination(const json& config, const char* which) {
    if (!config.is_object() || !config.contains(which)) return;
    std::string arn = config[which].value("Destination", "");
    if (arn.empty()) return;
    bool ok = arn.rfind("arn:aws:sqs:", 0) == 0 || arn.rfind("arn:aws:sns:", 0) == 0 ||
              arn.rfind("arn:aws:events:", 0) == 0 ||
              (arn.rfind("arn:aws:lambda:", 0) == 0 && arn.find(":function:") != std::string::npos);
    if (!ok) throw invalid_parameter("The provided destination config DestinationType is invalid.");
}

}  // namespace

Response Backend::add_permission(Call& c) {
    const json& in = c.body;
    for (const char* k : {"StatementId", "Action", "Principal"})
        if (!in.contains(k) || !in[k].is_string())
            throw AwsError("ValidationException",
                           std::string("1 validation error detected: Value null at '") +
                               char(std::tolower(k[0])) + (k + 1) +
                               "' failed to satisfy constraint: Member must not be null",
                           400);
    std::lock_guard lock(mu_);
    auto fn = require(c);
    std::string sid = in["StatementId"];
    for (auto& st : fn->policy)
        if (st.value("Sid", "") == sid)
            throw AwsError("ResourceConflictException",
                           "The statement id (" + sid +
                               ") provided already exists. Please provide a new statement id, or "
                               "remove the existing statement.",
                           409);
    std::string principal = in["Principal"];
    json statement = {
        {"Sid", sid},
        {"Effect", "Allow"},
        {"Principal", principal.find('.') != std::string::npos ? json{{"Service", principal}}
                                                               : json{{"AWS", principal}}},
        {"Action", in["Action"]},
        {"Resource", fn->config["FunctionArn"]}};
    json condition = json::object();
    if (in.contains("SourceArn")) condition["ArnLike"] = {{"AWS:SourceArn", in["SourceArn"]}};
    if (in.contains("SourceAccount"))
        condition["StringEquals"] = {{"AWS:SourceAccount", in["SourceAccount"]}};
    if (in.contains("FunctionUrlAuthType"))
        condition["StringEquals"]["lambda:FunctionUrlAuthType"] = in["FunctionUrlAuthType"];
    if (!condition.empty()) statement["Condition"] = condition;
    fn->policy.push_back(statement);
    save(*fn);
    return rest_json::response(201, {{"Statement", statement.dump()}});
}

Response Backend::remove_permission(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    const std::string& sid = c.params.at("StatementId");
    auto& p = fn->policy;
    for (auto it = p.begin(); it != p.end(); ++it)
        if (it->value("Sid", "") == sid) {
            p.erase(it);
            save(*fn);
            return rest_json::empty(204);
        }
    throw AwsError("ResourceNotFoundException",
                   "Statement " + sid + " is not found in resource policy.", 404);
}

Response Backend::get_policy(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    if (fn->policy.empty()) throw no_policy();
    return rest_json::response(
        200, {{"Policy", policy_document(*fn).dump()}, {"RevisionId", fn->config["RevisionId"]}});
}

Response Backend::put_event_invoke_config(Call& c) {
    const json& in = c.body;
    if (in.contains("MaximumRetryAttempts")) {
        auto& v = in["MaximumRetryAttempts"];
        if (!v.is_number_integer() || v.get<int>() < 0 || v.get<int>() > 2)
            throw AwsError("ValidationException",
                           "1 validation error detected: Value '" + v.dump() +
                               "' at 'maximumRetryAttempts' failed to satisfy constraint: Member "
                               "must have value less than or equal to 2",
                           400);
    }
    if (in.contains("MaximumEventAgeInSeconds")) {
        auto& v = in["MaximumEventAgeInSeconds"];
        if (!v.is_number_integer() || v.get<int>() < 60 || v.get<int>() > 21600)
            throw AwsError("ValidationException",
                           "1 validation error detected: Value '" + v.dump() +
                               "' at 'maximumEventAgeInSeconds' failed to satisfy constraint: "
                               "Member must have value between 60 and 21600",
                           400);
    }
    json dest = in.value("DestinationConfig", json::object());
    check_destination(dest, "OnSuccess");
    check_destination(dest, "OnFailure");
    std::lock_guard lock(mu_);
    auto fn = require(c);
    // Put replaces the whole configuration; Update (POST) changes only what it names.
    json cfg = c.req.method == http::verb::post && fn->event_invoke.is_object() ? fn->event_invoke
                                                                                : json::object();
    if (c.req.method == http::verb::post && !fn->event_invoke.is_object())
        throw AwsError("ResourceNotFoundException",
                       "The function " + fn->config.value("FunctionArn", "") +
                           " doesn't have an EventInvokeConfig",
                       404);
    for (const char* k : {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"})
        if (in.contains(k)) cfg[k] = in[k];
    if (in.contains("DestinationConfig"))
        cfg["DestinationConfig"] = {{"OnSuccess", dest.value("OnSuccess", json::object())},
                                    {"OnFailure", dest.value("OnFailure", json::object())}};
    else if (!cfg.contains("DestinationConfig"))
        cfg["DestinationConfig"] = {{"OnSuccess", json::object()}, {"OnFailure", json::object()}};
    cfg["FunctionArn"] = fn->config["FunctionArn"].get<std::string>() + ":$LATEST";
    cfg["LastModified"] = static_cast<double>(now_ms().time_since_epoch().count()) / 1000.0;
    fn->event_invoke = cfg;
    save(*fn);
    return rest_json::response(200, cfg);
}

Response Backend::get_event_invoke_config(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    if (!fn->event_invoke.is_object())
        throw AwsError("ResourceNotFoundException",
                       "The function " + fn->config.value("FunctionArn", "") +
                           " doesn't have an EventInvokeConfig",
                       404);
    return rest_json::response(200, fn->event_invoke);
}

Response Backend::delete_event_invoke_config(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    fn->event_invoke = nullptr;
    save(*fn);
    return rest_json::empty(204);
}

Response Backend::put_concurrency(Call& c) {
    auto it = c.body.find("ReservedConcurrentExecutions");
    if (it == c.body.end() || !it->is_number_integer() || it->get<int>() < 0)
        throw AwsError("ValidationException",
                       "1 validation error detected: Value at 'reservedConcurrentExecutions' "
                       "failed to satisfy constraint: Member must have value greater than or "
                       "equal to 0",
                       400);
    std::lock_guard lock(mu_);
    auto fn = require(c);
    fn->reserved_concurrency = it->get<int>();
    save(*fn);
    return rest_json::response(200, {{"ReservedConcurrentExecutions", fn->reserved_concurrency}});
}

Response Backend::get_concurrency(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    if (fn->reserved_concurrency < 0) return rest_json::response(200, json::object());
    return rest_json::response(200, {{"ReservedConcurrentExecutions", fn->reserved_concurrency}});
}

Response Backend::delete_concurrency(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    fn->reserved_concurrency = -1;
    save(*fn);
    return rest_json::empty(204);
}

Response Backend::tag_resource(Call& c) {
    c.params["FunctionName"] = c.params.at("ARN");
    std::lock_guard lock(mu_);
    auto fn = require(c);
    json tags = c.body.value("Tags", json::object());
    for (auto& [k, v] : tags.items())
        fn->tags[k] = v;
    save(*fn);
    return rest_json::empty(204);
}

Response Backend::untag_resource(Call& c) {
    c.params["FunctionName"] = c.params.at("ARN");
    std::lock_guard lock(mu_);
    auto fn = require(c);
    for (auto& [k, v] : c.req.query)
        if (k == "tagKeys") fn->tags.erase(v);
    save(*fn);
    return rest_json::empty(204);
}

Response Backend::list_tags(Call& c) {
    c.params["FunctionName"] = c.params.at("ARN");
    std::lock_guard lock(mu_);
    auto fn = require(c);
    return rest_json::response(200, {{"Tags", fn->tags}});
}

}  // namespace fogbank::lambda
