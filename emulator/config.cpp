#include "emulator/config.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <stdexcept>

#include "emulator/encoding.hpp"

namespace fogbank {

namespace {
bool parse_bool(const std::string& v) {
    auto l = to_lower(v);
    return l == "1" || l == "true" || l == "yes" || l == "on";
}
}  // namespace

void apply_config_file(Config& cfg, const std::string& path) {
    YAML::Node root = YAML::LoadFile(path);
    if (auto n = root["host"]) cfg.host = n.as<std::string>();
    if (auto n = root["port"]) cfg.port = n.as<uint16_t>();
    if (auto n = root["data_dir"]; n && !n.IsNull()) cfg.data_dir = n.as<std::string>();
    if (auto n = root["io_threads"]) cfg.io_threads = n.as<unsigned>();
    if (auto n = root["log_level"]) cfg.log_level = n.as<std::string>();
    if (auto server = root["server"]) {
        if (auto n = server["header_limit"]) cfg.header_limit = n.as<uint32_t>();
        if (auto n = server["idle_timeout_seconds"]) cfg.idle_timeout_seconds = n.as<uint32_t>();
    }
    if (auto auth = root["auth"]) {
        if (auto n = auth["strict"]) cfg.auth_strict = n.as<bool>();
        if (auto n = auth["default_account"]) cfg.default_account = n.as<std::string>();
        if (auto n = auth["default_region"]) cfg.default_region = n.as<std::string>();
        if (auto keys = auth["keys"]) {
            for (const auto& k : keys) {
                auto id = k["access_key_id"].as<std::string>();
                cfg.auth_keys[id] = k["secret_access_key"].as<std::string>();
                if (k["account"]) cfg.auth_accounts[id] = k["account"].as<std::string>();
            }
        }
    }
    if (auto vision = root["vision"]) {
        if (auto n = vision["manifest"]; n && !n.IsNull())
            cfg.vision_manifest = n.as<std::string>();
        if (auto n = vision["models_dir"]; n && !n.IsNull())
            cfg.vision_models_dir = n.as<std::string>();
        if (auto n = vision["worker"]; n && !n.IsNull()) cfg.vision_worker = n.as<std::string>();
        if (auto n = vision["workers"]) cfg.vision_workers = n.as<unsigned>();
        if (auto n = vision["request_timeout_ms"]) cfg.vision_request_timeout_ms = n.as<unsigned>();
        if (auto n = vision["idle_seconds"]) cfg.vision_idle_seconds = n.as<unsigned>();
        if (auto n = vision["worker_memory_mib"]) cfg.vision_worker_memory_mib = n.as<unsigned>();
        if (auto n = vision["overrides"]; n && !n.IsNull())
            cfg.vision_overrides = n.as<std::string>();
    }
    if (auto lambda = root["lambda"]) {
        if (auto n = lambda["python"]; n && !n.IsNull()) cfg.lambda_python = n.as<std::string>();
        if (auto n = lambda["node"]; n && !n.IsNull()) cfg.lambda_node = n.as<std::string>();
        if (auto n = lambda["concurrency"]) cfg.lambda_concurrency = n.as<unsigned>();
        if (auto n = lambda["idle_seconds"]) cfg.lambda_idle_seconds = n.as<unsigned>();
        if (auto n = lambda["retry_delay_ms"]) cfg.lambda_retry_delay_ms = n.as<unsigned>();
    }
    if (auto ec2 = root["ec2"]) {
        if (auto n = ec2["max_instances"]) cfg.ec2_max_instances = n.as<unsigned>();
        if (auto n = ec2["stop_grace_ms"]) cfg.ec2_stop_grace_ms = n.as<unsigned>();
    }
    if (auto n = root["advertised_host"]) cfg.advertised_host = n.as<std::string>();
    if (auto init = root["init"]) {
        if (auto n = init["dirs"]) cfg.init_dirs = n.as<std::vector<std::string>>();
        if (auto n = init["timeout_ms"]) cfg.init_timeout_ms = n.as<unsigned>();
    }
    if (auto console = root["console"]) {
        if (auto n = console["enabled"]) cfg.console = n.as<bool>();
        if (auto n = console["token"]; n && !n.IsNull()) cfg.console_token = n.as<std::string>();
    }
    if (auto s3 = root["s3"]) {
        if (auto n = s3["virtual_host_suffixes"])
            cfg.s3_virtual_host_suffixes = n.as<std::vector<std::string>>();
    }
}

void apply_environment(Config& cfg) {
    auto env = [](const char* name) -> const char* { return std::getenv(name); };
    if (auto v = env("FOGBANK_HOST")) cfg.host = v;
    if (auto v = env("FOGBANK_PORT")) cfg.port = static_cast<uint16_t>(std::stoul(v));
    if (auto v = env("FOGBANK_DATA_DIR")) cfg.data_dir = v;
    if (auto v = env("FOGBANK_IO_THREADS")) cfg.io_threads = static_cast<unsigned>(std::stoul(v));
    if (auto v = env("FOGBANK_LOG_LEVEL")) cfg.log_level = v;
    if (auto v = env("FOGBANK_AUTH_STRICT")) cfg.auth_strict = parse_bool(v);
    if (auto v = env("FOGBANK_DEFAULT_ACCOUNT")) cfg.default_account = v;
    if (auto v = env("FOGBANK_DEFAULT_REGION")) cfg.default_region = v;
    if (auto v = env("FOGBANK_VISION_MANIFEST")) cfg.vision_manifest = v;
    if (auto v = env("FOGBANK_VISION_MODELS_DIR")) cfg.vision_models_dir = v;
    if (auto v = env("FOGBANK_VISION_OVERRIDES")) cfg.vision_overrides = v;
    if (auto v = env("FOGBANK_VISION_WORKER")) cfg.vision_worker = v;
    if (auto v = env("FOGBANK_VISION_WORKERS"))
        cfg.vision_workers = static_cast<unsigned>(std::stoul(v));
    if (auto v = env("FOGBANK_VISION_REQUEST_TIMEOUT_MS"))
        cfg.vision_request_timeout_ms = static_cast<unsigned>(std::stoul(v));
    if (auto v = env("FOGBANK_VISION_IDLE_SECONDS"))
        cfg.vision_idle_seconds = static_cast<unsigned>(std::stoul(v));
    if (auto v = env("FOGBANK_VISION_WORKER_MEMORY_MIB"))
        cfg.vision_worker_memory_mib = static_cast<unsigned>(std::stoul(v));
    if (auto v = env("FOGBANK_LAMBDA_PYTHON")) cfg.lambda_python = v;
    if (auto v = env("FOGBANK_LAMBDA_NODE")) cfg.lambda_node = v;
    if (auto v = env("FOGBANK_LAMBDA_CONCURRENCY"))
        cfg.lambda_concurrency = static_cast<unsigned>(std::stoul(v));
    if (auto v = env("FOGBANK_LAMBDA_IDLE_SECONDS"))
        cfg.lambda_idle_seconds = static_cast<unsigned>(std::stoul(v));
    if (auto v = env("FOGBANK_LAMBDA_RETRY_DELAY_MS"))
        cfg.lambda_retry_delay_ms = static_cast<unsigned>(std::stoul(v));
    if (auto v = env("FOGBANK_EC2_MAX_INSTANCES"))
        cfg.ec2_max_instances = static_cast<unsigned>(std::stoul(v));
    if (auto v = env("FOGBANK_EC2_STOP_GRACE_MS"))
        cfg.ec2_stop_grace_ms = static_cast<unsigned>(std::stoul(v));
    if (auto v = env("FOGBANK_INIT_DIR")) {
        cfg.init_dirs.clear();
        std::string all = v;
        for (size_t start = 0; start <= all.size();) {
            size_t colon = all.find(':', start);
            std::string dir =
                all.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
            if (!dir.empty()) cfg.init_dirs.push_back(dir);
            if (colon == std::string::npos) break;
            start = colon + 1;
        }
    }
    if (auto v = env("FOGBANK_ADVERTISED_HOST"))
        cfg.advertised_host = v;
    else if (auto ls = env("LOCALSTACK_HOST"))
        cfg.advertised_host = ls;
    if (auto v = env("FOGBANK_INIT_TIMEOUT_MS"))
        cfg.init_timeout_ms = static_cast<unsigned>(std::stoul(v));
    if (auto v = env("FOGBANK_CONSOLE"))
        cfg.console = std::string(v) != "0" && std::string(v) != "false";
    if (auto v = env("FOGBANK_CONSOLE_TOKEN")) cfg.console_token = v;
}

}  // namespace fogbank
