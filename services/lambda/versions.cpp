// PublishVersion, ListVersionsByFunction and aliases: a version is a frozen copy of $LATEST's
// configuration and code; an alias names a version. Invoking either runs that copy.
#include "emulator/crypto.hpp"
#include "services/lambda/backend.hpp"

namespace fogbank::lambda {

namespace {

AwsError alias_not_found(const Function& fn, const std::string& name) {
    return AwsError("ResourceNotFoundException",
                    "Cannot find alias arn: " + fn.config.value("FunctionArn", "") + ":" + name,
                    404);
}

json alias_config(const Function& fn, const std::string& name, const json& in) {
    return {{"AliasArn", fn.config.value("FunctionArn", "") + ":" + name},
            {"Name", name},
            {"FunctionVersion", in.value("FunctionVersion", "$LATEST")},
            {"Description", in.value("Description", "")},
            {"RevisionId", random_uuid()}};
}

void check_version(const Function& fn, const std::string& version) {
    if (version == "$LATEST") return;
    for (auto& v : fn.versions)
        if (v["config"].value("Version", "") == version) return;
    throw AwsError("ResourceNotFoundException",
                   "Function not found: " + fn.config.value("FunctionArn", "") + ":" + version,
                   404);
}

}  // namespace

Response Backend::publish_version(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    // Publishing unchanged code and configuration again returns the last version.
    if (!fn->versions.empty()) {
        auto& last = fn->versions.back();
        if (last["code_hex"] == fn->code_hex &&
            last["config"].value("RevisionIdOfLatest", "") == fn->config["RevisionId"])
            return rest_json::response(201, last["config"]);
    }
    json v = fn->config;
    std::string n = std::to_string(fn->versions.size() + 1);
    v["Version"] = n;
    v["FunctionArn"] = fn->config["FunctionArn"].get<std::string>() + ":" + n;
    if (c.body.contains("Description")) v["Description"] = c.body["Description"];
    v["RevisionIdOfLatest"] = fn->config["RevisionId"];
    fn->versions.push_back({{"config", v}, {"code_hex", fn->code_hex}});
    save(*fn);
    json out = v;
    out.erase("RevisionIdOfLatest");
    return rest_json::response(201, out);
}

Response Backend::list_versions(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    json list = json::array({fn->config});
    for (auto& v : fn->versions) {
        json cfg = v["config"];
        cfg.erase("RevisionIdOfLatest");
        list.push_back(cfg);
    }
    return rest_json::response(200, {{"Versions", list}});
}

Response Backend::create_alias(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    std::string name = c.body.value("Name", "");
    if (name.empty())
        throw AwsError("ValidationException",
                       "1 validation error detected: Value null at 'name' failed to satisfy "
                       "constraint: Member must not be null",
                       400);
    if (fn->aliases.contains(name))
        throw AwsError("ResourceConflictException",
                       "Alias already exists: " + fn->config.value("FunctionArn", "") + ":" + name,
                       409);
    check_version(*fn, c.body.value("FunctionVersion", "$LATEST"));
    fn->aliases[name] = alias_config(*fn, name, c.body);
    save(*fn);
    return rest_json::response(201, fn->aliases[name]);
}

Response Backend::get_alias(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    const std::string& name = c.params.at("Name");
    if (!fn->aliases.contains(name)) throw alias_not_found(*fn, name);
    return rest_json::response(200, fn->aliases[name]);
}

Response Backend::list_aliases(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    json list = json::array();
    for (auto& [name, a] : fn->aliases.items())
        list.push_back(a);
    return rest_json::response(200, {{"Aliases", list}});
}

Response Backend::update_alias(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    const std::string& name = c.params.at("Name");
    if (!fn->aliases.contains(name)) throw alias_not_found(*fn, name);
    json in = fn->aliases[name];
    for (auto& [k, v] : c.body.items())
        in[k] = v;
    check_version(*fn, in.value("FunctionVersion", "$LATEST"));
    fn->aliases[name] = alias_config(*fn, name, in);
    save(*fn);
    return rest_json::response(200, fn->aliases[name]);
}

Response Backend::delete_alias(Call& c) {
    std::lock_guard lock(mu_);
    auto fn = require(c);
    fn->aliases.erase(c.params.at("Name"));
    save(*fn);
    return rest_json::empty(204);
}

}  // namespace fogbank::lambda
