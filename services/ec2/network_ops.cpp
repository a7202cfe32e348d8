// EC2 networking as records: each account's default VPC and subnet (DescribeVpcs,
// DescribeSubnets) and security groups with their rules (Create/Delete/DescribeSecurityGroups,
// Authorize/RevokeSecurityGroupIngress/Egress). Stored and returned faithfully; every instance
// is reachable on 127.0.0.1 whatever its rules say.
#include <algorithm>
#include <regex>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "services/ec2/catalogue.hpp"
#include "services/ec2/ec2_service.hpp"
#include "services/ec2/request_params.hpp"

namespace fogbank::ec2 {

namespace {

using ec2_query::add;
using ec2_query::add_list;
using ec2_query::item;

constexpr const char* kSg = "sg";
constexpr size_t kMaxGroupName = 255;

// One rule: a protocol, a port range and one source (or destination).
json rule(const std::string& proto, int from, int to, const std::string& kind,
          const std::string& peer, const std::string& description) {
    return {{"proto", proto}, {"from", from}, {"to", to},
            {"kind", kind},   {"peer", peer}, {"description", description}};
}

bool same_rule(const json& a, const json& b) {
    return a["proto"] == b["proto"] && a["from"] == b["from"] && a["to"] == b["to"] &&
           a["kind"] == b["kind"] && a["peer"] == b["peer"];
}

std::string protocol(const std::string& p) {
    std::string s = to_lower(p);
    if (s == "6") return "tcp";
    if (s == "17") return "udp";
    if (s == "1") return "icmp";
    if (s == "all") return "-1";
    if (s == "tcp" || s == "udp" || s == "icmp" || s == "icmpv6" || s == "-1") return s;
    throw AwsError("InvalidParameterValue",
                   "Invalid value '" + p + "' for IP protocol. Unknown protocol.", 400);
}

void check_cidr(const std::string& cidr, bool v6) {
    static const std::regex v4(R"(^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})/(\d{1,2})$)");
    static const std::regex v6re(R"(^[0-9a-fA-F:]+/(\d{1,3})$)");
    std::smatch m;
    bool ok = false;
    if (!v6 && std::regex_match(cidr, m, v4)) {
        ok = std::stoi(m[5]) <= 32;
        for (int i = 1; i <= 4; ++i)
            ok = ok && std::stoi(m[i]) <= 255;
    } else if (v6 && std::regex_match(cidr, m, v6re)) {
        ok = std::stoi(m[1]) <= 128;
    }
    if (!ok) throw AwsError("InvalidParameterValue", "CIDR block " + cidr + " is malformed", 400);
}

// The rules of IpPermissions.N (or the flat form older clients send), one per source.
std::vector<json> rules_of(const Params& p) {
    std::vector<Params> perms = ec2_query::structures(p, "IpPermissions");
    if (perms.empty() && p.count("IpProtocol")) {
        Params flat;
        for (const char* k : {"IpProtocol", "FromPort", "ToPort"})
            if (p.count(k)) flat[k] = p.at(k);
        if (p.count("CidrIp")) flat["IpRanges.1.CidrIp"] = p.at("CidrIp");
        if (p.count("SourceSecurityGroupId"))
            flat["Groups.1.GroupId"] = p.at("SourceSecurityGroupId");
        perms.push_back(flat);
    }
    if (perms.empty())
        throw AwsError("MissingParameter", "The request must contain the parameter ipPermissions",
                       400);
    std::vector<json> out;
    for (auto& perm : perms) {
        if (!perm.count("IpProtocol"))
            throw AwsError("MissingParameter", "The request must contain the parameter ipProtocol",
                           400);
        std::string proto = protocol(perm.at("IpProtocol"));
        int from = -1, to = -1;
        if (proto == "tcp" || proto == "udp") {
            from = static_cast<int>(integer(perm, "FromPort", 0, 65535, true));
            to = static_cast<int>(integer(perm, "ToPort", 0, 65535, true));
            if (from > to)
                throw AwsError(
                    "InvalidParameterValue",
                    "Invalid TCP/UDP port range " + std::to_string(from) + "-" + std::to_string(to),
                    400);
        } else if (proto == "icmp" || proto == "icmpv6") {
            from = static_cast<int>(integer(perm, "FromPort", -1, 255, false));
            to = static_cast<int>(integer(perm, "ToPort", -1, 255, false));
        }
        size_t before = out.size();
        for (auto& r : ec2_query::structures(perm, "IpRanges")) {
            std::string cidr = r.count("CidrIp") ? r.at("CidrIp") : "";
            check_cidr(cidr, false);
            out.push_back(rule(proto, from, to, "cidr", cidr,
                               r.count("Description") ? r.at("Description") : ""));
        }
        for (auto& r : ec2_query::structures(perm, "Ipv6Ranges")) {
            std::string cidr = r.count("CidrIpv6") ? r.at("CidrIpv6") : "";
            check_cidr(cidr, true);
            out.push_back(rule(proto, from, to, "cidr6", cidr,
                               r.count("Description") ? r.at("Description") : ""));
        }
        for (const char* name : {"Groups", "UserIdGroupPairs"})
            for (auto& r : ec2_query::structures(perm, name))
                out.push_back(rule(proto, from, to, "group",
                                   r.count("GroupId") ? r.at("GroupId") : "",
                                   r.count("Description") ? r.at("Description") : ""));
        if (out.size() == before)
            throw AwsError("InvalidParameterValue",
                           "An IP permission needs a CIDR range or a security group as its source",
                           400);
    }
    return out;
}

// Rules as EC2 returns them: grouped by protocol and port range.
void write_rules(pugi::xml_node parent, const char* name, const json& rules) {
    auto set = add_list(parent, name);
    std::vector<const json*> done;
    for (auto& r : rules) {
        if (std::any_of(done.begin(), done.end(), [&](const json* d) {
                return (*d)["proto"] == r["proto"] && (*d)["from"] == r["from"] &&
                       (*d)["to"] == r["to"];
            }))
            continue;
        done.push_back(&r);
        auto perm = item(set);
        add(perm, "ipProtocol", r["proto"].get<std::string>());
        if (r["from"].get<int>() >= 0 || r["proto"] != "-1") {
            add(perm, "fromPort", std::to_string(r["from"].get<int>()));
            add(perm, "toPort", std::to_string(r["to"].get<int>()));
        }
        auto groups = add_list(perm, "groups");
        auto v4 = add_list(perm, "ipRanges");
        auto v6 = add_list(perm, "ipv6Ranges");
        add_list(perm, "prefixListIds");
        for (auto& s : rules) {
            if (s["proto"] != r["proto"] || s["from"] != r["from"] || s["to"] != r["to"]) continue;
            std::string kind = s["kind"];
            auto entry = item(kind == "cidr" ? v4 : kind == "cidr6" ? v6 : groups);
            add(entry,
                kind == "cidr"    ? "cidrIp"
                : kind == "cidr6" ? "cidrIpv6"
                                  : "groupId",
                s["peer"].get<std::string>());
            if (!s["description"].get<std::string>().empty())
                add(entry, "description", s["description"].get<std::string>());
        }
    }
}

}  // namespace

json Ec2Service::default_group(const Request& req) {
    const Network& net = default_network(req.account, req.region);
    if (auto g = resources_.get(req.account, req.region, kSg, net.security_group_id)) return *g;
    json g = {{"groupId", net.security_group_id},
              {"groupName", "default"},
              {"description", "default VPC security group"},
              {"vpcId", net.vpc_id},
              {"ingress", json::array({rule("-1", -1, -1, "group", net.security_group_id, "")})},
              {"egress", json::array({rule("-1", -1, -1, "cidr", "0.0.0.0/0", "")})},
              {"tags", json::object()}};
    resources_.create(req.account, req.region, kSg, net.security_group_id, g);
    return g;
}

json Ec2Service::security_group(const Request& req, const Params& p) {
    default_group(req);
    if (p.count("GroupId")) {
        auto g = resources_.get(req.account, req.region, kSg, p.at("GroupId"));
        if (!g)
            throw AwsError("InvalidGroup.NotFound",
                           "The security group '" + p.at("GroupId") + "' does not exist", 400);
        return *g;
    }
    const std::string& name = required(p, "GroupName");
    for (auto& g : resources_.list(req.account, req.region, kSg))
        if (g["groupName"] == name) return g;
    throw AwsError("InvalidGroup.NotFound",
                   "The security group '" + name + "' does not exist in default VPC '" +
                       default_network(req.account, req.region).vpc_id + "'",
                   400);
}

void Ec2Service::describe_vpcs(const Request& req, const Params& p, pugi::xml_node root) {
    const Network& net = default_network(req.account, req.region);
    auto ids = ec2_query::list(p, "VpcId");
    for (auto& id : ids)
        if (id != net.vpc_id)
            throw AwsError("InvalidVpcID.NotFound", "The vpc ID '" + id + "' does not exist", 400);
    auto filters = parse_filters(p, {"vpc-id", "is-default", "state", "cidr", "cidr-block"});
    auto set = add_list(root, "vpcSet");
    auto values = [&](const std::string& n) -> std::vector<std::string> {
        if (n == "vpc-id") return {net.vpc_id};
        if (n == "is-default") return {"true"};
        if (n == "state") return {"available"};
        return {"172.31.0.0/16"};
    };
    if (!matches(filters, values)) return;
    auto v = item(set);
    add(v, "vpcId", net.vpc_id);
    add(v, "ownerId", req.account);
    add(v, "state", "available");
    add(v, "cidrBlock", "172.31.0.0/16");
    add(v, "dhcpOptionsId", "dopt-" + net.vpc_id.substr(4));
    add(v, "instanceTenancy", "default");
    add(v, "isDefault", "true");
}

void Ec2Service::describe_subnets(const Request& req, const Params& p, pugi::xml_node root) {
    const Network& net = default_network(req.account, req.region);
    auto ids = ec2_query::list(p, "SubnetId");
    for (auto& id : ids)
        if (id != net.subnet_id)
            throw AwsError("InvalidSubnetID.NotFound", "The subnet ID '" + id + "' does not exist",
                           400);
    auto filters = parse_filters(
        p, {"subnet-id", "vpc-id", "availability-zone", "default-for-az", "state", "cidr-block"});
    auto values = [&](const std::string& n) -> std::vector<std::string> {
        if (n == "subnet-id") return {net.subnet_id};
        if (n == "vpc-id") return {net.vpc_id};
        if (n == "availability-zone") return {req.region + "a"};
        if (n == "default-for-az") return {"true"};
        if (n == "state") return {"available"};
        return {"172.31.0.0/20"};
    };
    auto set = add_list(root, "subnetSet");
    if (!matches(filters, values)) return;
    auto s = item(set);
    add(s, "subnetId", net.subnet_id);
    add(s, "subnetArn",
        "arn:aws:ec2:" + req.region + ":" + req.account + ":subnet/" + net.subnet_id);
    add(s, "state", "available");
    add(s, "ownerId", req.account);
    add(s, "vpcId", net.vpc_id);
    add(s, "cidrBlock", "172.31.0.0/20");
    add(s, "availableIpAddressCount", "4091");
    add(s, "availabilityZone", req.region + "a");
    add(s, "defaultForAz", "true");
    add(s, "mapPublicIpOnLaunch", "true");
}

void Ec2Service::create_security_group(const Request& req, const Params& p, pugi::xml_node root) {
    const std::string& name = required(p, "GroupName");
    const std::string& description = required(p, "GroupDescription");
    if (name.size() > kMaxGroupName || description.size() > kMaxGroupName)
        throw AwsError("InvalidParameterValue",
                       "Security group names and descriptions are at most 255 characters", 400);
    if (to_lower(name).rfind("sg-", 0) == 0)
        throw AwsError("InvalidParameterValue", "Group names may not be in the format sg-*", 400);
    const Network& net = default_network(req.account, req.region);
    std::string vpc = p.count("VpcId") ? p.at("VpcId") : net.vpc_id;
    if (vpc != net.vpc_id)
        throw AwsError("InvalidVpcID.NotFound", "The vpc ID '" + vpc + "' does not exist", 400);
    default_group(req);
    for (auto& g : resources_.list(req.account, req.region, kSg))
        if (g["groupName"] == name)
            throw AwsError("InvalidGroup.Duplicate",
                           "The security group '" + name + "' already exists for VPC '" + vpc + "'",
                           400);
    std::string id = "sg-" + random_hex(9).substr(0, 17);
    json tags = json::object();
    for (auto& spec : ec2_query::structures(p, "TagSpecification"))
        for (auto& [k, v] : tags_of(spec, "Tag"))
            tags[k] = v;
    resources_.create(req.account, req.region, kSg, id,
                      {{"groupId", id},
                       {"groupName", name},
                       {"description", description},
                       {"vpcId", vpc},
                       {"ingress", json::array()},
                       {"egress", json::array({rule("-1", -1, -1, "cidr", "0.0.0.0/0", "")})},
                       {"tags", tags}});
    add(root, "return", "true");
    add(root, "groupId", id);
    if (!tags.empty()) write_tag_set(root, tags);
}

void Ec2Service::delete_security_group(const Request& req, const Params& p, pugi::xml_node root) {
    json g = security_group(req, p);
    std::string id = g["groupId"];
    if (g["groupName"] == "default")
        throw AwsError(
            "CannotDelete",
            "the specified group: \"" + id + "\" name: \"default\" cannot be deleted by a user",
            400);
    for (auto& rec : instances_.list(req.account, req.region)) {
        if (rec["state"]["name"] == "terminated") continue;
        for (auto& sg : rec["securityGroups"])
            if (sg["groupId"] == id)
                throw AwsError("DependencyViolation", "resource " + id + " has a dependent object",
                               400);
    }
    resources_.remove(req.account, req.region, kSg, id);
    add(root, "return", "true");
    add(root, "groupId", id);
}

void Ec2Service::describe_security_groups(const Request& req, const Params& p,
                                          pugi::xml_node root) {
    default_group(req);
    auto ids = ec2_query::list(p, "GroupId");
    auto names = ec2_query::list(p, "GroupName");
    auto groups = resources_.list(req.account, req.region, kSg);
    for (auto& id : ids)
        if (std::none_of(groups.begin(), groups.end(),
                         [&](const json& g) { return g["groupId"] == id; }))
            throw AwsError("InvalidGroup.NotFound",
                           "The security group '" + id + "' does not exist", 400);
    for (auto& n : names)
        if (std::none_of(groups.begin(), groups.end(),
                         [&](const json& g) { return g["groupName"] == n; }))
            throw AwsError("InvalidGroup.NotFound",
                           "The security group '" + n + "' does not exist in default VPC '" +
                               default_network(req.account, req.region).vpc_id + "'",
                           400);
    auto filters =
        parse_filters(p, {"group-id", "group-name", "vpc-id", "description", "owner-id"}, true);
    auto set = add_list(root, "securityGroupInfo");
    for (auto& g : groups) {
        std::string id = g["groupId"], name = g["groupName"];
        if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
        if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) continue;
        auto values = [&](const std::string& n) -> std::vector<std::string> {
            if (n == "group-id") return {id};
            if (n == "group-name") return {name};
            if (n == "vpc-id") return {g["vpcId"]};
            if (n == "description") return {g["description"]};
            if (n == "owner-id") return {req.account};
            auto key = n.substr(4);  // tag:<key>
            if (g["tags"].contains(key)) return {g["tags"][key]};
            return {};
        };
        if (!matches(filters, values)) continue;
        auto it = item(set);
        add(it, "ownerId", req.account);
        add(it, "groupId", id);
        add(it, "groupName", name);
        add(it, "groupDescription", g["description"].get<std::string>());
        add(it, "vpcId", g["vpcId"].get<std::string>());
        write_rules(it, "ipPermissions", g["ingress"]);
        write_rules(it, "ipPermissionsEgress", g["egress"]);
        if (!g["tags"].empty()) write_tag_set(it, g["tags"]);
    }
}

