// CreateFunction, GetFunction(Configuration), ListFunctions, UpdateFunctionCode,
// UpdateFunctionConfiguration, DeleteFunction, GetAccountSettings.
#include <regex>
#include <set>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "services/lambda/backend.hpp"
#include "services/s3/store.hpp"

namespace fogbank::lambda {

namespace {

// Runtimes AWS accepts for new functions, and those it no longer does.
const std::set<std::string, std::less<>> kRuntimes = {
    "nodejs18.x", "nodejs20.x", "nodejs22.x",   "nodejs24.x",     "python3.9", "python3.10",
    "python3.11", "python3.12", "python3.13",   "python3.14",     "java8.al2", "java11",
    "java17",     "java21",     "java25",       "dotnet8",        "dotnet10",  "ruby3.2",
    "ruby3.3",    "ruby3.4",    "provided.al2", "provided.al2023"};
const std::set<std::string, std::less<>> kDeprecated = {
    "python2.7",  "python3.6",     "python3.7",     "python3.8",     "nodejs",        "nodejs4.3",
    "nodejs6.10", "nodejs8.10",    "nodejs10.x",    "nodejs12.x",    "nodejs14.x",    "nodejs16.x",
    "java8",      "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6",
    "ruby2.5",    "ruby2.7",       "go1.x",         "provided"};
const std::set<std::string, std::less<>> kReservedVariables = {"_HANDLER",
                                                               "_X_AMZN_TRACE_ID",
                                                               "AWS_DEFAULT_REGION",
                                                               "AWS_REGION",
                                                               "AWS_EXECUTION_ENV",
                                                               "AWS_LAMBDA_FUNCTION_NAME",
                                                               "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                                                               "AWS_LAMBDA_FUNCTION_VERSION",
                                                               "AWS_LAMBDA_INITIALIZATION_TYPE",
                                                               "AWS_LAMBDA_LOG_GROUP_NAME",
                                                               "AWS_LAMBDA_LOG_STREAM_NAME",
                                                               "AWS_ACCESS_KEY",
                                                               "AWS_ACCESS_KEY_ID",
                                                               "AWS_SECRET_ACCESS_KEY",
                                                               "AWS_SESSION_TOKEN",
                                                               "AWS_LAMBDA_RUNTIME_API",
                                                               "LAMBDA_TASK_ROOT",
                                                               "LAMBDA_RUNTIME_DIR"};

AwsError validation(const std::string& value, const std::string& member,
                    const std::string& constraint) {
    return AwsError("ValidationException",
                    "1 validation error detected: Value '" + value + "' at '" + member +
                        "' failed to satisfy constraint: " + constraint,
                    400);
}

std::string timestamp_now() {
    // Lambda's LastModified: 2026-11-22T17:40:00.000+0000
    std::string t = format_iso8601_ms(now_ms());
    return t.substr(0, t.size() - 1) + "+0000";
}

void check_runtime(const std::string& runtime) {
    if (kDeprecated.count(runtime))
        throw invalid_parameter("The runtime parameter of " + runtime +
                                " is no longer supported for creating or updating AWS Lambda "
                                "functions. We recommend you use a supported runtime while "
                                "creating or updating functions.");
    if (!kRuntimes.count(runtime)) {
        std::string list;
        for (auto& r : kRuntimes)
            list += (list.empty() ? "" : ", ") + r;
        throw validation(runtime, "runtime", "Member must satisfy enum value set: [" + list + "]");
    }
}

void check_role(const std::string& role) {
    static const std::regex pattern(
        R"(^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+$)");
    if (!std::regex_match(role, pattern))
        throw validation(role, "role",
                         "Member must satisfy regular expression pattern: "
                         "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+");
}

void check_string(const json& in, const char* name, size_t max) {
    if (auto it = in.find(name); it != in.end() && !it->is_null()) {
        if (!it->is_string())
            throw AwsError("InvalidRequestContentException",
                           std::string("Could not parse request body into json: ") + name +
                               " must be a string",
                           400);
        if (it->get_ref<const std::string&>().size() > max)
            throw validation(
                it->get<std::string>(), name,
                "Member must have length less than or equal to " + std::to_string(max));
    }
}

int int_member(const json& in, const char* name, int lo, int hi, int fallback,
               const char* wire_name) {
    auto it = in.find(name);
    if (it == in.end() || it->is_null()) return fallback;
    if (!it->is_number_integer())
        throw AwsError(
            "InvalidRequestContentException",
            std::string("Could not parse request body into json: ") + name + " must be an integer",
            400);
    int v = it->get<int>();
    if (v < lo)
        throw validation(std::to_string(v), wire_name,
                         "Member must have value greater than or equal to " + std::to_string(lo));
    if (v > hi)
        throw validation(std::to_string(v), wire_name,
                         "Member must have value less than or equal to " + std::to_string(hi));
    return v;
}

json checked_environment(const json& env) {
    if (env.is_null()) return nullptr;
    json vars = env.value("Variables", json::object());
    if (!vars.is_object()) throw invalid_parameter("Environment.Variables must be a map");
    static const std::regex key_pattern("^[a-zA-Z]([a-zA-Z0-9_])+$");
    std::string reserved;
    for (auto& [k, v] : vars.items()) {
        if (!v.is_string()) throw invalid_parameter("Environment variable values must be strings");
        if (!std::regex_match(k, key_pattern))
            throw validation(k, "environment.variables",
                             "Member must satisfy regular expression pattern: "
                             "[a-zA-Z]([a-zA-Z0-9_])+");
        if (kReservedVariables.count(k)) reserved += (reserved.empty() ? "" : ", ") + k;
    }
    if (!reserved.empty())
        throw invalid_parameter(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not "
            "supported for modification. Reserved keys used in this request: " +
            reserved);
    std::string measured = vars.dump();
    if (measured.size() > 4096)
        throw invalid_parameter(
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided exceeded the 4KB limit. String measured: " +
            measured);
    return {{"Variables", vars}};
}

json layers_of(const json& in) {
    json out = json::array();
    if (auto it = in.find("Layers"); it != in.end() && it->is_array())
        for (auto& arn : *it) {
            static const std::regex pattern(
                R"(^arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+$)");
            std::string a = arn.is_string() ? arn.get<std::string>() : arn.dump();
            if (!std::regex_match(a, pattern))
                throw validation(a, "layers",
                                 "Member must satisfy regular expression pattern: "
                                 "arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-"
                                 "9-_]+:[0-9]+");
            out.push_back({{"Arn", a}, {"CodeSize", 0}});
        }
    if (out.size() > 5) throw invalid_parameter("Cannot reference more than 5 layers.");
    return out;
}

// Applies the settable members of CreateFunction/UpdateFunctionConfiguration to `cfg`.
void apply_settings(json& cfg, const json& in) {
    check_string(in, "Description", 256);
    check_string(in, "Handler", 128);
    if (in.contains("Runtime") && !in["Runtime"].is_null())
        check_runtime(in["Runtime"].get<std::string>());
    if (in.contains("Role") && !in["Role"].is_null()) check_role(in["Role"].get<std::string>());
    for (const char* k : {"Runtime", "Role", "Handler", "Description"})
        if (in.contains(k) && !in[k].is_null()) cfg[k] = in[k];
    cfg["Timeout"] = int_member(in, "Timeout", 1, 900, cfg.value("Timeout", 3), "timeout");
    cfg["MemorySize"] =
        int_member(in, "MemorySize", 128, 10240, cfg.value("MemorySize", 128), "memorySize");
    if (in.contains("Environment")) {
        json env = checked_environment(in["Environment"]);
        if (env.is_null())
            cfg.erase("Environment");
        else
            cfg["Environment"] = env;
    }
    if (in.contains("Layers")) cfg["Layers"] = layers_of(in);
    if (in.contains("TracingConfig") && in["TracingConfig"].is_object())
        cfg["TracingConfig"] = {{"Mode", in["TracingConfig"].value("Mode", "PassThrough")}};
    if (in.contains("DeadLetterConfig") && in["DeadLetterConfig"].is_object())
        cfg["DeadLetterConfig"] = in["DeadLetterConfig"];
    if (in.contains("EphemeralStorage") && in["EphemeralStorage"].is_object())
        cfg["EphemeralStorage"] = {
            {"Size", int_member(in["EphemeralStorage"], "Size", 512, 10240, 512, "size")}};
    if (in.contains("VpcConfig") && in["VpcConfig"].is_object())
        cfg["VpcConfig"] = {
            {"SubnetIds", in["VpcConfig"].value("SubnetIds", json::array())},
            {"SecurityGroupIds", in["VpcConfig"].value("SecurityGroupIds", json::array())},
            {"VpcId", ""}};
    if (in.contains("LoggingConfig") && in["LoggingConfig"].is_object())
        for (auto& [k, v] : in["LoggingConfig"].items())
            cfg["LoggingConfig"][k] = v;
    if (in.contains("KMSKeyArn") && in["KMSKeyArn"].is_string()) cfg["KMSKeyArn"] = in["KMSKeyArn"];
}

// An update's answer: it is in progress once, as AWS's first answer says, so that clients
// waiting for function_updated take the path they take against AWS.
Response updating(json out) {
    out["LastUpdateStatus"] = "InProgress";
    out["LastUpdateStatusReason"] = "The function is being created.";
    out["LastUpdateStatusReasonCode"] = "Creating";
    return rest_json::response(200, out);
}

}  // namespace

CodeInfo Backend::code_from(const json& code, const std::string& region,
                            const std::string& account) {
    (void)region;
    (void)account;
    if (!code.is_object()) throw invalid_parameter("Code is required");
    if (code.contains("ImageUri"))
        throw invalid_parameter("fogbank runs Zip packages; container images are not supported");
    if (auto z = code.find("ZipFile"); z != code.end() && !z->is_null()) {
        if (!z->is_string())
            throw AwsError("InvalidRequestContentException",
                           "Could not parse request body into json: ZipFile must be base64", 400);
        auto bytes = base64_decode(z->get<std::string>());
        if (!bytes) throw invalid_parameter("Could not decode ZipFile: invalid base64");
        if (bytes->size() > kMaxZipBytes)
            throw AwsError("RequestEntityTooLargeException",
                           "Request must be smaller than 70167211 bytes for the CreateFunction "
                           "operation",
                           413);
        return code_.put(*bytes);
    }
    std::string bucket = code.value("S3Bucket", ""), key = code.value("S3Key", "");
    if (bucket.empty() || key.empty())
        throw invalid_parameter("Please provide a source for function code.");
    auto object = s3_.read_small_object(bucket, key, kMaxZipBytes);
    if (!object)
        throw invalid_parameter(
            "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 "
            "Error Message: The specified key does not exist.");
    if (object->too_large)
        throw invalid_parameter("Unzipped size must be smaller than " +
                                std::to_string(kMaxUnzippedBytes) + " bytes");
    return code_.put(object->bytes);
}

Response Backend::create_function(Call& c) {
    const json& in = c.body;
    std::string name = in.value("FunctionName", "");
    if (name.empty()) throw validation("null", "functionName", "Member must not be null");
    std::string qualifier;
    {
        std::lock_guard lock(mu_);
        find(c.account(), c.region(), name, &qualifier);  // validates the pattern
    }
    if (name.find(':') != std::string::npos) name = name.substr(name.rfind(':') + 1);
    if (!in.contains("Role") || in["Role"].is_null())
        throw validation("null", "role", "Member must not be null");
    std::string package = in.value("PackageType", "Zip");
    if (package == "Image")
        throw invalid_parameter("fogbank runs Zip packages; container images are not supported");
    if (!in.contains("Runtime") || in["Runtime"].is_null())
        throw invalid_parameter("Runtime is required for Zip package type");
    if (!in.contains("Handler") || in["Handler"].is_null())
        throw invalid_parameter("Handler is required for Zip package type");

    json cfg = {{"FunctionName", name},
                {"FunctionArn", function_arn(c.region(), c.account(), name)},
                {"Description", ""},
                {"Timeout", 3},
                {"MemorySize", 128},
                {"Version", "$LATEST"},
                {"TracingConfig", {{"Mode", "PassThrough"}}},
                {"PackageType", "Zip"},
                {"Architectures", in.value("Architectures", json::array({"x86_64"}))},
                {"EphemeralStorage", {{"Size", 512}}},
                {"SnapStart", {{"ApplyOn", "None"}, {"OptimizationStatus", "Off"}}},
                {"LoggingConfig", {{"LogFormat", "Text"}, {"LogGroup", "/aws/lambda/" + name}}},
                {"RuntimeVersionConfig",
                 {{"RuntimeVersionArn", "arn:aws:lambda:" + c.region() + "::runtime:fogbank"}}}};
    apply_settings(cfg, in);
    CodeInfo code = code_from(in.value("Code", json()), c.region(), c.account());
    cfg["CodeSha256"] = code.sha256_base64;
    cfg["CodeSize"] = code.size;
    cfg["LastModified"] = timestamp_now();
    cfg["RevisionId"] = random_uuid();
    cfg["State"] = "Active";
    cfg["LastUpdateStatus"] = "Successful";

    auto fn = std::make_shared<Function>();
    fn->account = c.account();
    fn->region = c.region();
    fn->name = name;
    fn->config = cfg;
    fn->code_hex = code.sha256_hex;
    if (in.contains("Tags") && in["Tags"].is_object()) fn->tags = in["Tags"];
    json out = cfg;
    {
        std::lock_guard lock(mu_);
        Key key{fn->account, fn->region, fn->name};
        if (functions_.count(key))
            throw AwsError("ResourceConflictException", "Function already exist: " + name, 409);
        if (in.value("Publish", false)) {
            json v = cfg;
            v["Version"] = "1";
            v["FunctionArn"] = cfg["FunctionArn"].get<std::string>() + ":1";
            fn->versions.push_back({{"config", v}, {"code_hex", fn->code_hex}});
            out = v;
        }
        functions_[key] = fn;
        save(*fn);
    }
    // The function is ready at once; the first answer still says Pending, as AWS's does, so
    // that clients which wait for Active (function_active waiters) take the path they take
    // against AWS.
    out["State"] = "Pending";
    out["StateReason"] = "The function is being created.";
    out["StateReasonCode"] = "Creating";
    return rest_json::response(201, out);
}

Response Backend::get_function(Call& c) {
    std::lock_guard lock(mu_);
    std::string qualifier = c.req.query_param("Qualifier").value_or("");
    Resolved r = resolve(c.account(), c.region(), c.params.at("FunctionName"), qualifier);
    json out = {{"Configuration", r.config},
                {"Code",
                 {{"RepositoryType", "S3"},
                  {"Location",
                   "http://" + sandboxes_.endpoint() + "/_lambda/code/" + r.code_hex + ".zip"}}}};
    if (!r.fn->tags.empty()) out["Tags"] = r.fn->tags;
    if (r.fn->reserved_concurrency >= 0)
        out["Concurrency"] = {{"ReservedConcurrentExecutions", r.fn->reserved_concurrency}};
    return rest_json::response(200, out);
}

Response Backend::get_function_configuration(Call& c) {
    std::lock_guard lock(mu_);
    std::string qualifier = c.req.query_param("Qualifier").value_or("");
    Resolved r = resolve(c.account(), c.region(), c.params.at("FunctionName"), qualifier);
    return rest_json::response(200, r.config);
}

Response Backend::list_functions(Call& c) {
    int max = 50;
    if (auto m = c.req.query_param("MaxItems")) {
        try {
            max = std::stoi(*m);
        } catch (...) {
            max = 0;
        }
        if (max < 1 || max > 10000)
            throw validation(*m, "maxItems", "Member must have value between 1 and 10000");
    }
    std::string marker = c.req.query_param("Marker").value_or("");
    std::lock_guard lock(mu_);
    json list = json::array();
    std::string next;
    for (auto& [key, fn] : functions_) {
        if (fn->account != c.account() || fn->region != c.region()) continue;
        if (!marker.empty() && fn->name <= marker) continue;
        if (static_cast<int>(list.size()) == max) {
            next = list.back()["FunctionName"];
            break;
        }
        list.push_back(fn->config);
    }
    json out = {{"Functions", list}};
    if (!next.empty()) out["NextMarker"] = next;
    return rest_json::response(200, out);
}

Response Backend::update_function_code(Call& c) {
    CodeInfo code = code_from(c.body, c.region(), c.account());
    json out;
    std::string key;
    {
        std::lock_guard lock(mu_);
        auto fn = require(c);
        fn->code_hex = code.sha256_hex;
        fn->config["CodeSha256"] = code.sha256_base64;
        fn->config["CodeSize"] = code.size;
        fn->config["LastModified"] = timestamp_now();
        fn->config["RevisionId"] = random_uuid();
        out = fn->config;
        if (c.body.value("Publish", false)) {
            json v = fn->config;
            std::string n = std::to_string(fn->versions.size() + 1);
            v["Version"] = n;
            v["FunctionArn"] = fn->config["FunctionArn"].get<std::string>() + ":" + n;
            fn->versions.push_back({{"config", v}, {"code_hex", fn->code_hex}});
            out = v;
        }
        save(*fn);
        key = fn->key();
    }
    sandboxes_.retire(key);
    return updating(std::move(out));
}

Response Backend::update_function_configuration(Call& c) {
    json out;
    std::string key;
    {
        std::lock_guard lock(mu_);
        auto fn = require(c);
        if (auto rid = c.body.find("RevisionId");
            rid != c.body.end() && rid->is_string() && *rid != fn->config["RevisionId"])
            throw AwsError("PreconditionFailedException",
                           "The Revision Id provided does not match the latest Revision Id. Call "
                           "the GetFunction/GetAlias API to retrieve the latest Revision Id",
                           412);
        json cfg = fn->config;
        apply_settings(cfg, c.body);
        cfg["LastModified"] = timestamp_now();
        cfg["RevisionId"] = random_uuid();
        fn->config = cfg;
        save(*fn);
        out = cfg;
        key = fn->key();
    }
    sandboxes_.retire(key);
    return updating(std::move(out));
}

Response Backend::delete_function(Call& c) {
    std::string key;
    {
        std::lock_guard lock(mu_);
        std::string qualifier = c.req.query_param("Qualifier").value_or("");
        auto fn = require(c);
        if (!qualifier.empty() && qualifier != "$LATEST") {
            auto& vs = fn->versions;
            for (auto it = vs.begin(); it != vs.end(); ++it)
                if ((*it)["config"].value("Version", "") == qualifier) {
                    vs.erase(it);
                    save(*fn);
                    return rest_json::empty(204);
                }
            throw function_not_found(fn->config.value("FunctionArn", "") + ":" + qualifier);
        }
        drop(*fn);
        if (fn->url.is_object()) url_ids_.erase(fn->url.value("UrlId", ""));
        functions_.erase({fn->account, fn->region, fn->name});
        key = fn->key();
    }
    sandboxes_.retire(key);
    return rest_json::empty(204);
}

Response Backend::get_account_settings(Call& c) {
    std::lock_guard lock(mu_);
    int64_t count = 0, size = 0;
    for (auto& [key, fn] : functions_)
        if (fn->account == c.account() && fn->region == c.region()) {
            ++count;
            size += fn->config.value("CodeSize", int64_t{0});
        }
    return rest_json::response(
        200, {{"AccountLimit",
               {{"TotalCodeSize", 80530636800LL},
                {"CodeSizeUnzipped", kMaxUnzippedBytes},
                {"CodeSizeZipped", kMaxZipBytes},
                {"ConcurrentExecutions", 1000},
                {"UnreservedConcurrentExecutions", 1000}}},
              {"AccountUsage", {{"TotalCodeSize", size}, {"FunctionCount", count}}}});
}

}  // namespace fogbank::lambda
