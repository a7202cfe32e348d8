#include "services/ec2/ec2_service.hpp"

#include <regex>
#include <tuple>

#include "emulator/encoding.hpp"
#include "emulator/protocol/aws_query.hpp"
#include "services/ec2/catalogue.hpp"
#include "services/ec2/request_params.hpp"

namespace fogbank::ec2 {

namespace {

using ec2_query::add;
using ec2_query::add_list;
using ec2_query::add_struct;
using ec2_query::item;

// UserData is limited to 16 KB before base64 encoding.
constexpr size_t kMaxUserData = 16 * 1024;

const std::regex& instance_id_shape() {
    static const std::regex re("^i-([0-9a-f]{8}|[0-9a-f]{17})$");
    return re;
}

void add_state(pugi::xml_node parent, const char* name, const json& rec) {
    add_struct(parent, name,
               {{"code", std::to_string(rec["state"]["code"].get<int>())},
                {"name", rec["state"]["name"].get<std::string>()}});
}

void write_instance(pugi::xml_node it, const json& rec) {
    add(it, "instanceId", rec["instanceId"].get<std::string>());
    add(it, "imageId", rec["imageId"].get<std::string>());
    add_state(it, "instanceState", rec);
    add(it, "privateDnsName", rec["privateDnsName"].get<std::string>());
    add(it, "dnsName", "");
    add(it, "reason", rec.value("stateTransitionReason", std::string()));
    if (rec.contains("keyName")) add(it, "keyName", rec["keyName"].get<std::string>());
    add(it, "amiLaunchIndex", std::to_string(rec["amiLaunchIndex"].get<int>()));
    add_list(it, "productCodes");
    add(it, "instanceType", rec["instanceType"].get<std::string>());
    add(it, "launchTime",
        format_iso8601_ms(TimePoint(std::chrono::milliseconds(rec["launchTime"].get<int64_t>()))));
    add_struct(it, "placement",
               {{"availabilityZone", rec["availabilityZone"].get<std::string>()},
                {"groupName", ""},
                {"tenancy", "default"}});
    add_struct(it, "monitoring", {{"state", "disabled"}});
    add(it, "subnetId", rec["subnetId"].get<std::string>());
    add(it, "vpcId", rec["vpcId"].get<std::string>());
    add(it, "privateIpAddress", rec["privateIpAddress"].get<std::string>());
    add(it, "sourceDestCheck", "true");
    auto groups = add_list(it, "groupSet");
    for (auto& g : rec["securityGroups"]) {
        auto gi = item(groups);
        add(gi, "groupId", g["groupId"].get<std::string>());
        add(gi, "groupName", g["groupName"].get<std::string>());
    }
    if (rec.contains("stateReason"))
        add_struct(it, "stateReason",
                   {{"code", rec["stateReason"]["code"].get<std::string>()},
                    {"message", rec["stateReason"]["message"].get<std::string>()}});
    add(it, "architecture", "x86_64");
    add(it, "rootDeviceType", "ebs");
    add(it, "rootDeviceName", "/dev/xvda");
    add_list(it, "blockDeviceMapping");
    add(it, "virtualizationType", "hvm");
    if (rec.contains("clientToken")) add(it, "clientToken", rec["clientToken"].get<std::string>());
    if (!rec["tags"].empty()) write_tag_set(it, rec["tags"]);
    add(it, "hypervisor", "xen");
    if (rec.contains("iamInstanceProfile"))
        add_struct(it, "iamInstanceProfile",
                   {{"arn", rec["iamInstanceProfile"]["arn"].get<std::string>()},
                    {"id", rec["iamInstanceProfile"]["id"].get<std::string>()}});
    add(it, "ebsOptimized", "false");
    add(it, "enaSupport", "true");
    add(it, "platformDetails", "Linux/UNIX");
    add_struct(
        it, "metadataOptions",
        {{"state", "applied"},
         {"httpTokens", rec.value("httpTokens", std::string("optional"))},
         {"httpPutResponseHopLimit", "1"},
         {"httpEndpoint", rec.value("httpEndpoint", std::string("enabled"))},
         {"instanceMetadataTags", rec.value("instanceMetadataTags", std::string("disabled"))}});
}

// A terminated or stopped-by-shutdown instance says why, as EC2's stateReason does.
void note_reason(json& rec) {
    std::string reason = rec.value("stateTransitionReason", std::string());
    auto code = rec["state"]["code"].get<int>();
    if (code == static_cast<int>(State::terminated) || code == static_cast<int>(State::stopped) ||
        code == static_cast<int>(State::stopping) ||
        code == static_cast<int>(State::shutting_down)) {
        bool own = reason.rfind("Client.InstanceInitiatedShutdown", 0) == 0;
        bool failed = reason.rfind("Server.", 0) == 0;
        std::string c = own      ? "Client.InstanceInitiatedShutdown"
                        : failed ? "Server.InternalError"
                                 : "Client.UserInitiatedShutdown";
        rec["stateReason"] = {{"code", c},
                              {"message", own      ? "Client.InstanceInitiatedShutdown: Instance "
                                                     "initiated shutdown"
                                          : failed ? reason
                                                   : "Client.UserInitiatedShutdown: User "
                                                     "initiated shutdown"}};
    }
}

const std::vector<std::string> kInstanceFilters = {"instance-id",
                                                   "instance-state-name",
                                                   "instance-state-code",
                                                   "image-id",
                                                   "instance-type",
                                                   "reservation-id",
                                                   "key-name",
                                                   "vpc-id",
                                                   "subnet-id",
                                                   "availability-zone",
                                                   "private-ip-address",
                                                   "owner-id",
                                                   "iam-instance-profile.arn",
                                                   "tag-key",
                                                   "tag-value",
                                                   "group-id"};

// What DescribeInstances' filters look at, by filter name.
std::vector<std::string> filter_values(const json& rec, const std::string& name) {
    if (name == "instance-id") return {rec["instanceId"]};
    if (name == "instance-state-name") return {rec["state"]["name"]};
    if (name == "instance-state-code") return {std::to_string(rec["state"]["code"].get<int>())};
    if (name == "image-id") return {rec["imageId"]};
    if (name == "instance-type") return {rec["instanceType"]};
    if (name == "reservation-id") return {rec["reservationId"]};
    if (name == "key-name") return {rec.value("keyName", std::string())};
    if (name == "vpc-id") return {rec["vpcId"]};
    if (name == "subnet-id") return {rec["subnetId"]};
    if (name == "availability-zone") return {rec["availabilityZone"]};
    if (name == "private-ip-address") return {rec["privateIpAddress"]};
    if (name == "owner-id") return {rec["ownerId"]};
    if (name == "iam-instance-profile.arn")
        return {rec.contains("iamInstanceProfile") ? rec["iamInstanceProfile"]["arn"] : json("")};
    if (name == "tag-key") {
        std::vector<std::string> keys;
        for (auto& [k, v] : rec["tags"].items())
            keys.push_back(k);
        return keys;
    }
    if (name == "tag-value") {
        std::vector<std::string> values;
        for (auto& [k, v] : rec["tags"].items())
            values.push_back(v);
        return values;
    }
    if (name.rfind("tag:", 0) == 0) {
        auto key = name.substr(4);
        if (rec["tags"].contains(key)) return {rec["tags"][key]};
        return {};
    }
    if (name == "group-id") {
        std::vector<std::string> ids;
        for (auto& g : rec["securityGroups"])
            ids.push_back(g["groupId"]);
        return ids;
    }
    throw AwsError("InvalidParameterValue", "The filter '" + name + "' is invalid", 400);
}

}  // namespace

void write_tag_set(pugi::xml_node parent, const json& tags) {
    auto set = ec2_query::add_list(parent, "tagSet");
    for (auto& [k, v] : tags.items()) {
        auto t = ec2_query::item(set);
        ec2_query::add(t, "key", k);
        ec2_query::add(t, "value", v.get<std::string>());
    }
}

Ec2Service::Ec2Service(const Config& cfg, Database& db, std::filesystem::path work_dir)
    : cfg_(cfg), instances_(cfg, db, std::move(work_dir)), resources_(db) {}

const std::map<std::string, Ec2Service::Handler, std::less<>>& Ec2Service::handlers() {
    static const std::map<std::string, Handler, std::less<>> table = {
        {"RunInstances", &Ec2Service::run_instances},
        {"DescribeInstances", &Ec2Service::describe_instances},
        {"DescribeInstanceStatus", &Ec2Service::describe_instance_status},
        {"StartInstances", &Ec2Service::start_instances},
        {"StopInstances", &Ec2Service::stop_instances},
        {"TerminateInstances", &Ec2Service::terminate_instances},
        {"RebootInstances", &Ec2Service::reboot_instances},
        {"GetConsoleOutput", &Ec2Service::get_console_output},
        {"DescribeInstanceAttribute", &Ec2Service::describe_instance_attribute},
        {"ModifyInstanceAttribute", &Ec2Service::modify_instance_attribute},
        {"CreateTags", &Ec2Service::create_tags},
        {"DeleteTags", &Ec2Service::delete_tags},
        {"DescribeTags", &Ec2Service::describe_tags},
        {"DescribeImages", &Ec2Service::describe_images},
        {"DescribeRegions", &Ec2Service::describe_regions},
        {"DescribeAvailabilityZones", &Ec2Service::describe_availability_zones},
        {"DescribeInstanceTypes", &Ec2Service::describe_instance_types},
        {"DescribeAccountAttributes", &Ec2Service::describe_account_attributes},
        {"DescribeVpcs", &Ec2Service::describe_vpcs},
        {"DescribeSubnets", &Ec2Service::describe_subnets},
        {"CreateSecurityGroup", &Ec2Service::create_security_group},
        {"DeleteSecurityGroup", &Ec2Service::delete_security_group},
        {"DescribeSecurityGroups", &Ec2Service::describe_security_groups},
        {"AuthorizeSecurityGroupIngress", &Ec2Service::authorize_ingress},
        {"AuthorizeSecurityGroupEgress", &Ec2Service::authorize_egress},
        {"RevokeSecurityGroupIngress", &Ec2Service::revoke_ingress},
        {"RevokeSecurityGroupEgress", &Ec2Service::revoke_egress},
        {"CreateKeyPair", &Ec2Service::create_key_pair},
        {"ImportKeyPair", &Ec2Service::import_key_pair},
        {"DescribeKeyPairs", &Ec2Service::describe_key_pairs},
        {"DeleteKeyPair", &Ec2Service::delete_key_pair},
        {"CreateLaunchTemplate", &Ec2Service::create_launch_template},
        {"CreateLaunchTemplateVersion", &Ec2Service::create_launch_template_version},
        {"ModifyLaunchTemplate", &Ec2Service::modify_launch_template},
        {"DescribeLaunchTemplates", &Ec2Service::describe_launch_templates},
        {"DescribeLaunchTemplateVersions", &Ec2Service::describe_launch_template_versions},
        {"DeleteLaunchTemplate", &Ec2Service::delete_launch_template},
        {"DeleteLaunchTemplateVersions", &Ec2Service::delete_launch_template_versions},
    };
    return table;
}

Response Ec2Service::handle(Request& req) {
    Params p = request_params(req);
    aws_query::require_utf8(p);  // records are JSON
    std::string action = p.count("Action") ? p.at("Action") : "";
    req.operation = action;
    auto it = handlers().find(action);
    if (it == handlers().end())
        throw AwsError("InvalidAction",
                       "The action " + action + " is not valid for this web service.", 400);
    if (flag(p, "DryRun"))
        throw AwsError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.",
                       412);
    ec2_query::ResultDocument doc(action, req.request_id);
    (this->*(it->second))(req, p, doc.root);
    return doc.response();
}

