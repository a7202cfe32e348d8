// EC2 launch templates: Create/Modify/Delete/DescribeLaunchTemplates, CreateLaunchTemplateVersion,
// DescribeLaunchTemplateVersions, DeleteLaunchTemplateVersions, and RunInstances from a template.
//
// A version's LaunchTemplateData is kept as the flattened parameters the client sent
// (`ImageId`, `SecurityGroupId.1`, `TagSpecification.1.Tag.1.Key`, ...), which is exactly how
// RunInstances names the same settings, so a launch is the template's parameters with the
// request's on top. Described, the flat names take EC2's response shape
// (ec2_query::add_flattened).
#include <algorithm>
#include <charconv>
#include <regex>
#include <set>

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

constexpr const char* kLt = "lt";
constexpr std::string_view kDataPrefix = "LaunchTemplateData.";
constexpr size_t kMaxVersions = 10000;
constexpr size_t kMaxDescription = 255;

// The LaunchTemplateData.* parameters, without their prefix.
json template_data(const Params& p) {
    json data = json::object();
    for (auto it = p.lower_bound(std::string(kDataPrefix));
         it != p.end() && it->first.compare(0, kDataPrefix.size(), kDataPrefix) == 0; ++it) {
        std::string name = it->first.substr(kDataPrefix.size());
        if (!ec2_query::flat_name_ok(name))
            throw AwsError("InvalidParameterValue",
                           "The parameter LaunchTemplateData." + name + " is not valid", 400);
        data[name] = it->second;
    }
    if (data.empty())
        throw AwsError("MissingParameter",
                       "The request must contain the parameter LaunchTemplateData", 400);
    if (data.contains("UserData") && !base64_decode(data["UserData"].get<std::string>()))
        throw AwsError("InvalidUserData.Malformed", "Invalid BASE64 encoding of user data.", 400);
    if (data.contains("InstanceType") && !find_instance_type(data["InstanceType"]))
        throw AwsError(
            "InvalidParameterValue",
            "Invalid value '" + data["InstanceType"].get<std::string>() + "' for InstanceType.",
            400);
    return data;
}

void write_data(pugi::xml_node parent, const json& data) {
    Params flat;
    for (auto& [k, v] : data.items())
        flat[k] = v.get<std::string>();
    ec2_query::add_flattened(parent.append_child("launchTemplateData"), flat);
}

void write_template(pugi::xml_node parent, const json& t) {
    add(parent, "createTime", t["createTime"].get<std::string>());
    add(parent, "createdBy", t["createdBy"].get<std::string>());
    add(parent, "defaultVersionNumber", std::to_string(t["defaultVersion"].get<long>()));
    add(parent, "latestVersionNumber", std::to_string(t["latestVersion"].get<long>()));
    add(parent, "launchTemplateId", t["launchTemplateId"].get<std::string>());
    add(parent, "launchTemplateName", t["launchTemplateName"].get<std::string>());
    if (!t["tags"].empty()) write_tag_set(parent, t["tags"]);
}

void write_version(pugi::xml_node parent, const json& t, const json& v) {
    add(parent, "createTime", v["createTime"].get<std::string>());
    add(parent, "createdBy", t["createdBy"].get<std::string>());
    add(parent, "defaultVersion",
        v["versionNumber"] == t["defaultVersion"] ? std::string("true") : std::string("false"));
    write_data(parent, v["data"]);
    add(parent, "launchTemplateId", t["launchTemplateId"].get<std::string>());
    add(parent, "launchTemplateName", t["launchTemplateName"].get<std::string>());
    if (!v["description"].get<std::string>().empty())
        add(parent, "versionDescription", v["description"].get<std::string>());
    add(parent, "versionNumber", std::to_string(v["versionNumber"].get<long>()));
}

