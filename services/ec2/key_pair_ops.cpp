// EC2 key pairs: CreateKeyPair (real key material, returned once and never stored),
// ImportKeyPair, DescribeKeyPairs and DeleteKeyPair. A key pair is a record: no instance runs
// an SSH server, but RunInstances checks the KeyName it is given, as EC2 does.
#include <algorithm>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "services/ec2/ec2_service.hpp"
#include "services/ec2/key_material.hpp"
#include "services/ec2/request_params.hpp"

namespace fogbank::ec2 {

namespace {

using ec2_query::add;
using ec2_query::add_list;
using ec2_query::item;

constexpr const char* kKey = "key";
constexpr size_t kMaxKeyName = 255;

std::string key_name(const Params& p) {
    const std::string& name = required(p, "KeyName");
    if (name.size() > kMaxKeyName)
        throw AwsError("InvalidParameterValue",
                       "Value (" + name.substr(0, 64) +
                           "...) for parameter keyName is invalid. Length exceeds maximum of 255 "
                           "characters",
                       400);
    if (std::any_of(name.begin(), name.end(),
                    [](char c) { return static_cast<unsigned char>(c) >= 0x80 || c < 0x20; }))
        throw AwsError("InvalidParameterValue",
                       "Value (" + name +
                           ") for parameter keyName is invalid. Character sets "
                           "beyond ASCII are not supported.",
                       400);
    return name;
}

std::string choice(const Params& p, const char* name, const std::string& fallback,
                   std::initializer_list<const char*> allowed) {
    std::string v = p.count(name) ? p.at(name) : fallback;
    for (const char* a : allowed)
        if (v == a) return v;
    throw AwsError("InvalidParameterValue",
                   "Value (" + v + ") for parameter " + name + " is invalid.", 400);
}

}  // namespace

json Ec2Service::key_pair_by_name(const Request& req, const std::string& name) {
    for (auto& k : resources_.list(req.account, req.region, kKey))
        if (k["keyName"] == name) return k;
    throw AwsError("InvalidKeyPair.NotFound", "The key pair '" + name + "' does not exist", 400);
}

void Ec2Service::store_key_pair(const Request& req, json doc) {
    std::lock_guard lock(key_mu_);  // the name check and the insert are one step
    for (auto& k : resources_.list(req.account, req.region, kKey))
        if (k["keyName"] == doc["keyName"])
            throw AwsError(
                "InvalidKeyPair.Duplicate",
                "The keypair '" + doc["keyName"].get<std::string>() + "' already exists.", 400);
    resources_.create(req.account, req.region, kKey, doc["keyPairId"], doc);
}

void Ec2Service::create_key_pair(const Request& req, const Params& p, pugi::xml_node root) {
    std::string name = key_name(p);
    std::string type = choice(p, "KeyType", "rsa", {"rsa", "ed25519"});
    std::string format = choice(p, "KeyFormat", "pem", {"pem", "ppk"});
    json tags = spec_tags(p, "key-pair");
    // Refused before a key is made for it.
    for (auto& k : resources_.list(req.account, req.region, kKey))
        if (k["keyName"] == name)
            throw AwsError("InvalidKeyPair.Duplicate", "The keypair '" + name + "' already exists.",
                           400);
    GeneratedKey key = generate_key(type, format, name);
    json doc = {{"keyPairId", "key-" + random_hex(9).substr(0, 17)},
                {"keyName", name},
                {"keyType", type},
                {"keyFingerprint", key.fingerprint},
                {"publicKey", key.public_key + " " + name},
                {"createTime", format_iso8601_ms(now_ms())},
                {"tags", tags}};
    store_key_pair(req, doc);
    add(root, "keyName", name);
    add(root, "keyFingerprint", key.fingerprint);
    add(root, "keyMaterial", key.material);
    add(root, "keyPairId", doc["keyPairId"].get<std::string>());
    if (!tags.empty()) write_tag_set(root, tags);
}

void Ec2Service::import_key_pair(const Request& req, const Params& p, pugi::xml_node root) {
    std::string name = key_name(p);
    const std::string& material = required(p, "PublicKeyMaterial");
    json tags = spec_tags(p, "key-pair");
    // The blob arrives base64-encoded, as the query protocols send blobs.
    auto text = base64_decode(material);
    auto key = text ? parse_public_key(*text) : std::nullopt;
    if (!key)
        throw AwsError("InvalidKey.Format", "Key is not in valid OpenSSH public key format", 400);
    json doc = {{"keyPairId", "key-" + random_hex(9).substr(0, 17)},
                {"keyName", name},
                {"keyType", key->type},
                {"keyFingerprint", key->fingerprint},
                {"publicKey", key->public_key + " " + name},
                {"createTime", format_iso8601_ms(now_ms())},
                {"tags", tags}};
    store_key_pair(req, doc);
    add(root, "keyFingerprint", key->fingerprint);
    add(root, "keyName", name);
    add(root, "keyPairId", doc["keyPairId"].get<std::string>());
    if (!tags.empty()) write_tag_set(root, tags);
}

void Ec2Service::describe_key_pairs(const Request& req, const Params& p, pugi::xml_node root) {
    auto names = ec2_query::list(p, "KeyName");
    auto ids = ec2_query::list(p, "KeyPairId");
    auto filters =
        parse_filters(p, {"key-pair-id", "key-name", "fingerprint", "key-type", "tag-key"}, true);
    bool with_public = flag(p, "IncludePublicKey");
    auto keys = resources_.list(req.account, req.region, kKey);
    for (auto& n : names)
        if (std::none_of(keys.begin(), keys.end(),
                         [&](const json& k) { return k["keyName"] == n; }))
            throw AwsError("InvalidKeyPair.NotFound", "The key pair '" + n + "' does not exist",
                           400);
    for (auto& id : ids)
        if (std::none_of(keys.begin(), keys.end(),
                         [&](const json& k) { return k["keyPairId"] == id; }))
            throw AwsError("InvalidKeyPair.NotFound", "The key pair '" + id + "' does not exist",
                           400);
    std::sort(keys.begin(), keys.end(),
              [](const json& a, const json& b) { return a["keyName"] < b["keyName"]; });
    auto set = add_list(root, "keySet");
    for (auto& k : keys) {
        std::string name = k["keyName"], id = k["keyPairId"];
        if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) continue;
        if (!ids.empty() && std::find(ids.begin(), ids.end(), id) == ids.end()) continue;
        auto values = [&](const std::string& n) -> std::vector<std::string> {
            if (n == "key-pair-id") return {id};
            if (n == "key-name") return {name};
            if (n == "fingerprint") return {k["keyFingerprint"]};
            if (n == "key-type") return {k["keyType"]};
            return tag_filter_values(k["tags"], n);
        };
        if (!matches(filters, values)) continue;
        auto it = item(set);
        add(it, "keyPairId", id);
        add(it, "keyFingerprint", k["keyFingerprint"].get<std::string>());
        add(it, "keyName", name);
        add(it, "keyType", k["keyType"].get<std::string>());
        write_tag_set(it, k["tags"]);
        if (with_public) add(it, "publicKey", k["publicKey"].get<std::string>());
        add(it, "createTime", k["createTime"].get<std::string>());
    }
}

void Ec2Service::delete_key_pair(const Request& req, const Params& p, pugi::xml_node root) {
    // EC2 answers true for a name it does not know: deleting is idempotent.
    std::string id;
    if (p.count("KeyPairId") && !p.at("KeyPairId").empty()) {
        id = p.at("KeyPairId");
        if (!resources_.get(req.account, req.region, kKey, id))
            throw AwsError("InvalidKeyPair.NotFound", "The key pair '" + id + "' does not exist",
                           400);
    } else {
        std::string name = required(p, "KeyName");
        for (auto& k : resources_.list(req.account, req.region, kKey))
            if (k["keyName"] == name) id = k["keyPairId"];
    }
    if (!id.empty()) resources_.remove(req.account, req.region, kKey, id);
    add(root, "return", "true");
    if (!id.empty()) add(root, "keyPairId", id);
}

}  // namespace fogbank::ec2