Response Ec2Service::error_response(const AwsError& err, const RequestHead& head) const {
    return ec2_query::error_response(err, head);
}

void Ec2Service::reset() {
    instances_.reset();
    resources_.reset();
}

void Ec2Service::check_instances(const Request& req, const std::vector<std::string>& ids) {
    std::vector<std::string> missing;
    for (auto& id : ids) {
        if (!std::regex_match(id, instance_id_shape()))
            throw AwsError("InvalidInstanceID.Malformed", "Invalid id: \"" + id + "\"", 400);
        if (!instances_.get(req.account, req.region, id)) missing.push_back(id);
    }
    if (missing.size() == 1)
        throw AwsError("InvalidInstanceID.NotFound",
                       "The instance ID '" + missing[0] + "' does not exist", 400);
    if (!missing.empty()) {
        std::string list;
        for (auto& m : missing)
            list += (list.empty() ? "" : ", ") + m;
        throw AwsError("InvalidInstanceID.NotFound", "The instance IDs '" + list + "' do not exist",
                       400);
    }
}

std::vector<std::string> Ec2Service::named_instances(const Request& req, const Params& p) {
    auto ids = ec2_query::list(p, "InstanceId");
    check_instances(req, ids);
    return ids;
}

void Ec2Service::run_instances(const Request& req, const Params& request, pugi::xml_node root) {
    json template_tags = json::object();
    const Params p = with_launch_template(req, request, template_tags);
    std::string image = required(p, "ImageId");
    const Image* img = find_image(image);
    if (!img) {
        if (!std::regex_match(image, std::regex("^ami-([0-9a-f]{8}|[0-9a-f]{17})$")))
            throw AwsError("InvalidAMIID.Malformed", "Invalid id: \"" + image + "\"", 400);
        throw AwsError("InvalidAMIID.NotFound", "The image id '[" + image + "]' does not exist",
                       400);
    }
    long min_count = integer(p, "MinCount", 1, 1000, true);
    long max_count = integer(p, "MaxCount", 1, 1000, true);
    if (min_count > max_count)
        throw AwsError("InvalidParameterValue",
                       "MinCount (" + std::to_string(min_count) +
                           ") must be less than or equal to MaxCount (" +
                           std::to_string(max_count) + ")",
                       400);
    std::string type = p.count("InstanceType") ? p.at("InstanceType") : "m1.small";
    if (!find_instance_type(type))
        throw AwsError("InvalidParameterValue", "Invalid value '" + type + "' for InstanceType.",
                       400);
    std::string user_data = p.count("UserData") ? p.at("UserData") : "";
    if (!user_data.empty()) {
        auto decoded = base64_decode(user_data);
        if (!decoded)
            throw AwsError("InvalidParameterValue", "Invalid BASE64 encoding of user data.", 400);
        if (decoded->size() > kMaxUserData)
            throw AwsError("InvalidParameterValue",
                           "User data is limited to " + std::to_string(kMaxUserData) + " bytes",
                           400);
    }
    std::string behaviour = p.count("InstanceInitiatedShutdownBehavior")
                                ? p.at("InstanceInitiatedShutdownBehavior")
                                : "stop";
    if (behaviour != "stop" && behaviour != "terminate")
        throw AwsError("InvalidParameterValue",
                       "Invalid value '" + behaviour +
                           "' for InstanceInitiatedShutdownBehavior. Valid values: stop, terminate",
                       400);

    // ClientToken: the same request again answers the instances it launched.
    std::string token = p.count("ClientToken") ? p.at("ClientToken") : "";
    std::vector<json> launched;
    if (!token.empty())
        for (auto& rec : instances_.list(req.account, req.region))
            if (rec.value("clientToken", std::string()) == token) launched.push_back(rec);

    if (launched.empty()) {
        json base = {{"imageId", image},
                     {"instanceType", type},
                     {"userData", user_data},
                     {"instanceInitiatedShutdownBehavior", behaviour},
                     {"disableApiTermination", flag(p, "DisableApiTermination")},
                     {"availabilityZone", p.count("Placement.AvailabilityZone")
                                              ? p.at("Placement.AvailabilityZone")
                                              : req.region + "a"},
                     {"tags", json::object()}};
        if (!token.empty()) base["clientToken"] = token;
        if (p.count("KeyName")) base["keyName"] = key_pair_by_name(req, p.at("KeyName"))["keyName"];
        const Network& net = default_network(req.account, req.region);
        base["vpcId"] = net.vpc_id;
        base["subnetId"] = p.count("SubnetId") ? p.at("SubnetId") : net.subnet_id;
        base["securityGroups"] = json::array();
        for (auto& g : ec2_query::list(p, "SecurityGroupId")) {
            json group = security_group(req, {{"GroupId", g}});
            base["securityGroups"].push_back(
                {{"groupId", group["groupId"]}, {"groupName", group["groupName"]}});
        }
        for (auto& g : ec2_query::list(p, "SecurityGroup")) {
            json group = security_group(req, {{"GroupName", g}});
            base["securityGroups"].push_back(
                {{"groupId", group["groupId"]}, {"groupName", group["groupName"]}});
        }
        if (base["securityGroups"].empty()) {
            json group = default_group(req);
            base["securityGroups"].push_back(
                {{"groupId", group["groupId"]}, {"groupName", group["groupName"]}});
        }
        std::string profile = p.count("IamInstanceProfile.Arn") ? p.at("IamInstanceProfile.Arn")
                              : p.count("IamInstanceProfile.Name")
                                  ? "arn:aws:iam::" + req.account + ":instance-profile/" +
                                        p.at("IamInstanceProfile.Name")
                                  : "";
        if (!profile.empty())
            base["iamInstanceProfile"] = {{"arn", profile}, {"id", "AIPA" + hash_id(profile, 17)}};
        for (auto [param, field, a, b] :
             {std::tuple{"InstanceMetadataTags", "instanceMetadataTags", "enabled", "disabled"},
              std::tuple{"HttpTokens", "httpTokens", "optional", "required"},
              std::tuple{"HttpEndpoint", "httpEndpoint", "enabled", "disabled"}}) {
            auto it = p.find(std::string("MetadataOptions.") + param);
            if (it == p.end()) continue;
            if (it->second != a && it->second != b)
                throw AwsError("InvalidParameterValue",
                               "Invalid value '" + it->second + "' for MetadataOptions." + param +
                                   ". Valid values: " + a + ", " + b,
                               400);
            base[field] = it->second;
        }
        for (auto& spec : ec2_query::structures(p, "TagSpecification")) {
            std::string type_name = spec.count("ResourceType") ? spec.at("ResourceType") : "";
            if (type_name != "instance") continue;  // volumes and interfaces are not modelled
            for (auto& [k, v] : tags_of(spec, "Tag"))
                base["tags"][k] = v;
        }
        base["tags"].update(template_tags);
        launched = instances_.launch(req.account, req.region, base, static_cast<int>(min_count),
                                     static_cast<int>(max_count));
    }
    add(root, "reservationId", launched.front()["reservationId"].get<std::string>());
    add(root, "ownerId", req.account);
    add_list(root, "groupSet");
    auto set = add_list(root, "instancesSet");
    for (auto& rec : launched)
        write_instance(item(set), rec);
}