std::string checked_name(const std::string& name) {
    static const std::regex shape(R"(^[a-zA-Z0-9\(\)\.\-/_]{3,128}$)");
    if (!std::regex_match(name, shape))
        throw AwsError("InvalidLaunchTemplateName.MalformedException",
                       "A launch template name must be between 3 and 128 characters, and may "
                       "contain letters, numbers, and the following characters: - ( ) . / _.'",
                       400);
    return name;
}

std::string description(const Params& p) {
    std::string d = p.count("VersionDescription") ? p.at("VersionDescription") : "";
    if (d.size() > kMaxDescription)
        throw AwsError("InvalidParameterValue",
                       "The version description must be at most 255 characters", 400);
    return d;
}

const json* find_version(const json& t, long number) {
    for (auto& v : t["versions"])
        if (v["versionNumber"].get<long>() == number) return &v;
    return nullptr;
}

// "$Latest", "$Default" or a number, as a version number of `t`.
long version_number(const json& t, const std::string& selector) {
    if (selector == "$Latest") return t["latestVersion"];
    if (selector == "$Default") return t["defaultVersion"];
    long v = 0;
    auto [end, ec] = std::from_chars(selector.data(), selector.data() + selector.size(), v);
    if (ec != std::errc() || end != selector.data() + selector.size() || v < 1)
        throw AwsError("InvalidLaunchTemplateId.VersionNotFound",
                       "The specified version " + selector + " for launch template " +
                           t["launchTemplateId"].get<std::string>() + " is not valid",
                       400);
    return v;
}

const json& version_of(const json& t, const std::string& selector) {
    long n = version_number(t, selector);
    const json* v = find_version(t, n);
    if (!v)
        throw AwsError("InvalidLaunchTemplateId.VersionNotFound",
                       "Could not find launch template version " + std::to_string(n) +
                           " for launch template " + t["launchTemplateId"].get<std::string>(),
                       400);
    return *v;
}

// A list parameter's name (`SecurityGroupId` for `SecurityGroupId.1`, `TagSpecification` for
// `TagSpecification.2.Tag.1.Key`), or the name itself for a plain or structure member.
std::string top_name(const std::string& flat) {
    auto dot = flat.find('.');
    return dot == std::string::npos ? flat : flat.substr(0, dot);
}

// `over` with each of `under`'s settings that `over` does not name; a list `over` names
// replaces `under`'s whole list.
std::set<std::string> top_names(const Params& flat) {
    std::set<std::string> out;
    for (auto& [k, _] : flat)
        out.insert(top_name(k));
    return out;
}
std::set<std::string> top_names(const json& flat) {
    std::set<std::string> out;
    for (auto& [k, _] : flat.items())
        out.insert(top_name(k));
    return out;
}

template <typename Flat>
void add_beneath(Flat& over, const json& under) {
    std::set<std::string> given = top_names(over);
    for (auto& [k, v] : under.items())
        if (!given.count(top_name(k))) over[k] = v.template get<std::string>();
}

}  // namespace

json Ec2Service::launch_template(const Request& req, const Params& p, const std::string& prefix) {
    auto id = p.find(prefix + "LaunchTemplateId");
    auto name = p.find(prefix + "LaunchTemplateName");
    bool has_id = id != p.end() && !id->second.empty();
    bool has_name = name != p.end() && !name->second.empty();
    if (has_id && has_name)
        throw AwsError("InvalidParameterCombination",
                       "Either a launch template ID or a launch template name can be specified, "
                       "but not both",
                       400);
    if (has_id) {
        static const std::regex shape("^lt-[0-9a-f]{17}$");
        if (!std::regex_match(id->second, shape))
            throw AwsError(
                "InvalidLaunchTemplateId.Malformed",
                "The specified ID for the launch template (" + id->second + ") is not valid.", 400);
        if (auto t = resources_.get(req.account, req.region, kLt, id->second)) return *t;
        throw AwsError(
            "InvalidLaunchTemplateId.NotFound",
            "The specified launch template, with template ID " + id->second + ", does not exist.",
            400);
    }
    if (!has_name)
        throw AwsError("MissingParameter",
                       "The request must contain the parameter " + prefix +
                           "LaunchTemplateName or " + prefix + "LaunchTemplateId",
                       400);
    for (auto& t : resources_.list(req.account, req.region, kLt))
        if (t["launchTemplateName"] == name->second) return t;
    throw AwsError(
        "InvalidLaunchTemplateName.NotFoundException",
        "The specified launch template, with template name " + name->second + ", does not exist.",
        400);
}

