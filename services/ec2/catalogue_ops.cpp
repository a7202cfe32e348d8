// EC2 operations on tags (of instances, security groups, key pairs and launch templates) and on
// the catalogue: CreateTags, DeleteTags, DescribeTags,
// DescribeImages, DescribeRegions, DescribeAvailabilityZones, DescribeInstanceTypes,
// DescribeAccountAttributes.
#include <algorithm>

#include "services/ec2/catalogue.hpp"
#include "services/ec2/ec2_service.hpp"
#include "services/ec2/request_params.hpp"

namespace fogbank::ec2 {

namespace {

using ec2_query::add;
using ec2_query::add_list;
using ec2_query::item;

// The resource types that carry tags: instances, and the records Resources keeps.
struct Taggable {
    const char* prefix;
    const char* kind;  // Resources' kind; empty for instances
    const char* type;  // DescribeTags' resource-type
    const char* missing;
};
constexpr Taggable kTaggable[] = {
    {"i-", "", "instance", "InvalidInstanceID.NotFound"},
    {"sg-", "sg", "security-group", "InvalidGroup.NotFound"},
    {"key-", "key", "key-pair", "InvalidKeyPair.NotFound"},
    {"lt-", "lt", "launch-template", "InvalidLaunchTemplateId.NotFound"},
};

const Taggable& taggable(const std::string& id) {
    for (auto& t : kTaggable)
        if (id.rfind(t.prefix, 0) == 0) return t;
    throw AwsError("InvalidID", "The ID '" + id + "' is not valid", 400);
}

std::vector<std::string> tag_resources(const Params& p) {
    auto ids = ec2_query::list(p, "ResourceId");
    if (ids.empty())
        throw AwsError("MissingParameter", "The request must contain the parameter resourceIdSet",
                       400);
    for (auto& id : ids)
        taggable(id);
    return ids;
}

}  // namespace

void Ec2Service::edit_tags(const Request& req, const std::vector<std::string>& ids,
                           const std::function<void(json& tags)>& edit) {
    // Every id is checked before any is changed.
    for (auto& id : ids) {
        const Taggable& t = taggable(id);
        if (!*t.kind)
            check_instances(req, {id});
        else if (!resources_.get(req.account, req.region, t.kind, id))
            throw AwsError(t.missing, "The ID '" + id + "' does not exist", 400);
    }
    auto apply = [&](json& rec) {
        edit(rec["tags"]);
        if (rec["tags"].size() > 50)
            throw AwsError("TagLimitExceeded",
                           "The maximum number of tags (50) for a resource was exceeded", 400);
    };
    for (auto& id : ids) {
        const Taggable& t = taggable(id);
        if (!*t.kind)
            instances_.update(req.account, req.region, id, apply);
        else
            resources_.update(req.account, req.region, t.kind, id, apply);
    }
}

void Ec2Service::create_tags(const Request& req, const Params& p, pugi::xml_node root) {
    auto ids = tag_resources(p);
    auto tags = tags_of(p, "Tag");
    edit_tags(req, ids, [&](json& have) {
        for (auto& [k, v] : tags)
            have[k] = v;
    });
    add(root, "return", "true");
}

void Ec2Service::delete_tags(const Request& req, const Params& p, pugi::xml_node root) {
    auto ids = tag_resources(p);
    // A tag named with a value is deleted only when the value matches; without one, always.
    auto wanted = ec2_query::structures(p, "Tag");
    edit_tags(req, ids, [&](json& have) {
        if (wanted.empty()) {
            have = json::object();
            return;
        }
        for (auto& t : wanted) {
            std::string key = t.count("Key") ? t.at("Key") : "";
            if (!have.contains(key)) continue;
            if (t.count("Value") && have[key] != t.at("Value")) continue;
            have.erase(key);
        }
    });
    add(root, "return", "true");
}

void Ec2Service::describe_tags(const Request& req, const Params& p, pugi::xml_node root) {
    auto filters = parse_filters(p, {"resource-id", "resource-type", "key", "value"}, true);
    auto page = paging(p, false, 5, 1000);
    struct Row {
        std::string id, type, key, value;
    };
    std::vector<Row> rows;
    auto consider = [&](const std::string& id, const char* type, const json& tags) {
        for (auto& [k, v] : tags.items()) {
            Row r{id, type, k, v};
            auto values = [&](const std::string& n) -> std::vector<std::string> {
                if (n == "resource-id") return {r.id};
                if (n == "resource-type") return {r.type};
                if (n == "key") return {r.key};
                if (n == "value") return {r.value};
                return n.substr(4) == r.key ? std::vector<std::string>{r.value}
                                            : std::vector<std::string>{};  // tag:<key>
            };
            if (matches(filters, values)) rows.push_back(std::move(r));
        }
    };
    for (auto& rec : instances_.list(req.account, req.region))
        consider(rec["instanceId"], "instance", rec["tags"]);
    for (auto& t : kTaggable) {
        if (!*t.kind) continue;
        for (auto& doc : resources_.list(req.account, req.region, t.kind)) {
            const char* id_field = t.kind == std::string_view("sg")    ? "groupId"
                                   : t.kind == std::string_view("key") ? "keyPairId"
                                                                       : "launchTemplateId";
            if (doc.contains("tags")) consider(doc[id_field], t.type, doc["tags"]);
        }
    }
    size_t end = page.end(rows.size());
    auto set = add_list(root, "tagSet");
    for (size_t i = page.start; i < end; ++i) {
        auto it = item(set);
        add(it, "resourceId", rows[i].id);
        add(it, "resourceType", rows[i].type);
        add(it, "key", rows[i].key);
        add(it, "value", rows[i].value);
    }
    if (end < rows.size()) add(root, "nextToken", std::to_string(end));
}

void Ec2Service::describe_images(const Request& req, const Params& p, pugi::xml_node root) {
    auto ids = ec2_query::list(p, "ImageId");
    auto owners = ec2_query::list(p, "Owner");
    auto filters =
        parse_filters(p, {"image-id", "name", "state", "architecture", "owner-alias", "is-public",
                          "root-device-type", "virtualization-type", "image-type"});
    for (auto& id : ids)
        if (!find_image(id))
            throw AwsError("InvalidAMIID.NotFound", "The image id '[" + id + "]' does not exist",
                           400);
    auto set = add_list(root, "imagesSet");
    for (auto& img : images()) {
        if (!ids.empty() && std::find(ids.begin(), ids.end(), img.id) == ids.end()) continue;
        // Public images belong to Amazon: "amazon" names them, "self" does not.
        if (!owners.empty() &&
            std::none_of(owners.begin(), owners.end(), [&](const std::string& o) {
                return o == img.owner_alias || o == "137112412989";
            }))
            continue;
        auto values = [&](const std::string& n) -> std::vector<std::string> {
            if (n == "image-id") return {img.id};
            if (n == "name") return {img.name};
            if (n == "state") return {"available"};
            if (n == "architecture") return {"x86_64"};
            if (n == "owner-alias") return {img.owner_alias};
            if (n == "is-public") return {"true"};
            if (n == "root-device-type") return {"ebs"};
            if (n == "virtualization-type") return {"hvm"};
            if (n == "image-type") return {"machine"};
            throw AwsError("InvalidParameterValue", "The filter '" + n + "' is invalid", 400);
        };
        if (!matches(filters, values)) continue;
        auto it = item(set);
        add(it, "imageId", img.id);
        add(it, "imageLocation", std::string("amazon/") + img.name);
        add(it, "imageState", "available");
        add(it, "imageOwnerId", "137112412989");
        add(it, "creationDate", "2026-01-01T00:00:00.000Z");
        add(it, "isPublic", "true");
        add(it, "architecture", "x86_64");
        add(it, "imageType", "machine");
        add(it, "imageOwnerAlias", img.owner_alias);
        add(it, "name", img.name);
        add(it, "description", img.description);
        add(it, "rootDeviceType", "ebs");
        add(it, "rootDeviceName", "/dev/xvda");
        add_list(it, "blockDeviceMapping");
        add(it, "virtualizationType", "hvm");
        add(it, "hypervisor", "xen");
        add(it, "enaSupport", "true");
        add(it, "platformDetails", "Linux/UNIX");
    }
    (void)req;
}

void Ec2Service::describe_regions(const Request& req, const Params& p, pugi::xml_node root) {
    auto names = ec2_query::list(p, "RegionName");
    auto set = add_list(root, "regionInfo");
    for (auto& r : kRegions) {
        if (!names.empty() && std::find(names.begin(), names.end(), r) == names.end()) continue;
        auto it = item(set);
        add(it, "regionName", r);
        add(it, "regionEndpoint", "ec2." + r + ".amazonaws.com");
        add(it, "optInStatus", "opt-in-not-required");
    }
    (void)req;
}

void Ec2Service::describe_availability_zones(const Request& req, const Params& p,
                                             pugi::xml_node root) {
    auto names = ec2_query::list(p, "ZoneName");
    auto filters = parse_filters(p, {"zone-name", "region-name", "state", "zone-type"});
    auto set = add_list(root, "availabilityZoneInfo");
    int n = 0;
    for (char letter : {'a', 'b', 'c'}) {
        std::string zone = req.region + letter;
        ++n;
        if (!names.empty() && std::find(names.begin(), names.end(), zone) == names.end()) continue;
        auto values = [&](const std::string& f) -> std::vector<std::string> {
            if (f == "zone-name") return {zone};
            if (f == "region-name") return {req.region};
            if (f == "state") return {"available"};
            if (f == "zone-type") return {"availability-zone"};
            throw AwsError("InvalidParameterValue", "The filter '" + f + "' is invalid", 400);
        };
        if (!matches(filters, values)) continue;
        auto it = item(set);
        add(it, "zoneName", zone);
        add(it, "zoneState", "available");
        add(it, "regionName", req.region);
        add(it, "zoneId", req.region.substr(0, 3) + "1-az" + std::to_string(n));
        add(it, "zoneType", "availability-zone");
        add(it, "optInStatus", "opt-in-not-required");
        add_list(it, "messageSet");
    }
}

void Ec2Service::describe_instance_types(const Request& req, const Params& p, pugi::xml_node root) {
    auto names = ec2_query::list(p, "InstanceType");
    for (auto& n : names)
        if (!find_instance_type(n))
            throw AwsError("InvalidInstanceType",
                           "The following supplied instance types do not "
                           "exist: [" +
                               n + "]",
                           400);
    auto set = add_list(root, "instanceTypeSet");
    for (auto& t : instance_types()) {
        if (!names.empty() && std::find(names.begin(), names.end(), t.name) == names.end())
            continue;
        auto it = item(set);
        add(it, "instanceType", t.name);
        add(it, "currentGeneration", "true");
        add(it.append_child("vCpuInfo"), "defaultVCpus", std::to_string(t.vcpus));
        add(it.append_child("memoryInfo"), "sizeInMiB", std::to_string(t.memory_mib));
        auto proc = it.append_child("processorInfo");
        add(add_list(proc, "supportedArchitectures"), "item", "x86_64");
    }
    (void)req;
}

void Ec2Service::describe_account_attributes(const Request& req, const Params& p,
                                             pugi::xml_node root) {
    auto names = ec2_query::list(p, "AttributeName");
    const std::vector<std::pair<std::string, std::string>> attrs = {
        {"supported-platforms", "VPC"},
        {"default-vpc", default_network(req.account, req.region).vpc_id},
        {"max-instances", std::to_string(cfg_.ec2_max_instances)},
        {"vpc-max-security-groups-per-interface", "5"},
        {"max-elastic-ips", "5"},
        {"vpc-max-elastic-ips", "5"},
    };
    auto set = add_list(root, "accountAttributeSet");
    for (auto& [name, value] : attrs) {
        if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) continue;
        auto it = item(set);
        add(it, "attributeName", name);
        add(item(add_list(it, "attributeValueSet")), "attributeValue", value);
    }
}

}  // namespace fogbank::ec2