void Ec2Service::describe_instances(const Request& req, const Params& p, pugi::xml_node root) {
    // MaxResults with named instances is refused before the instances are looked up.
    auto page = paging(p, !ec2_query::list(p, "InstanceId").empty(), 5, 1000);
    auto ids = named_instances(req, p);
    auto filters = parse_filters(p, kInstanceFilters, true);
    std::vector<json> chosen;
    for (auto& rec : instances_.list(req.account, req.region)) {
        if (!ids.empty() &&
            std::find(ids.begin(), ids.end(), rec["instanceId"].get<std::string>()) == ids.end())
            continue;
        if (!matches(filters, [&](const std::string& n) { return filter_values(rec, n); }))
            continue;
        chosen.push_back(rec);
    }
    size_t end = page.end(chosen.size());
    // One reservation per RunInstances call, its instances together.
    auto set = add_list(root, "reservationSet");
    std::map<std::string, pugi::xml_node> reservations;
    for (size_t i = page.start; i < end; ++i) {
        json& rec = chosen[i];
        note_reason(rec);
        std::string r = rec["reservationId"];
        auto it = reservations.find(r);
        if (it == reservations.end()) {
            auto node = item(set);
            add(node, "reservationId", r);
            add(node, "ownerId", req.account);
            add_list(node, "groupSet");
            it = reservations.emplace(r, add_list(node, "instancesSet")).first;
        }
        write_instance(item(it->second), rec);
    }
    if (end < chosen.size()) add(root, "nextToken", std::to_string(end));
}