Params Ec2Service::with_launch_template(const Request& req, const Params& p, json& tags) {
    bool from_template = std::any_of(p.begin(), p.end(), [](const auto& kv) {
        return kv.first.rfind("LaunchTemplate.", 0) == 0;
    });
    if (!from_template) return p;
    json t = launch_template(req, p, "LaunchTemplate.");
    std::string selector =
        p.count("LaunchTemplate.Version") && !p.at("LaunchTemplate.Version").empty()
            ? p.at("LaunchTemplate.Version")
            : "$Default";
    const json& v = version_of(t, selector);
    Params merged = p;
    add_beneath(merged, v["data"]);
    // EC2 tags what it launches from a template with the template and the version used.
    tags["aws:ec2launchtemplate:id"] = t["launchTemplateId"];
    tags["aws:ec2launchtemplate:version"] = std::to_string(v["versionNumber"].get<long>());
    return merged;
}

void Ec2Service::create_launch_template(const Request& req, const Params& p, pugi::xml_node root) {
    std::string name = checked_name(required(p, "LaunchTemplateName"));
    json data = template_data(p);
    json tags = spec_tags(p, "launch-template");
    std::string when = format_iso8601_ms(now_ms());
    json t = {{"launchTemplateId", "lt-" + random_hex(9).substr(0, 17)},
              {"launchTemplateName", name},
              {"createTime", when},
              {"createdBy", "arn:aws:iam::" + req.account + ":root"},
              {"defaultVersion", 1},
              {"latestVersion", 1},
              {"nextVersion", 2},
              {"tags", tags},
              {"versions", json::array({{{"versionNumber", 1},
                                         {"description", description(p)},
                                         {"createTime", when},
                                         {"data", data}}})}};
    {
        std::lock_guard lock(template_mu_);
        for (auto& other : resources_.list(req.account, req.region, kLt))
            if (other["launchTemplateName"] == name)
                throw AwsError("InvalidLaunchTemplateName.AlreadyExistsException",
                               "Launch template name already in use.", 400);
        resources_.create(req.account, req.region, kLt, t["launchTemplateId"], t);
    }
    write_template(root.append_child("launchTemplate"), t);
}

void Ec2Service::create_launch_template_version(const Request& req, const Params& p,
                                                pugi::xml_node root) {
    json data = template_data(p);
    std::string desc = description(p);
    std::lock_guard lock(template_mu_);
    json t = launch_template(req, p);
    if (p.count("SourceVersion") && !p.at("SourceVersion").empty()) {
        // The source's settings, with this request's on top (lists replaced whole).
        add_beneath(data, version_of(t, p.at("SourceVersion"))["data"]);
    }
    if (t["versions"].size() >= kMaxVersions)
        throw AwsError("VersionLimitExceeded",
                       "The launch template has the maximum number of versions (10000).", 400);
    // Numbers are never reused, even after the latest version is deleted.
    long number = t.value("nextVersion", t["latestVersion"].get<long>() + 1);
    json v = {{"versionNumber", number},
              {"description", desc},
              {"createTime", format_iso8601_ms(now_ms())},
              {"data", data}};
    resources_.update(req.account, req.region, kLt, t["launchTemplateId"], [&](json& doc) {
        doc["latestVersion"] = number;
        doc["nextVersion"] = number + 1;
        doc["versions"].push_back(v);
    });
    t["latestVersion"] = number;
    write_version(root.append_child("launchTemplateVersion"), t, v);
}

