// API Gateway REST APIs, as much as a Lambda proxy needs: CreateRestApi, resources, methods,
// AWS_PROXY integrations, deployments and stages (REST-JSON, /restapis/...), and the invoke
// URL http://<fogbank>/restapis/<api>/<stage>/_user_request_/<path>, which runs the
// integration's function with payload format 1.0. A stage serves the resources as they were
// when it was deployed, as in AWS.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "emulator/database.hpp"
#include "emulator/protocol/rest_json.hpp"
#include "emulator/service.hpp"
#include "services/lambda/backend.hpp"

namespace fogbank::apigateway {

using json = nlohmann::json;

class ApiGatewayService : public Service {
  public:
    ApiGatewayService(Database& db, lambda::Backend& lambda);
    std::string_view name() const override { return "apigateway"; }
    Response handle(Request& req) override;
    bool quick(const RequestHead&) const override { return true; }
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override;

    // The invoke URL (ExecuteApiService).
    Response execute(Request& req);

  private:
    struct Call {
        Request& req;
        rest_json::PathParams params;
        json body;
    };
    using Handler = Response (ApiGatewayService::*)(Call&);
    using Route = rest_json::Route<Handler>;
    static const std::vector<Route>& routes();

    Response create_rest_api(Call&);
    Response get_rest_apis(Call&);
    Response get_rest_api(Call&);
    Response delete_rest_api(Call&);
    Response get_resources(Call&);
    Response get_resource(Call&);
    Response create_resource(Call&);
    Response delete_resource(Call&);
    Response put_method(Call&);
    Response get_method(Call&);
    Response put_integration(Call&);
    Response get_integration(Call&);
    Response put_method_response(Call&);
    Response put_integration_response(Call&);
    Response create_deployment(Call&);
    Response get_stages(Call&);
    Response get_stage(Call&);

    json& api(const Call& c);
    json& resource(json& api, const std::string& id);
    json& method(json& resource, const std::string& http_method);
    void save(const json& api);

    Database& db_;
    lambda::Backend& lambda_;
    std::mutex mu_;
    using Key = std::tuple<std::string, std::string, std::string>;  // account, region, id
    std::map<Key, json> apis_;
};

// The invoke URL's requests carry no signature.
class ExecuteApiService : public Service {
  public:
    explicit ExecuteApiService(ApiGatewayService& apis) : apis_(apis) {}
    std::string_view name() const override { return "execute-api"; }
    Response handle(Request& req) override { return apis_.execute(req); }
    bool quick(const RequestHead&) const override { return true; }
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override {}
    bool signed_requests() const override { return false; }

  private:
    ApiGatewayService& apis_;
};

}  // namespace fogbank::apigateway