void Ec2Service::describe_instance_status(const Request& req, const Params& p,
                                          pugi::xml_node root) {
    auto page = paging(p, !ec2_query::list(p, "InstanceId").empty(), 5, 1000);
    auto ids = named_instances(req, p);
    auto filters = parse_filters(p, {"instance-state-name", "availability-zone",
                                     "instance-status.status", "system-status.status"});
    bool all = flag(p, "IncludeAllInstances");
    std::vector<json> chosen;
    for (auto& rec : instances_.list(req.account, req.region)) {
        if (!ids.empty() &&
            std::find(ids.begin(), ids.end(), rec["instanceId"].get<std::string>()) == ids.end())
            continue;
        if (!all && rec["state"]["name"] != "running") continue;
        auto values = [&](const std::string& n) -> std::vector<std::string> {
            if (n == "instance-state-name") return {rec["state"]["name"]};
            if (n == "availability-zone") return {rec["availabilityZone"]};
            if (n == "instance-status.status" || n == "system-status.status")
                return {rec["state"]["name"] == "running" ? "ok" : "not-applicable"};
            throw AwsError("InvalidParameterValue", "The filter '" + n + "' is invalid", 400);
        };
        if (!matches(filters, values)) continue;
        chosen.push_back(rec);
    }
    size_t end = page.end(chosen.size());
    auto set = add_list(root, "instanceStatusSet");
    for (size_t i = page.start; i < end; ++i) {
        const json& rec = chosen[i];
        auto it = item(set);
        add(it, "instanceId", rec["instanceId"].get<std::string>());
        add(it, "availabilityZone", rec["availabilityZone"].get<std::string>());
        add_state(it, "instanceState", rec);
        // A process that has started is as reachable as it will get: both checks pass.
        bool running = rec["state"]["name"] == "running";
        for (const char* check : {"systemStatus", "instanceStatus"}) {
            auto s = it.append_child(check);
            add(s, "status", running ? "ok" : "not-applicable");
            auto details = add_list(s, "details");
            auto d = item(details);
            add(d, "name", "reachability");
            add(d, "status", running ? "passed" : "not-applicable");
        }
    }
    if (end < chosen.size()) add(root, "nextToken", std::to_string(end));
}