void Ec2Service::modify_launch_template(const Request& req, const Params& p, pugi::xml_node root) {
    std::lock_guard lock(template_mu_);
    json t = launch_template(req, p);
    std::string selector = p.count("SetDefaultVersion") ? p.at("SetDefaultVersion") : "";
    if (!selector.empty()) {
        long number = version_of(t, selector)["versionNumber"];
        resources_.update(req.account, req.region, kLt, t["launchTemplateId"],
                          [&](json& doc) { doc["defaultVersion"] = number; });
        t["defaultVersion"] = number;
    }
    write_template(root.append_child("launchTemplate"), t);
}

void Ec2Service::describe_launch_templates(const Request& req, const Params& p,
                                           pugi::xml_node root) {
    auto ids = ec2_query::list(p, "LaunchTemplateId");
    auto names = ec2_query::list(p, "LaunchTemplateName");
    auto page = paging(p, !ids.empty() || !names.empty(), 1, 200);
    auto filters = parse_filters(p, {"create-time", "launch-template-name", "tag-key"}, true);
    auto all = resources_.list(req.account, req.region, kLt);
    for (auto& id : ids)
        if (std::none_of(all.begin(), all.end(),
                         [&](const json& t) { return t["launchTemplateId"] == id; }))
            throw AwsError(
                "InvalidLaunchTemplateId.NotFound",
                "The specified launch template, with template ID " + id + ", does not exist.", 400);
    for (auto& n : names)
        if (std::none_of(all.begin(), all.end(),
                         [&](const json& t) { return t["launchTemplateName"] == n; }))
            throw AwsError("InvalidLaunchTemplateName.NotFoundException",
                           "At least one of the launch templates specified in the request does "
                           "not exist.",
                           400);
    std::vector<json> chosen;
    for (auto& t : all) {
        std::string id = t["launchTemplateId"], name = t["launchTemplateName"];
        if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
        if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) continue;
        auto values = [&](const std::string& n) -> std::vector<std::string> {
            if (n == "create-time") return {t["createTime"]};
            if (n == "launch-template-name") return {name};
            return tag_filter_values(t["tags"], n);
        };
        if (matches(filters, values)) chosen.push_back(t);
    }
    std::sort(chosen.begin(), chosen.end(), [](const json& a, const json& b) {
        return a["createTime"] < b["createTime"] || (a["createTime"] == b["createTime"] &&
                                                     a["launchTemplateId"] < b["launchTemplateId"]);
    });
    size_t end = page.end(chosen.size());
    auto set = add_list(root, "launchTemplates");
    for (size_t i = page.start; i < end; ++i)
        write_template(item(set), chosen[i]);
    if (end < chosen.size()) add(root, "nextToken", std::to_string(end));
}

