#include "services/apigateway/apigateway_service.hpp"

#include <set>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "services/lambda/http_events.hpp"

namespace fogbank::apigateway {

namespace {

std::string new_id() {
    return random_id("abcdefghijklmnopqrstuvwxyz0123456789", 10);
}

double epoch_seconds() {
    return static_cast<double>(now_ms().time_since_epoch().count()) / 1000.0;
}

AwsError not_found(const std::string& what) {
    return AwsError("NotFoundException", what, 404);
}

AwsError bad_request(const std::string& what) {
    return AwsError("BadRequestException", what, 400);
}

// What the API shows of a resource: its methods without their integrations' internals.
json resource_view(const json& r) {
    json out = {{"id", r["id"]}, {"path", r["path"]}};
    if (r.contains("parentId")) out["parentId"] = r["parentId"];
    if (r.contains("pathPart")) out["pathPart"] = r["pathPart"];
    if (!r["methods"].empty()) out["resourceMethods"] = r["methods"];
    return out;
}

json api_view(const json& a) {
    return {{"id", a["id"]},
            {"name", a["name"]},
            {"description", a.value("description", "")},
            {"createdDate", a["createdDate"]},
            {"apiKeySource", "HEADER"},
            {"endpointConfiguration", {{"types", {"EDGE"}}}},
            {"disableExecuteApiEndpoint", false},
            {"rootResourceId", a["rootResourceId"]}};
}

// Matches a request path against a resource path: literal segments, {name} and a final
// {name+}. Returns the path parameters, or null when it does not match; `score` prefers
// literal segments over parameters over greedy ones.
json match_path(const std::string& pattern, const std::string& path, int& score) {
    auto split = [](const std::string& s) {
        std::vector<std::string> parts;
        size_t start = 1;
        while (start <= s.size()) {
            auto end = s.find('/', start);
            std::string part = s.substr(start, end == std::string::npos ? end : end - start);
            if (!part.empty()) parts.push_back(part);
            if (end == std::string::npos) break;
            start = end + 1;
        }
        return parts;
    };
    auto pp = split(pattern), rp = split(path);
    json params = json::object();
    score = 0;
    for (size_t i = 0; i < pp.size(); ++i) {
        const std::string& p = pp[i];
        bool is_param = p.size() > 2 && p.front() == '{' && p.back() == '}';
        if (is_param && p[p.size() - 2] == '+') {
            if (i >= rp.size()) return nullptr;
            std::string rest;
            for (size_t j = i; j < rp.size(); ++j)
                rest += (j > i ? "/" : "") + rp[j];
            params[p.substr(1, p.size() - 3)] = rest;
            return params;
        }
        if (i >= rp.size()) return nullptr;
        if (is_param) {
            params[p.substr(1, p.size() - 2)] = rp[i];
            score += 1;
        } else if (p == rp[i]) {
            score += 2;
        } else {
            return nullptr;
        }
    }
    if (pp.size() != rp.size()) return nullptr;
    score += 100;  // a full match beats any greedy one
    return params;
}

Response message(int status, const std::string& text) {
    Response res;
    res.status = status;
    res.headers.set("Content-Type", "application/json");
    res.headers.set("x-amzn-ErrorType",
                    status == 403 ? "MissingAuthenticationTokenException" : "NotFoundException");
    res.body = json{{"message", text}}.dump();
    return res;
}

}  // namespace

ApiGatewayService::ApiGatewayService(Database& db, lambda::Backend& lambda)
    : db_(db), lambda_(lambda) {
    std::lock_guard lock(db_.mutex());
    db_.exec(
        "CREATE TABLE IF NOT EXISTS apigateway_apis (account TEXT NOT NULL, region TEXT NOT NULL, "
        "id TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY (account, region, id))");
    auto s = db_.prepare("SELECT account, region, id, doc FROM apigateway_apis");
    while (s.step())
        apis_[{s.text(0), s.text(1), s.text(2)}] = json::parse(s.text(3));
}

void ApiGatewayService::reset() {
    std::lock_guard lock(mu_);
    apis_.clear();
    std::lock_guard dblock(db_.mutex());
    db_.exec("DELETE FROM apigateway_apis");
}

void ApiGatewayService::save(const json& a) {
    std::lock_guard dblock(db_.mutex());
    db_.prepare(
           "INSERT OR REPLACE INTO apigateway_apis (account, region, id, doc) VALUES (?, ?, ?, ?)")
        .bind_all(a["account"].get<std::string>(), a["region"].get<std::string>(),
                  a["id"].get<std::string>(), a.dump())
        .run();
}

const std::vector<ApiGatewayService::Route>& ApiGatewayService::routes() {
    using V = http::verb;
    using S = ApiGatewayService;
    static const std::vector<Route> table = {
        {V::post, "/restapis", "CreateRestApi", &S::create_rest_api},
        {V::get, "/restapis", "GetRestApis", &S::get_rest_apis},
        {V::get, "/restapis/{restapi_id}", "GetRestApi", &S::get_rest_api},
        {V::delete_, "/restapis/{restapi_id}", "DeleteRestApi", &S::delete_rest_api},
        {V::get, "/restapis/{restapi_id}/resources", "GetResources", &S::get_resources},
        {V::get, "/restapis/{restapi_id}/resources/{resource_id}", "GetResource", &S::get_resource},
        {V::post, "/restapis/{restapi_id}/resources/{parent_id}", "CreateResource",
         &S::create_resource},
        {V::delete_, "/restapis/{restapi_id}/resources/{resource_id}", "DeleteResource",
         &S::delete_resource},
        {V::put, "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
         "PutMethod", &S::put_method},
        {V::get, "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}",
         "GetMethod", &S::get_method},
        {V::put, "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration",
         "PutIntegration", &S::put_integration},
        {V::get, "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration",
         "GetIntegration", &S::get_integration},
        {V::put,
         "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/responses/"
         "{status_code}",
         "PutMethodResponse", &S::put_method_response},
        {V::put,
         "/restapis/{restapi_id}/resources/{resource_id}/methods/{http_method}/integration/"
         "responses/{status_code}",
         "PutIntegrationResponse", &S::put_integration_response},
        {V::post, "/restapis/{restapi_id}/deployments", "CreateDeployment", &S::create_deployment},
        {V::get, "/restapis/{restapi_id}/stages", "GetStages", &S::get_stages},
        {V::get, "/restapis/{restapi_id}/stages/{stage_name}", "GetStage", &S::get_stage},
    };
    return table;
}

Response ApiGatewayService::handle(Request& req) {
    rest_json::PathParams params;
    if (const Route* r = rest_json::find_route(routes(), req, params)) {
        req.operation = r->operation;
        Call call{req, std::move(params), rest_json::parse(req, "BadRequestException")};
        std::lock_guard lock(mu_);
        return (this->*r->handler)(call);
    }
    throw not_found("Unknown API Gateway operation " + req.method_name + " " + req.path);
}

Response ApiGatewayService::error_response(const AwsError& err, const RequestHead& head) const {
    return rest_json::error_response(err, head);
}

json& ApiGatewayService::api(const Call& c) {
    const std::string& id = c.params.at("restapi_id");
    auto it = apis_.find({c.req.account, c.req.region, id});
    if (it == apis_.end())
        throw not_found("Invalid API identifier specified " + c.req.account + ":" + id);
    return it->second;
}

json& ApiGatewayService::resource(json& a, const std::string& id) {
    if (!a["resources"].contains(id)) throw not_found("Invalid Resource identifier specified");
    return a["resources"][id];
}

json& ApiGatewayService::method(json& r, const std::string& http_method) {
    if (!r["methods"].contains(http_method)) throw not_found("Invalid Method identifier specified");
    return r["methods"][http_method];
}

Response ApiGatewayService::create_rest_api(Call& c) {
    std::string name = c.body.value("name", "");
    if (name.empty()) throw bad_request("Invalid REST API name specified");
    std::string id = new_id(), root = new_id();
    json a = {{"id", id},
              {"name", name},
              {"description", c.body.value("description", "")},
              {"createdDate", epoch_seconds()},
              {"rootResourceId", root},
              {"account", c.req.account},
              {"region", c.req.region},
              {"resources", {{root, {{"id", root}, {"path", "/"}, {"methods", json::object()}}}}},
              {"deployments", json::object()},
              {"stages", json::object()}};
    apis_[{c.req.account, c.req.region, id}] = a;
    save(a);
    return rest_json::response(201, api_view(a));
}

Response ApiGatewayService::get_rest_apis(Call& c) {
    json items = json::array();
    for (auto& [key, a] : apis_)
        if (std::get<0>(key) == c.req.account && std::get<1>(key) == c.req.region)
            items.push_back(api_view(a));
    return rest_json::response(200, {{"item", items}});
}

Response ApiGatewayService::get_rest_api(Call& c) {
    return rest_json::response(200, api_view(api(c)));
}

Response ApiGatewayService::delete_rest_api(Call& c) {
    json& a = api(c);
    std::string id = a["id"];
    apis_.erase({c.req.account, c.req.region, id});
    std::lock_guard dblock(db_.mutex());
    db_.prepare("DELETE FROM apigateway_apis WHERE account=? AND region=? AND id=?")
        .bind_all(c.req.account, c.req.region, id)
        .run();
    return rest_json::empty(202);
}

Response ApiGatewayService::get_resources(Call& c) {
    json items = json::array();
    for (auto& [id, r] : api(c)["resources"].items())
        items.push_back(resource_view(r));
    return rest_json::response(200, {{"item", items}});
}

Response ApiGatewayService::get_resource(Call& c) {
    json& a = api(c);
    return rest_json::response(200, resource_view(resource(a, c.params.at("resource_id"))));
}

Response ApiGatewayService::create_resource(Call& c) {
    json& a = api(c);
    json& parent = resource(a, c.params.at("parent_id"));
    std::string part = c.body.value("pathPart", "");
    if (part.empty() || part.find('/') != std::string::npos)
        throw bad_request(
            "Resource's path part only allow a-zA-Z0-9._- and curly braces at the "
            "beginning and the end and an optional plus sign before the closing "
            "brace.");
    for (auto& [id, r] : a["resources"].items())
        if (r.value("parentId", "") == parent["id"] && r.value("pathPart", "") == part)
            throw AwsError("ConflictException",
                           "Another resource with the same parent already has this name: " + part,
                           409);
    std::string parent_path = parent["path"];
    std::string id = new_id();
    json r = {{"id", id},
              {"parentId", parent["id"]},
              {"pathPart", part},
              {"path", (parent_path == "/" ? "" : parent_path) + "/" + part},
              {"methods", json::object()}};
    a["resources"][id] = r;
    save(a);
    return rest_json::response(201, resource_view(r));
}

Response ApiGatewayService::delete_resource(Call& c) {
    json& a = api(c);
    const std::string& id = c.params.at("resource_id");
    resource(a, id);
    if (id == a["rootResourceId"]) throw bad_request("Cannot delete root resource");
    a["resources"].erase(id);
    save(a);
    return rest_json::empty(202);
}

Response ApiGatewayService::put_method(Call& c) {
    json& a = api(c);
    json& r = resource(a, c.params.at("resource_id"));
    std::string verb = c.params.at("http_method");
    static const std::set<std::string> verbs = {"GET",  "POST",    "PUT",   "DELETE",
                                                "HEAD", "OPTIONS", "PATCH", "ANY"};
    if (!verbs.count(verb))
        throw bad_request(
            "Invalid HttpMethod specified. Valid options are "
            "GET,PUT,POST,DELETE,PATCH,OPTIONS,HEAD,ANY");
    std::string auth = c.body.value("authorizationType", "");
    if (auth.empty()) throw bad_request("Invalid authorization type specified");
    json m = {{"httpMethod", verb},
              {"authorizationType", auth},
              {"apiKeyRequired", c.body.value("apiKeyRequired", false)}};
    r["methods"][verb] = m;
    save(a);
    return rest_json::response(201, m);
}

Response ApiGatewayService::get_method(Call& c) {
    json& a = api(c);
    json& r = resource(a, c.params.at("resource_id"));
    return rest_json::response(200, method(r, c.params.at("http_method")));
}

Response ApiGatewayService::put_integration(Call& c) {
    json& a = api(c);
    json& r = resource(a, c.params.at("resource_id"));
    json& m = method(r, c.params.at("http_method"));
    std::string type = c.body.value("type", "");
    static const std::set<std::string> types = {"HTTP", "AWS", "MOCK", "HTTP_PROXY", "AWS_PROXY"};
    if (!types.count(type)) throw bad_request("Invalid integration type specified");
    json integration = {
        {"type", type},
        {"passthroughBehavior", c.body.value("passthroughBehavior", "WHEN_NO_MATCH")},
        {"timeoutInMillis", c.body.value("timeoutInMillis", 29000)},
        {"cacheNamespace", r["id"]},
        {"cacheKeyParameters", json::array()}};
    if (type == "AWS_PROXY" || type == "AWS") {
        std::string uri = c.body.value("uri", "");
        // integrationHttpMethod travels as "httpMethod".
        std::string method_in = c.body.value("httpMethod", "");
        if (method_in.empty())
            throw bad_request("Enumeration value for HttpMethod must be non-empty");
        auto at = uri.find(":lambda:path/2015-03-31/functions/");
        if (uri.rfind("arn:aws:apigateway:", 0) != 0 || at == std::string::npos ||
            uri.size() < 12 || uri.compare(uri.size() - 12, 12, "/invocations") != 0)
            throw bad_request("Invalid ARN specified in the request");
        integration["uri"] = uri;
        integration["httpMethod"] = method_in;
    } else if (c.body.contains("uri")) {
        integration["uri"] = c.body["uri"];
    }
    m["methodIntegration"] = integration;
    save(a);
    return rest_json::response(201, integration);
}

Response ApiGatewayService::get_integration(Call& c) {
    json& a = api(c);
    json& m = method(resource(a, c.params.at("resource_id")), c.params.at("http_method"));
    if (!m.contains("methodIntegration")) throw not_found("No integration defined for method");
    return rest_json::response(200, m["methodIntegration"]);
}

Response ApiGatewayService::put_method_response(Call& c) {
    json& a = api(c);
    json& m = method(resource(a, c.params.at("resource_id")), c.params.at("http_method"));
    json out = {{"statusCode", c.params.at("status_code")}};
    m["methodResponses"][c.params.at("status_code")] = out;
    save(a);
    return rest_json::response(201, out);
}

Response ApiGatewayService::put_integration_response(Call& c) {
    json& a = api(c);
    json& m = method(resource(a, c.params.at("resource_id")), c.params.at("http_method"));
    if (!m.contains("methodIntegration")) throw not_found("No integration defined for method");
    json out = {{"statusCode", c.params.at("status_code")}};
    m["methodIntegration"]["integrationResponses"][c.params.at("status_code")] = out;
    save(a);
    return rest_json::response(201, out);
}

Response ApiGatewayService::create_deployment(Call& c) {
    json& a = api(c);
    bool any_method = false;
    for (auto& [id, r] : a["resources"].items())
        any_method = any_method || !r["methods"].empty();
    if (!any_method) throw bad_request("The REST API doesn't contain any methods");
    std::string id = new_id();
    json d = {{"id", id},
              {"createdDate", epoch_seconds()},
              {"description", c.body.value("description", "")}};
    a["deployments"][id] = {{"info", d}, {"resources", a["resources"]}};
    if (std::string stage = c.body.value("stageName", ""); !stage.empty())
        a["stages"][stage] = {{"stageName", stage},
                              {"deploymentId", id},
                              {"createdDate", d["createdDate"]},
                              {"lastUpdatedDate", d["createdDate"]},
                              {"description", c.body.value("stageDescription", "")}};
    save(a);
    return rest_json::response(201, d);
}

Response ApiGatewayService::get_stages(Call& c) {
    json items = json::array();
    for (auto& [name, s] : api(c)["stages"].items())
        items.push_back(s);
    return rest_json::response(200, {{"item", items}});
}

Response ApiGatewayService::get_stage(Call& c) {
    json& a = api(c);
    const std::string& name = c.params.at("stage_name");
    if (!a["stages"].contains(name)) throw not_found("Invalid Stage identifier specified");
    return rest_json::response(200, a["stages"][name]);
}

Response ApiGatewayService::execute(Request& req) {
    // /restapis/<api>/<stage>/_user_request_/<path>
    req.operation = "Invoke";
    std::string_view p = req.path;
    p.remove_prefix(std::string_view("/restapis/").size());
    auto s1 = p.find('/');
    std::string api_id(p.substr(0, s1));
    p = s1 == std::string_view::npos ? "" : p.substr(s1 + 1);
    auto s2 = p.find('/');
    std::string stage(p.substr(0, s2));
    p = s2 == std::string_view::npos ? "" : p.substr(s2);
    constexpr std::string_view kMarker = "/_user_request_";
    if (p.rfind(kMarker, 0) != 0) return message(404, "Not Found");
    std::string path(p.substr(kMarker.size()));
    if (path.empty()) path = "/";

    lambda::ProxyRoute route;
    lambda::HttpOrigin origin;
    std::string function_arn;
    {
        std::lock_guard lock(mu_);
        // The invoke URL names no account: the API id is unique across them.
        json* a = nullptr;
        for (auto& [key, candidate] : apis_)
            if (std::get<2>(key) == api_id) a = &candidate;
        if (!a || !(*a)["stages"].contains(stage)) return message(404, "Not Found");
        const json& resources =
            (*a)["deployments"][(*a)["stages"][stage]["deploymentId"].get<std::string>()]
                ["resources"];
        int best = -1;
        const json* chosen = nullptr;
        json params;
        for (auto& [id, r] : resources.items()) {
            int score = 0;
            json got = match_path(r["path"], path, score);
            if (got.is_null() || score <= best) continue;
            const json& methods = r["methods"];
            if (!methods.contains(req.method_name) && !methods.contains("ANY")) continue;
            best = score;
            chosen = &r;
            params = got;
        }
        if (!chosen) return message(403, "Missing Authentication Token");
        const json& m = (*chosen)["methods"].contains(req.method_name)
                            ? (*chosen)["methods"][req.method_name]
                            : (*chosen)["methods"]["ANY"];
        if (!m.contains("methodIntegration") || m["methodIntegration"]["type"] != "AWS_PROXY") {
            Response res;
            res.status = 500;
            res.headers.set("Content-Type", "application/json");
            res.body =
                json{{"message", "fogbank serves AWS_PROXY (Lambda proxy) integrations only"}}
                    .dump();
            return res;
        }
        std::string uri = m["methodIntegration"]["uri"];
        auto at = uri.find("/functions/") + 11;
        function_arn = uri.substr(at, uri.size() - 12 - at);
        route = {(*chosen)["path"], path, stage, (*chosen)["id"],
                 params.empty() ? json(nullptr) : params};
        origin = {api_id, (*a)["account"], (*a)["region"],
                  api_id + ".execute-api." + (*a)["region"].get<std::string>() + ".localhost"};
    }
    try {
        return lambda_.invoke_http(
            origin.account, origin.region, function_arn,
            lambda::proxy_event(req, origin, route).dump(),
            [](const lambda::InvocationResult& r) { return lambda::proxy_response(r); });
    } catch (const AwsError&) {
        Response res;
        res.status = 500;
        res.headers.set("Content-Type", "application/json");
        res.body = json{{"message", "Internal server error"}}.dump();
        return res;
    }
}

Response ExecuteApiService::error_response(const AwsError& err, const RequestHead&) const {
    Response res;
    res.status = err.status();
    res.headers.set("Content-Type", "application/json");
    res.body = json{{"message", err.what()}}.dump();
    return res;
}

}  // namespace fogbank::apigateway