void Ec2Service::state_changes(const Request& req, const Params& p, pugi::xml_node root,
                               const char* list_name,
                               const std::function<Instances::Change(const std::string&)>& change) {
    auto ids = named_instances(req, p);
    if (ids.empty())
        throw AwsError("MissingParameter", "The request must contain the parameter InstanceId",
                       400);
    auto set = add_list(root, list_name);
    for (auto& id : ids) {
        auto c = change(id);
        auto it = item(set);
        add(it, "instanceId", id);
        add_struct(
            it, "currentState",
            {{"code", std::to_string(static_cast<int>(c.after))}, {"name", state_name(c.after)}});
        add_struct(
            it, "previousState",
            {{"code", std::to_string(static_cast<int>(c.before))}, {"name", state_name(c.before)}});
    }
}

void Ec2Service::start_instances(const Request& req, const Params& p, pugi::xml_node root) {
    state_changes(req, p, root, "instancesSet", [&](const std::string& id) {
        return instances_.start(req.account, req.region, id);
    });
}

void Ec2Service::stop_instances(const Request& req, const Params& p, pugi::xml_node root) {
    bool force = flag(p, "Force");
    state_changes(req, p, root, "instancesSet", [&](const std::string& id) {
        return instances_.stop(req.account, req.region, id, force);
    });
}