void Ec2Service::describe_launch_template_versions(const Request& req, const Params& p,
                                                   pugi::xml_node root) {
    auto selectors = ec2_query::list(p, "LaunchTemplateVersion");
    auto page = paging(p, !selectors.empty(), 1, 200);
    auto filters =
        parse_filters(p, {"create-time", "instance-type", "image-id", "is-default-version",
                          "kernel-id", "ram-disk-id", "ebs-optimized"});
    json t = launch_template(req, p);
    std::vector<const json*> chosen;
    if (!selectors.empty()) {
        for (auto& s : selectors) {
            const json* v = &version_of(t, s);
            if (std::find(chosen.begin(), chosen.end(), v) == chosen.end()) chosen.push_back(v);
        }
    } else {
        long lo = p.count("MinVersion") ? version_number(t, p.at("MinVersion")) : 1;
        long hi = p.count("MaxVersion") ? version_number(t, p.at("MaxVersion"))
                                        : t["latestVersion"].get<long>();
        for (auto& v : t["versions"]) {
            long n = v["versionNumber"];
            if (n >= lo && n <= hi) chosen.push_back(&v);
        }
        // Newest first, as EC2 lists them.
        std::reverse(chosen.begin(), chosen.end());
    }
    std::vector<const json*> shown;
    for (auto* v : chosen) {
        const json& data = (*v)["data"];
        auto values = [&](const std::string& n) -> std::vector<std::string> {
            auto member = [&](const char* k) -> std::vector<std::string> {
                if (data.contains(k)) return {data[k]};
                return {};
            };
            if (n == "create-time") return {(*v)["createTime"]};
            if (n == "is-default-version")
                return {(*v)["versionNumber"] == t["defaultVersion"] ? "true" : "false"};
            if (n == "instance-type") return member("InstanceType");
            if (n == "image-id") return member("ImageId");
            if (n == "kernel-id") return member("KernelId");
            if (n == "ram-disk-id") return member("RamDiskId");
            return member("EbsOptimized");
        };
        if (matches(filters, values)) shown.push_back(v);
    }
    size_t end = page.end(shown.size());
    auto set = add_list(root, "launchTemplateVersionSet");
    for (size_t i = page.start; i < end; ++i)
        write_version(item(set), t, *shown[i]);
    if (end < shown.size()) add(root, "nextToken", std::to_string(end));
}

void Ec2Service::delete_launch_template(const Request& req, const Params& p, pugi::xml_node root) {
    std::lock_guard lock(template_mu_);
    json t = launch_template(req, p);
    resources_.remove(req.account, req.region, kLt, t["launchTemplateId"]);
    write_template(root.append_child("launchTemplate"), t);
}

void Ec2Service::delete_launch_template_versions(const Request& req, const Params& p,
                                                 pugi::xml_node root) {
    auto selectors = ec2_query::list(p, "LaunchTemplateVersion");
    if (selectors.empty())
        throw AwsError("MissingParameter",
                       "The request must contain the parameter LaunchTemplateVersion", 400);
    if (selectors.size() > 200)
        throw AwsError("InvalidParameterValue",
                       "You can delete up to 200 launch template versions in a single request",
                       400);
    std::lock_guard lock(template_mu_);
    json t = launch_template(req, p);
    auto ok = add_list(root, "successfullyDeletedLaunchTemplateVersionSet");
    auto failed = add_list(root, "unsuccessfullyDeletedLaunchTemplateVersionSet");
    std::set<long> doomed;
    for (auto& s : selectors) {
        long n = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
        std::string code, message;
        if (ec != std::errc() || end != s.data() + s.size() || !find_version(t, n)) {
            code = "launchTemplateVersionDoesNotExist";
            message = "The specified launch template version does not exist.";
        } else if (n == t["defaultVersion"].get<long>()) {
            code = "unexpectedError";
            message = "Cannot delete the default version of a launch template.";
        }
        auto it = item(code.empty() ? ok : failed);
        add(it, "launchTemplateId", t["launchTemplateId"].get<std::string>());
        add(it, "launchTemplateName", t["launchTemplateName"].get<std::string>());
        add(it, "versionNumber", code.empty() ? std::to_string(n) : s);
        if (code.empty()) {
            doomed.insert(n);
        } else {
            auto err = it.append_child("responseError");
            add(err, "code", code);
            add(err, "message", message);
        }
    }
    if (!doomed.empty())
        resources_.update(req.account, req.region, kLt, t["launchTemplateId"], [&](json& doc) {
            json kept = json::array();
            for (auto& v : doc["versions"])
                if (!doomed.count(v["versionNumber"].get<long>())) kept.push_back(v);
            doc["versions"] = kept;
            long latest = doc["defaultVersion"];  // never deleted, so always there
            for (auto& v : kept)
                latest = std::max(latest, v["versionNumber"].get<long>());
            doc["latestVersion"] = latest;
        });
}

}  // namespace fogbank::ec2
