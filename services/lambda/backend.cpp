#include "services/lambda/backend.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <regex>

#include "emulator/encoding.hpp"
#include "emulator/process.hpp"
#include "emulator/runtimes/embedded.hpp"
#include "services/lambda/runtimes/embedded.hpp"

namespace fogbank::lambda {

namespace fs = std::filesystem;

std::string function_arn(const std::string& region, const std::string& account,
                         const std::string& name) {
    return "arn:aws:lambda:" + region + ":" + account + ":function:" + name;
}

AwsError function_not_found(const std::string& arn) {
    return AwsError("ResourceNotFoundException", "Function not found: " + arn, 404);
}

AwsError invalid_parameter(std::string message) {
    return AwsError("InvalidParameterValueException", std::move(message), 400);
}

json Function::to_doc() const {
    return {{"account", account},
            {"region", region},
            {"name", name},
            {"config", config},
            {"code_hex", code_hex},
            {"policy", policy},
            {"event_invoke", event_invoke},
            {"url", url},
            {"tags", tags},
            {"reserved_concurrency", reserved_concurrency},
            {"versions", versions},
            {"aliases", aliases}};
}

Function Function::from_doc(const json& d) {
    Function f;
    f.account = d.at("account");
    f.region = d.at("region");
    f.name = d.at("name");
    f.config = d.at("config");
    f.code_hex = d.at("code_hex");
    f.policy = d.value("policy", json::array());
    f.event_invoke = d.value("event_invoke", json());
    f.url = d.value("url", json());
    f.tags = d.value("tags", json::object());
    f.reserved_concurrency = d.value("reserved_concurrency", -1);
    f.versions = d.value("versions", json::array());
    f.aliases = d.value("aliases", json::object());
    return f;
}

namespace {

fs::path prepared(fs::path dir) {
    fs::create_directories(dir / "runtimes");
    write_child_file(dir / "runtimes" / "python_bootstrap.py", kPythonBootstrap);
    write_child_file(dir / "runtimes" / "node_bootstrap.mjs", kNodeBootstrap);
    write_child_file(dir / "runtimes" / "fogbank_endpoint.py", kBotocoreEndpointModule);
    return dir;
}

}  // namespace

Backend::Backend(const Config& cfg, Database& db, fs::path work_dir, s3::Store& s3)
    : cfg_(cfg),
      db_(db),
      work_dir_(prepared(std::move(work_dir))),
      s3_(s3),
      code_(work_dir_ / "code"),
      sandboxes_(cfg, work_dir_ / "runtimes") {
    std::lock_guard dblock(db_.mutex());
    db_.exec(
        "CREATE TABLE IF NOT EXISTS lambda_functions (account TEXT NOT NULL, region TEXT NOT "
        "NULL, name TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (account, region, name))");
    db_.exec("CREATE TABLE IF NOT EXISTS lambda_async (id TEXT PRIMARY KEY, doc TEXT NOT NULL)");
    db_.exec("CREATE TABLE IF NOT EXISTS lambda_esm (uuid TEXT PRIMARY KEY, doc TEXT NOT NULL)");
    {
        auto m = db_.prepare("SELECT uuid, doc FROM lambda_esm");
        while (m.step())
            mappings_[m.text(0)] = json::parse(m.text(1));
    }
    auto s = db_.prepare("SELECT doc FROM lambda_functions");
    while (s.step()) {
        auto fn = std::make_shared<Function>(Function::from_doc(json::parse(s.text(0))));
        functions_[{fn->account, fn->region, fn->name}] = fn;
        if (fn->url.is_object()) url_ids_[fn->url["UrlId"]] = {fn->account, fn->region, fn->name};
    }
}

Backend::~Backend() {
    // The supervisor runs completion callbacks that schedule retries: stop it first.
    sandboxes_.shutdown();
}

void Backend::reset() {
    std::vector<std::string> keys;
    {
        std::lock_guard lock(mu_);
        for (auto& [k, fn] : functions_)
            keys.push_back(fn->key());
        functions_.clear();
        std::lock_guard dblock(db_.mutex());
        db_.exec("DELETE FROM lambda_functions");
        db_.exec("DELETE FROM lambda_async");
        db_.exec("DELETE FROM lambda_esm");
        mappings_.clear();
        url_ids_.clear();
        pollers_.clear();
    }
    delayed_.clear();
    for (auto& k : keys)
        sandboxes_.retire(k);
}

void Backend::save(const Function& fn) {
    std::lock_guard dblock(db_.mutex());
    db_.prepare(
           "INSERT OR REPLACE INTO lambda_functions (account, region, name, doc) VALUES "
           "(?, ?, ?, ?)")
        .bind_all(fn.account, fn.region, fn.name, fn.to_doc().dump())
        .run();
}

void Backend::drop(const Function& fn) {
    std::lock_guard dblock(db_.mutex());
    db_.prepare("DELETE FROM lambda_functions WHERE account=? AND region=? AND name=?")
        .bind_all(fn.account, fn.region, fn.name)
        .run();
}

std::string Backend::code_path(const std::string& sha256_hex) const {
    return (work_dir_ / "code" / "zips" / (sha256_hex + ".zip")).string();
}

const std::vector<Backend::Route>& Backend::routes() {
    using V = http::verb;
    static const std::vector<Route> table = {
        {V::post, "/2015-03-31/functions", "CreateFunction", &Backend::create_function},
        {V::get, "/2015-03-31/functions", "ListFunctions", &Backend::list_functions},
        {V::get, "/2015-03-31/functions/{FunctionName}", "GetFunction", &Backend::get_function},
        {V::delete_, "/2015-03-31/functions/{FunctionName}", "DeleteFunction",
         &Backend::delete_function},
        {V::get, "/2015-03-31/functions/{FunctionName}/configuration", "GetFunctionConfiguration",
         &Backend::get_function_configuration},
        {V::put, "/2015-03-31/functions/{FunctionName}/configuration",
         "UpdateFunctionConfiguration", &Backend::update_function_configuration},
        {V::put, "/2015-03-31/functions/{FunctionName}/code", "UpdateFunctionCode",
         &Backend::update_function_code},
        {V::post, "/2015-03-31/functions/{FunctionName}/invocations", "Invoke", &Backend::invoke},
        {V::post, "/2015-03-31/functions/{FunctionName}/versions", "PublishVersion",
         &Backend::publish_version},
        {V::get, "/2015-03-31/functions/{FunctionName}/versions", "ListVersionsByFunction",
         &Backend::list_versions},
        {V::post, "/2015-03-31/functions/{FunctionName}/aliases", "CreateAlias",
         &Backend::create_alias},
        {V::get, "/2015-03-31/functions/{FunctionName}/aliases", "ListAliases",
         &Backend::list_aliases},
        {V::get, "/2015-03-31/functions/{FunctionName}/aliases/{Name}", "GetAlias",
         &Backend::get_alias},
        {V::put, "/2015-03-31/functions/{FunctionName}/aliases/{Name}", "UpdateAlias",
         &Backend::update_alias},
        {V::delete_, "/2015-03-31/functions/{FunctionName}/aliases/{Name}", "DeleteAlias",
         &Backend::delete_alias},
        {V::post, "/2015-03-31/functions/{FunctionName}/policy", "AddPermission",
         &Backend::add_permission},
        {V::get, "/2015-03-31/functions/{FunctionName}/policy", "GetPolicy", &Backend::get_policy},
        {V::delete_, "/2015-03-31/functions/{FunctionName}/policy/{StatementId}",
         "RemovePermission", &Backend::remove_permission},
        {V::put, "/2019-09-25/functions/{FunctionName}/event-invoke-config",
         "PutFunctionEventInvokeConfig", &Backend::put_event_invoke_config},
        {V::post, "/2019-09-25/functions/{FunctionName}/event-invoke-config",
         "UpdateFunctionEventInvokeConfig", &Backend::put_event_invoke_config},
        {V::get, "/2019-09-25/functions/{FunctionName}/event-invoke-config",
         "GetFunctionEventInvokeConfig", &Backend::get_event_invoke_config},
        {V::delete_, "/2019-09-25/functions/{FunctionName}/event-invoke-config",
         "DeleteFunctionEventInvokeConfig", &Backend::delete_event_invoke_config},
        {V::put, "/2017-10-31/functions/{FunctionName}/concurrency", "PutFunctionConcurrency",
         &Backend::put_concurrency},
        {V::get, "/2019-09-30/functions/{FunctionName}/concurrency", "GetFunctionConcurrency",
         &Backend::get_concurrency},
        {V::delete_, "/2017-10-31/functions/{FunctionName}/concurrency",
         "DeleteFunctionConcurrency", &Backend::delete_concurrency},
        {V::post, "/2017-03-31/tags/{ARN}", "TagResource", &Backend::tag_resource},
        {V::delete_, "/2017-03-31/tags/{ARN}", "UntagResource", &Backend::untag_resource},
        {V::get, "/2017-03-31/tags/{ARN}", "ListTags", &Backend::list_tags},
        {V::post, "/2015-03-31/event-source-mappings", "CreateEventSourceMapping",
         &Backend::create_event_source_mapping},
        {V::get, "/2015-03-31/event-source-mappings", "ListEventSourceMappings",
         &Backend::list_event_source_mappings},
        {V::get, "/2015-03-31/event-source-mappings/{UUID}", "GetEventSourceMapping",
         &Backend::get_event_source_mapping},
        {V::put, "/2015-03-31/event-source-mappings/{UUID}", "UpdateEventSourceMapping",
         &Backend::update_event_source_mapping},
        {V::delete_, "/2015-03-31/event-source-mappings/{UUID}", "DeleteEventSourceMapping",
         &Backend::delete_event_source_mapping},
        {V::post, "/2021-10-31/functions/{FunctionName}/url", "CreateFunctionUrlConfig",
         &Backend::create_function_url},
        {V::get, "/2021-10-31/functions/{FunctionName}/url", "GetFunctionUrlConfig",
         &Backend::get_function_url},
        {V::put, "/2021-10-31/functions/{FunctionName}/url", "UpdateFunctionUrlConfig",
         &Backend::update_function_url},
        {V::delete_, "/2021-10-31/functions/{FunctionName}/url", "DeleteFunctionUrlConfig",
         &Backend::delete_function_url},
        {V::get, "/2021-10-31/functions/{FunctionName}/urls", "ListFunctionUrlConfigs",
         &Backend::list_function_urls},
        {V::get, "/2016-08-19/account-settings", "GetAccountSettings",
         &Backend::get_account_settings},
    };
    return table;
}

Response Backend::handle(Request& req) {
    // fogbank's own: a function's recent invocations, which no Lambda API lists (AWS keeps them
    // in CloudWatch Logs). The console shows them; any client may read them.
    if (req.path == "/_fogbank/lambda/invocations") {
        req.operation = "ListRecentInvocations";
        if (req.method != http::verb::get)
            throw AwsError("UnknownOperationException", "GET " + req.path, 405);
        auto name = req.query_param("FunctionName");
        if (!name || name->empty())
            throw AwsError("InvalidParameterValueException", "FunctionName is required", 400);
        std::string key;
        {
            std::lock_guard lock(mu_);
            key = resolve(req.account, req.region, *name, "").fn->key();
        }
        return rest_json::response(200, {{"Invocations", sandboxes_.recent(key, 50)}});
    }
    rest_json::PathParams params;
    if (const Route* r = rest_json::find_route(routes(), req, params)) {
        req.operation = r->operation;
        Call call{req, std::move(params), json::object()};
        // Invoke's body is the payload itself, not members.
        if (r->handler != &Backend::invoke)
            call.body = rest_json::parse(req, "InvalidRequestContentException");
        return (this->*r->handler)(call);
    }
    throw AwsError("UnknownOperationException",
                   "No Lambda operation at " + req.method_name + " " + req.path, 404);
}

// "name", "name:qualifier", "account:function:name[:q]", "arn:aws:lambda:r:a:function:name[:q]".
std::shared_ptr<Function> Backend::find(const std::string& account, const std::string& region,
                                        const std::string& name_or_arn, std::string* qualifier) {
    static const std::regex pattern(
        R"(^(arn:(aws[a-zA-Z-]*)?:lambda:([a-z]{2}(-gov)?-[a-z]+-\d{1}):)?(\d{12}:)?(function:)?([a-zA-Z0-9_-]{1,64})(:(\$LATEST|[a-zA-Z0-9_-]+))?$)");
    std::smatch m;
    if (name_or_arn.size() > 170 || !std::regex_match(name_or_arn, m, pattern))
        throw AwsError("ValidationException",
                       "1 validation error detected: Value '" + name_or_arn +
                           "' at 'functionName' failed to satisfy constraint: Member must "
                           "satisfy regular expression pattern: "
                           "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{"
                           "12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?",
                       400);
    std::string acct = m[5].matched ? m[5].str().substr(0, 12) : account;
    std::string reg = m[3].matched ? m[3].str() : region;
    if (qualifier) *qualifier = m[9].matched ? m[9].str() : "";
    auto it = functions_.find({acct, reg, m[7].str()});
    return it == functions_.end() ? nullptr : it->second;
}

std::shared_ptr<Function> Backend::require(Call& c, const std::string& member) {
    std::string qualifier;
    const std::string& name = c.params.at(member);
    auto fn = find(c.account(), c.region(), name, &qualifier);
    if (!fn) {
        std::string short_name = name.substr(name.rfind(':') == std::string::npos
                                                 ? 0
                                                 : (qualifier.empty() ? name.rfind(':') + 1 : 0));
        throw function_not_found(
            name.rfind("arn:", 0) == 0 ? name : function_arn(c.region(), c.account(), short_name));
    }
    return fn;
}

Resolved Backend::resolve(const std::string& account, const std::string& region,
                          const std::string& name_or_arn, const std::string& qualifier_in) {
    std::string qualifier;
    auto fn = find(account, region, name_or_arn, &qualifier);
    if (!fn) throw function_not_found(function_arn(region, account, name_or_arn));
    if (!qualifier_in.empty()) {
        if (!qualifier.empty() && qualifier != qualifier_in)
            throw invalid_parameter(
                "The derived qualifier from the function name does not match the specified "
                "qualifier.");
        qualifier = qualifier_in;
    }
    Resolved r{fn, fn->config, fn->code_hex, "$LATEST", qualifier};
    std::string version = qualifier;
    if (fn->aliases.contains(qualifier))
        version = fn->aliases[qualifier].value("FunctionVersion", "");
    if (version.empty() || version == "$LATEST") return r;
    for (auto& v : fn->versions)
        if (v["config"].value("Version", "") == version) {
            r.config = v["config"];
            r.code_hex = v.value("code_hex", "");
            r.version = version;
            return r;
        }
    throw function_not_found(fn->config.value("FunctionArn", "") + ":" + qualifier);
}

std::shared_ptr<const FunctionSpec> Backend::spec_for(const Resolved& r) {
    auto spec = std::make_shared<FunctionSpec>();
    const json& c = r.config;
    spec->account = r.fn->account;
    spec->region = r.fn->region;
    spec->name = r.fn->name;
    spec->key = r.fn->key();
    spec->pool = spec->key + ":" + r.version;
    spec->arn = c.value("FunctionArn", "") +
                (r.qualifier.empty() ||
                         c.value("FunctionArn", "").find(':' + r.qualifier) != std::string::npos
                     ? ""
                     : ":" + r.qualifier);
    spec->runtime = c.value("Runtime", "");
    spec->handler = c.value("Handler", "");
    spec->version = r.version;
    spec->task_dir = code_.task_dir(r.code_hex);
    if (auto it = c.find("Environment"); it != c.end() && it->contains("Variables"))
        for (auto& [k, v] : (*it)["Variables"].items())
            spec->environment[k] = v.get<std::string>();
    spec->timeout_seconds = c.value("Timeout", 3);
    spec->memory_mb = c.value("MemorySize", 128);
    spec->concurrency = std::max(0, r.fn->reserved_concurrency);
    return spec;
}

std::shared_ptr<Invocation> Backend::start(const std::string& account, const std::string& region,
                                           const std::string& function, std::string payload,
                                           std::function<void(const Invocation&)> on_done) {
    std::shared_ptr<const FunctionSpec> spec;
    {
        std::lock_guard lock(mu_);
        spec = spec_for(resolve(account, region, function, ""));
    }
    return sandboxes_.invoke(std::move(spec), std::move(payload), {}, std::move(on_done));
}

}  // namespace fogbank::lambda