void Ec2Service::terminate_instances(const Request& req, const Params& p, pugi::xml_node root) {
    state_changes(req, p, root, "instancesSet", [&](const std::string& id) {
        return instances_.terminate(req.account, req.region, id);
    });
}

void Ec2Service::reboot_instances(const Request& req, const Params& p, pugi::xml_node root) {
    auto ids = named_instances(req, p);
    if (ids.empty())
        throw AwsError("MissingParameter", "The request must contain the parameter InstanceId",
                       400);
    for (auto& id : ids)
        instances_.reboot(req.account, req.region, id);
    add(root, "return", "true");
}

void Ec2Service::get_console_output(const Request& req, const Params& p, pugi::xml_node root) {
    std::string id = required(p, "InstanceId");
    if (!std::regex_match(id, instance_id_shape()))
        throw AwsError("InvalidInstanceID.Malformed", "Invalid id: \"" + id + "\"", 400);
    std::string out = instances_.console(req.account, req.region, id);
    add(root, "instanceId", id);
    add(root, "timestamp", format_iso8601_ms(now_ms()));
    add(root, "output", base64_encode(out));
}

void Ec2Service::describe_instance_attribute(const Request& req, const Params& p,
                                             pugi::xml_node root) {
    std::string id = required(p, "InstanceId");
    std::string attr = required(p, "Attribute");
    if (!std::regex_match(id, instance_id_shape()))
        throw AwsError("InvalidInstanceID.Malformed", "Invalid id: \"" + id + "\"", 400);
    auto rec = instances_.get(req.account, req.region, id);
    if (!rec)
        throw AwsError("InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist",
                       400);
    add(root, "instanceId", id);
    if (attr == "userData") {
        auto n = root.append_child("userData");
        if (!rec->value("userData", std::string()).empty())
            add(n, "value", rec->value("userData", std::string()));
    } else if (attr == "instanceInitiatedShutdownBehavior") {
        add(root.append_child("instanceInitiatedShutdownBehavior"), "value",
            rec->value("instanceInitiatedShutdownBehavior", std::string("stop")));
    } else if (attr == "disableApiTermination") {
        add(root.append_child("disableApiTermination"), "value",
            rec->value("disableApiTermination", false) ? "true" : "false");
    } else if (attr == "instanceType") {
        add(root.append_child("instanceType"), "value", (*rec)["instanceType"].get<std::string>());
    } else {
        throw AwsError(
            "InvalidParameterValue",
            "Value (" + attr + ") for parameter attribute is invalid. Unknown attribute.", 400);
    }
}

