// EC2 on the wire (the `ec2` protocol: emulator/protocol/ec2_query.hpp). Instances are local
// processes (instances.hpp); tags and the small catalogue of images, types, regions and zones
// a launch script reads are answered here. Instance metadata (IMDSv1 and v2) is served to each
// instance under /_imds/<instance-id>/, the base URL its AWS_EC2_METADATA_SERVICE_ENDPOINT names.
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "emulator/protocol/ec2_query.hpp"
#include "emulator/service.hpp"
#include "services/ec2/instances.hpp"
#include "services/ec2/resources.hpp"

namespace fogbank::ec2 {

using Params = ec2_query::Params;

// <tagSet><item><key/><value/></item>...</tagSet> from a {key: value} object.
void write_tag_set(pugi::xml_node parent, const json& tags);

class Ec2Service : public Service {
  public:
    Ec2Service(const Config& cfg, Database& db, std::filesystem::path work_dir);
    std::string_view name() const override { return "ec2"; }
    Response handle(Request& req) override;
    // RunInstances writes directories and starts processes (up to MaxCount of them), and the
    // action is in the body: every EC2 request runs on the worker pool.
    bool quick(const RequestHead&) const override { return false; }
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override;

    Instances& instances() { return instances_; }

  private:
    using Handler = void (Ec2Service::*)(const Request&, const Params&, pugi::xml_node);
    static const std::map<std::string, Handler, std::less<>>& handlers();

    void run_instances(const Request&, const Params&, pugi::xml_node);
    void describe_instances(const Request&, const Params&, pugi::xml_node);
    void describe_instance_status(const Request&, const Params&, pugi::xml_node);
    void start_instances(const Request&, const Params&, pugi::xml_node);
    void stop_instances(const Request&, const Params&, pugi::xml_node);
    void terminate_instances(const Request&, const Params&, pugi::xml_node);
    void reboot_instances(const Request&, const Params&, pugi::xml_node);
    void get_console_output(const Request&, const Params&, pugi::xml_node);
    void describe_instance_attribute(const Request&, const Params&, pugi::xml_node);
    void modify_instance_attribute(const Request&, const Params&, pugi::xml_node);
    void create_tags(const Request&, const Params&, pugi::xml_node);
    void delete_tags(const Request&, const Params&, pugi::xml_node);
    void describe_tags(const Request&, const Params&, pugi::xml_node);
    void describe_images(const Request&, const Params&, pugi::xml_node);
    void describe_regions(const Request&, const Params&, pugi::xml_node);
    void describe_availability_zones(const Request&, const Params&, pugi::xml_node);
    void describe_instance_types(const Request&, const Params&, pugi::xml_node);
    void describe_account_attributes(const Request&, const Params&, pugi::xml_node);
    void describe_vpcs(const Request&, const Params&, pugi::xml_node);
    void describe_subnets(const Request&, const Params&, pugi::xml_node);
    void create_security_group(const Request&, const Params&, pugi::xml_node);
    void delete_security_group(const Request&, const Params&, pugi::xml_node);
    void describe_security_groups(const Request&, const Params&, pugi::xml_node);
    void authorize_ingress(const Request&, const Params&, pugi::xml_node);
    void authorize_egress(const Request&, const Params&, pugi::xml_node);
    void revoke_ingress(const Request&, const Params&, pugi::xml_node);
    void revoke_egress(const Request&, const Params&, pugi::xml_node);
    void create_key_pair(const Request&, const Params&, pugi::xml_node);
    void import_key_pair(const Request&, const Params&, pugi::xml_node);
    void describe_key_pairs(const Request&, const Params&, pugi::xml_node);
    void delete_key_pair(const Request&, const Params&, pugi::xml_node);
    void create_launch_template(const Request&, const Params&, pugi::xml_node);
    void create_launch_template_version(const Request&, const Params&, pugi::xml_node);
    void modify_launch_template(const Request&, const Params&, pugi::xml_node);
    void describe_launch_templates(const Request&, const Params&, pugi::xml_node);
    void describe_launch_template_versions(const Request&, const Params&, pugi::xml_node);
    void delete_launch_template(const Request&, const Params&, pugi::xml_node);
    void delete_launch_template_versions(const Request&, const Params&, pugi::xml_node);
    void change_rules(const Request&, const Params&, pugi::xml_node, const char* direction,
                      bool authorize);
    // The account's default security group, made on first use.
    json default_group(const Request&);
    // The group named by GroupId or GroupName (InvalidGroup.NotFound).
    json security_group(const Request&, const Params&);

    // The key pair named `name` (InvalidKeyPair.NotFound).
    json key_pair_by_name(const Request&, const std::string& name);
    // Stores a new key pair unless its name is taken (InvalidKeyPair.Duplicate).
    void store_key_pair(const Request&, json doc);
    // The template LaunchTemplateId or LaunchTemplateName names under `prefix`
    // (InvalidLaunchTemplateId.* / InvalidLaunchTemplateName.*).
    json launch_template(const Request&, const Params&, const std::string& prefix = "");
    // RunInstances' parameters with a LaunchTemplate's data beneath them: what the request names
    // wins, a list given in the request replaces the template's whole list. Adds the tags EC2
    // puts on instances launched from a template to `tags`.
    Params with_launch_template(const Request&, const Params&, json& tags);

    // Applies `edit` to the tags of each resource (checked first: InvalidID, *.NotFound).
    void edit_tags(const Request&, const std::vector<std::string>& ids,
                   const std::function<void(json& tags)>& edit);
    // Each id well-formed and an instance of the caller's (InvalidInstanceID.*).
    void check_instances(const Request&, const std::vector<std::string>& ids);
    // The instances named by InstanceId.N, checked.
    std::vector<std::string> named_instances(const Request&, const Params&);
    void state_changes(const Request& req, const Params& p, pugi::xml_node root,
                       const char* list_name,
                       const std::function<Instances::Change(const std::string&)>& change);

    const Config& cfg_;
    Instances instances_;
    Resources resources_;
    std::mutex key_mu_;       // key pair names are unique per account and region
    std::mutex template_mu_;  // so are launch template names; versions are numbered in order
};

// /_imds/<instance-id>/latest/...: the instance metadata service, unsigned, as each instance
// reaches it. IMDSv2's token (PUT latest/api/token) is honoured, and required when the instance
// was launched with MetadataOptions.HttpTokens=required.
class MetadataService : public Service {
  public:
    explicit MetadataService(Instances& instances) : instances_(instances) {}
    std::string_view name() const override { return "ec2-metadata"; }
    Response handle(Request& req) override;
    bool quick(const RequestHead&) const override { return true; }
    Response error_response(const AwsError& err, const RequestHead& head) const override;
    void reset() override;
    bool signed_requests() const override { return false; }

  private:
    Instances& instances_;
    std::mutex mu_;
    std::map<std::string, std::pair<std::string, int64_t>> tokens_;  // token -> instance, expiry
};

}  // namespace fogbank::ec2
