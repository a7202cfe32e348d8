// The instance metadata service, as an instance reaches it at
// <AWS_EC2_METADATA_SERVICE_ENDPOINT>latest/... = /_imds/<instance-id>/latest/... Answers are
// plain text (listings one name per line, directories with a trailing '/'), JSON for
// credentials and the identity document, 404 for what does not exist, as IMDS answers.
#include <nlohmann/json.hpp>

#include "emulator/authenticator.hpp"
#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "services/ec2/ec2_service.hpp"

namespace fogbank::ec2 {

namespace {

constexpr std::string_view kPrefix = "/_imds/";

Response text(int status, std::string body) {
    Response res;
    res.status = status;
    res.headers.set("Content-Type", "text/plain");
    res.body = std::move(body);
    return res;
}

Response not_found() {
    return text(404,
                "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\n<html><head><title>404 - Not "
                "Found</title></head><body><h1>404 - Not Found</h1></body></html>\n");
}

std::string listing(const std::vector<std::string>& names) {
    std::string out;
    for (auto& n : names)
        out += (out.empty() ? "" : "\n") + n;
    return out;
}

std::string role_of(const json& rec) {
    if (!rec.contains("iamInstanceProfile")) return "";
    std::string arn = rec["iamInstanceProfile"]["arn"];
    return arn.substr(arn.rfind('/') + 1);
}

}  // namespace

Response MetadataService::error_response(const AwsError& err, const RequestHead&) const {
    return text(err.status(), err.what());
}

void MetadataService::reset() {
    std::lock_guard lock(mu_);
    tokens_.clear();
}

Response MetadataService::handle(Request& req) {
    std::string_view path = req.path;
    path.remove_prefix(kPrefix.size());
    auto slash = path.find('/');
    std::string id(path.substr(0, slash));
    std::string rest(slash == std::string_view::npos ? "" : path.substr(slash + 1));
    req.operation = "InstanceMetadata";
    auto rec = instances_.find_any(id);
    if (!rec || (*rec)["state"]["name"] == "terminated") return not_found();
    // HttpEndpoint=disabled: the instance has no metadata service at all.
    if (rec->value("httpEndpoint", std::string("enabled")) == "disabled") return not_found();
    auto now = now_ms().time_since_epoch().count();

    // IMDSv2: a session token, valid 1 s to 6 h, for this instance only.
    if (rest == "latest/api/token") {
        if (req.method != http::verb::put) return text(405, "Method Not Allowed");
        auto ttl_text = req.header("x-aws-ec2-metadata-token-ttl-seconds");
        long ttl = 0;
        try {
            ttl = ttl_text ? std::stol(*ttl_text) : 0;
        } catch (const std::exception&) {
            ttl = 0;
        }
        if (ttl < 1 || ttl > 21600) return text(400, "Bad Request");
        std::string token = base64_encode(random_hex(24));
        std::lock_guard lock(mu_);
        for (auto it = tokens_.begin(); it != tokens_.end();)
            it = it->second.second < now ? tokens_.erase(it) : std::next(it);
        tokens_[token] = {id, now + ttl * 1000};
        Response res = text(200, token);
        res.headers.set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", std::to_string(ttl));
        return res;
    }
    if (req.method != http::verb::get && req.method != http::verb::head)
        return text(405, "Method Not Allowed");
    // A token that is given must be valid; with HttpTokens=optional none is fine too, with
    // HttpTokens=required (IMDSv2 only) a request without one is refused.
    auto token = req.header("x-aws-ec2-metadata-token");
    if (!token && rec->value("httpTokens", std::string("optional")) == "required")
        return text(401, "Unauthorized");
    if (token) {
        std::lock_guard lock(mu_);
        auto it = tokens_.find(*token);
        if (it == tokens_.end() || it->second.first != id || it->second.second < now)
            return text(401, "Unauthorized");
    }

    const std::string region = (*rec)["region"];
    const std::string zone = (*rec)["availabilityZone"];
    const std::string role = role_of(*rec);
    if (rest == "latest" || rest == "latest/")
        return text(200, listing({"dynamic", "meta-data", "user-data"}));
    if (rest == "latest/user-data") {
        auto decoded = base64_decode(rec->value("userData", std::string()));
        if (!decoded || decoded->empty()) return not_found();
        return text(200, *decoded);
    }
    if (rest == "latest/dynamic/instance-identity/document") {
        json doc = {{"accountId", (*rec)["ownerId"]},
                    {"architecture", "x86_64"},
                    {"availabilityZone", zone},
                    {"imageId", (*rec)["imageId"]},
                    {"instanceId", id},
                    {"instanceType", (*rec)["instanceType"]},
                    {"pendingTime", format_iso8601_ms(TimePoint(std::chrono::milliseconds(
                                        (*rec)["launchTime"].get<int64_t>())))},
                    {"privateIp", (*rec)["privateIpAddress"]},
                    {"region", region},
                    {"version", "2017-09-30"}};
        return text(200, doc.dump(2));
    }
    if (rest.rfind("latest/meta-data", 0) != 0) return not_found();
    std::string key = rest.substr(std::string_view("latest/meta-data").size());
    if (!key.empty() && key[0] == '/') key.erase(0, 1);

    std::map<std::string, std::string> values = {
        {"ami-id", (*rec)["imageId"]},
        {"ami-launch-index", std::to_string((*rec)["amiLaunchIndex"].get<int>())},
        {"instance-id", id},
        {"instance-type", (*rec)["instanceType"]},
        {"local-ipv4", (*rec)["privateIpAddress"]},
        {"local-hostname", (*rec)["privateDnsName"]},
        {"hostname", (*rec)["privateDnsName"]},
        {"mac", "0e:00:00:00:00:01"},
        {"reservation-id", (*rec)["reservationId"]},
        {"security-groups", "default"},
        {"instance-life-cycle", "on-demand"},
        {"placement/region", region},
        {"placement/availability-zone", zone},
        {"services/domain", "amazonaws.com"},
        {"services/partition", "aws"},
    };
    if (key.empty())
        return text(200, listing({"ami-id", "ami-launch-index", "hostname", "iam/", "instance-id",
                                  "instance-life-cycle", "instance-type", "local-hostname",
                                  "local-ipv4", "mac", "placement/", "reservation-id",
                                  "security-groups", "services/", "tags/"}));
    if (auto it = values.find(key); it != values.end()) return text(200, it->second);
    if (key == "placement" || key == "placement/")
        return text(200, listing({"availability-zone", "region"}));
    if (key == "services" || key == "services/") return text(200, listing({"domain", "partition"}));

    // Tags, when the instance was launched with InstanceMetadataTags=enabled.
    if (key.rfind("tags", 0) == 0) {
        if (rec->value("instanceMetadataTags", std::string("disabled")) != "enabled")
            return not_found();
        if (key == "tags" || key == "tags/") return text(200, listing({"instance"}));
        if (key == "tags/instance" || key == "tags/instance/") {
            std::vector<std::string> names;
            for (auto& [k, v] : (*rec)["tags"].items())
                names.push_back(k);
            return text(200, listing(names));
        }
        std::string tag = key.substr(std::string_view("tags/instance/").size());
        if (key.rfind("tags/instance/", 0) == 0 && (*rec)["tags"].contains(tag))
            return text(200, (*rec)["tags"][tag].get<std::string>());
        return not_found();
    }

    // The instance profile's role: its credentials are the instance's account's, as every
    // process of the instance already has them in its environment.
    if (key.rfind("iam", 0) == 0) {
        if (role.empty()) return not_found();
        if (key == "iam" || key == "iam/")
            return text(200, listing({"info", "security-credentials/"}));
        if (key == "iam/info")
            return text(200, json{{"Code", "Success"},
                                  {"LastUpdated", format_iso8601_ms(now_ms())},
                                  {"InstanceProfileArn", (*rec)["iamInstanceProfile"]["arn"]},
                                  {"InstanceProfileId", (*rec)["iamInstanceProfile"]["id"]}}
                                 .dump(2));
        if (key == "iam/security-credentials" || key == "iam/security-credentials/")
            return text(200, role);
        if (key == "iam/security-credentials/" + role) {
            auto creds = credentials_for(instances_.config(), (*rec)["ownerId"]);
            auto expires = now_ms() + std::chrono::hours(6);
            return text(200, json{{"Code", "Success"},
                                  {"LastUpdated", format_iso8601_ms(now_ms())},
                                  {"Type", "AWS-HMAC"},
                                  {"AccessKeyId", creds.access_key},
                                  {"SecretAccessKey", creds.secret_key},
                                  {"Token", "fogbank"},
                                  {"Expiration", format_iso8601_ms(expires)}}
                                 .dump(2));
        }
    }
    return not_found();
}

}  // namespace fogbank::ec2