void Ec2Service::modify_instance_attribute(const Request& req, const Params& p,
                                           pugi::xml_node root) {
    std::string id = required(p, "InstanceId");
    if (!std::regex_match(id, instance_id_shape()))
        throw AwsError("InvalidInstanceID.Malformed", "Invalid id: \"" + id + "\"", 400);
    auto rec = instances_.get(req.account, req.region, id);
    if (!rec)
        throw AwsError("InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist",
                       400);
    // Either Attribute+Value or the attribute's own structure (UserData.Value, ...).
    auto value_of = [&](const std::string& name) -> std::optional<std::string> {
        if (p.count(name + ".Value")) return p.at(name + ".Value");
        std::string lower = name;
        lower[0] = static_cast<char>(std::tolower(lower[0]));
        if (p.count("Attribute") && p.at("Attribute") == lower && p.count("Value"))
            return p.at("Value");
        return std::nullopt;
    };
    std::string state = (*rec)["state"]["name"];
    if (auto v = value_of("UserData")) {
        if (state != "stopped")
            throw AwsError("IncorrectInstanceState",
                           "The instance '" + id + "' is not in the 'stopped' state.", 400);
        auto decoded = base64_decode(*v);
        if (!decoded)
            throw AwsError("InvalidParameterValue", "Invalid BASE64 encoding of user data.", 400);
        instances_.update(req.account, req.region, id, [&](json& r) { r["userData"] = *v; });
    } else if (auto v = value_of("InstanceInitiatedShutdownBehavior")) {
        if (*v != "stop" && *v != "terminate")
            throw AwsError("InvalidParameterValue",
                           "Invalid value '" + *v + "' for InstanceInitiatedShutdownBehavior.",
                           400);
        instances_.update(req.account, req.region, id,
                          [&](json& r) { r["instanceInitiatedShutdownBehavior"] = *v; });
    } else if (auto v = value_of("DisableApiTermination")) {
        bool on = to_lower(*v) == "true";
        instances_.update(req.account, req.region, id,
                          [&](json& r) { r["disableApiTermination"] = on; });
    } else if (auto v = value_of("InstanceType")) {
        if (state != "stopped")
            throw AwsError("IncorrectInstanceState",
                           "The instance '" + id + "' is not in the 'stopped' state.", 400);
        if (!find_instance_type(*v))
            throw AwsError("InvalidParameterValue", "Invalid value '" + *v + "' for InstanceType.",
                           400);
        instances_.update(req.account, req.region, id, [&](json& r) { r["instanceType"] = *v; });
    } else {
        throw AwsError("MissingParameter", "The request must contain an attribute to modify", 400);
    }
    add(root, "return", "true");
}

}  // namespace fogbank::ec2
