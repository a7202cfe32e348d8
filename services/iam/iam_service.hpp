// IAM on the wire: the query protocol (Action=CreateRole&...), XML results, <ErrorResponse>
// errors. Roles, their inline and attached policies, and customer managed policies are stored
// and returned faithfully so that the scripts which set up a pipeline run unchanged; fogbank
// does not enforce them. IAM is global: entities belong to an account, not a region.
#pragma once

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <map>
#include <mutex>
#include <string>

#include "emulator/database.hpp"
#include "emulator/service.hpp"

namespace fogbank::iam {

using json = nlohmann::json;
using Params = std::map<std::string, std::string>;

class IamService : public Service {
  public:
    explicit IamService(Database& db);
    std::string_view name() const override { return "iam"; }
    Response handle(Request& req) override;
    bool quick(const RequestHead&) const override { return true; }
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override;

  private:
    // A role or policy as a JSON document; XML is written from it per operation.
    struct Entities {
        std::map<std::string, json> roles;     // name -> role
        std::map<std::string, json> policies;  // arn -> customer managed policy
    };
    using Handler = void (IamService::*)(const std::string& account, const Params&,
                                         pugi::xml_node result);
    static const std::map<std::string, Handler, std::less<>>& handlers();

    void create_role(const std::string&, const Params&, pugi::xml_node);
    void get_role(const std::string&, const Params&, pugi::xml_node);
    void list_roles(const std::string&, const Params&, pugi::xml_node);
    void delete_role(const std::string&, const Params&, pugi::xml_node);
    void update_role(const std::string&, const Params&, pugi::xml_node);
    void update_assume_role_policy(const std::string&, const Params&, pugi::xml_node);
    void put_role_policy(const std::string&, const Params&, pugi::xml_node);
    void get_role_policy(const std::string&, const Params&, pugi::xml_node);
    void delete_role_policy(const std::string&, const Params&, pugi::xml_node);
    void list_role_policies(const std::string&, const Params&, pugi::xml_node);
    void attach_role_policy(const std::string&, const Params&, pugi::xml_node);
    void detach_role_policy(const std::string&, const Params&, pugi::xml_node);
    void list_attached_role_policies(const std::string&, const Params&, pugi::xml_node);
    void create_policy(const std::string&, const Params&, pugi::xml_node);
    void get_policy(const std::string&, const Params&, pugi::xml_node);
    void delete_policy(const std::string&, const Params&, pugi::xml_node);
    void list_policies(const std::string&, const Params&, pugi::xml_node);
    void tag_role(const std::string&, const Params&, pugi::xml_node);
    void list_role_tags(const std::string&, const Params&, pugi::xml_node);

    json& role(const std::string& account, const Params& p);
    void save_role(const std::string& account, const json& role);
    void save_policy(const std::string& account, const json& policy);

    Database& db_;
    std::mutex mu_;
    std::map<std::string, Entities> accounts_;
};

}  // namespace fogbank::iam