void Ec2Service::change_rules(const Request& req, const Params& p, pugi::xml_node root,
                              const char* direction, bool authorize) {
    json g = security_group(req, p);
    auto rules = rules_of(p);
    for (auto& r : rules)
        if (r["kind"] == "group" && !resources_.get(req.account, req.region, kSg, r["peer"]))
            throw AwsError(
                "InvalidGroup.NotFound",
                "The security group '" + r["peer"].get<std::string>() + "' does not exist", 400);
    resources_.update(req.account, req.region, kSg, g["groupId"], [&](json& doc) {
        json& list = doc[direction];
        for (auto& r : rules) {
            auto it = std::find_if(list.begin(), list.end(),
                                   [&](const json& have) { return same_rule(have, r); });
            if (authorize) {
                if (it != list.end())
                    throw AwsError("InvalidPermission.Duplicate",
                                   "the specified rule \"peer: " + r["peer"].get<std::string>() +
                                       ", " + r["proto"].get<std::string>() + "\" already exists",
                                   400);
                list.push_back(r);
            } else {
                if (it == list.end())
                    throw AwsError("InvalidPermission.NotFound",
                                   "The specified rule does not exist in this security group.",
                                   400);
                list.erase(it);
            }
        }
    });
    add(root, "return", "true");
}

void Ec2Service::authorize_ingress(const Request& req, const Params& p, pugi::xml_node root) {
    change_rules(req, p, root, "ingress", true);
}
void Ec2Service::authorize_egress(const Request& req, const Params& p, pugi::xml_node root) {
    change_rules(req, p, root, "egress", true);
}
void Ec2Service::revoke_ingress(const Request& req, const Params& p, pugi::xml_node root) {
    change_rules(req, p, root, "ingress", false);
}
void Ec2Service::revoke_egress(const Request& req, const Params& p, pugi::xml_node root) {
    change_rules(req, p, root, "egress", false);
}

}  // namespace fogbank::ec2
