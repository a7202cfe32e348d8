// Configuration: defaults, then config/fogbank.yaml (or --config), then FOGBANK_* environment
// variables, then command-line flags; later sources win.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace fogbank {

struct Config {
    std::string host = "127.0.0.1";
    uint16_t port = 4566;
    std::string data_dir;     // empty: ephemeral state, gone at exit
    unsigned io_threads = 0;  // 0: one per core but one (at least one)
    std::string log_level = "info";

    // Server limits (Beast server defaults follow AWS's front ends).
    uint32_t header_limit = 64 * 1024;
    uint32_t idle_timeout_seconds = 60;

    // Identity and signature checks.
    bool auth_strict = false;
    std::map<std::string, std::string> auth_keys;      // access key -> secret key
    std::map<std::string, std::string> auth_accounts;  // access key -> account id
    std::string default_account = "000000000000";
    std::string default_region = "us-east-1";

    // S3 virtual-hosted addressing: Host "<bucket>.<suffix>" picks the bucket.
    std::vector<std::string> s3_virtual_host_suffixes = {"s3.localhost", "localhost",
                                                         "s3.amazonaws.com"};

    // Rekognition's models: the manifest naming them, the directory `fogbank models fetch`
    // writes them to (both default to the source tree's models/), and the worker processes
    // they run in (services/rekognition/vision_client.hpp): the executable (empty:
    // fogbank-vision beside fogbank), how many at most, each analysing one image at a time (0:
    // one per core), how long one may take over an image (and a request wait for one), how long an
    // idle one lives, and the peak resident memory at which one is stopped (0: no limit).
    std::string vision_manifest = FOGBANK_SOURCE_DIR "/models/manifest.yaml";
    std::string vision_models_dir = FOGBANK_SOURCE_DIR "/models/data";
    std::string vision_worker;
    unsigned vision_workers = 0;
    unsigned vision_request_timeout_ms = 60000;
    unsigned vision_idle_seconds = 300;
    unsigned vision_worker_memory_mib = 4096;
    // Pinned answers for tests (services/rekognition/overrides.hpp); empty: none.
    std::string vision_overrides;

    // Lambda: the interpreters that run python* and nodejs* functions, how many sandboxes one
    // function may run at once (0: twice the cores; beyond, invocations wait in line), how long
    // an idle sandbox stays warm, and the first async retry's delay (AWS: about a minute; the
    // second retry waits twice as long).
    std::string lambda_python = "/usr/bin/python3";
    std::string lambda_node = "node";
    unsigned lambda_concurrency = 0;
    unsigned lambda_idle_seconds = 600;
    unsigned lambda_retry_delay_ms = 1000;

    // EC2: how many instances may run (or be pending) at once per account and region
    // (RunInstances beyond answers InstanceLimitExceeded), and how long StopInstances and
    // TerminateInstances wait after SIGTERM before they SIGKILL an instance's processes.
    unsigned ec2_max_instances = 32;
    unsigned ec2_stop_grace_ms = 2000;

    // Init hooks (emulator/init_hooks.hpp): the directories whose boot.d/, start.d/, ready.d/
    // and shutdown.d/ scripts run, and how long one script may take before it is killed.
    // The host[:port] the URLs fogbank hands out name (queue URLs, function URLs), for a fogbank
    // reached through another name (a container's, a proxy's). Empty: the request's Host for
    // queue URLs, <id>.lambda-url.<region>.localhost:<port> for function URLs.
    std::string advertised_host;

    std::vector<std::string> init_dirs = {"/etc/fogbank/init", "/etc/localstack/init"};
    unsigned init_timeout_ms = 300000;

    // The web console at /_fogbank/ui/ and the request log it reads (emulator/console.hpp).
    // Bound to a non-loopback address, the console is off unless a token is set: then the
    // console and the request log answer only requests that carry it.
    bool console = true;
    std::string console_token;
};

// Reads a YAML file (keys as in config/fogbank.yaml) into `cfg`. Throws on a bad file.
void apply_config_file(Config& cfg, const std::string& path);
// FOGBANK_HOST, FOGBANK_PORT, FOGBANK_DATA_DIR, FOGBANK_IO_THREADS, FOGBANK_LOG_LEVEL,
// FOGBANK_AUTH_STRICT, FOGBANK_DEFAULT_ACCOUNT, FOGBANK_DEFAULT_REGION,
// FOGBANK_VISION_MANIFEST, FOGBANK_VISION_MODELS_DIR, FOGBANK_VISION_WORKER,
// FOGBANK_VISION_WORKERS, FOGBANK_VISION_REQUEST_TIMEOUT_MS, FOGBANK_VISION_IDLE_SECONDS,
// FOGBANK_VISION_WORKER_MEMORY_MIB, FOGBANK_VISION_OVERRIDES, FOGBANK_LAMBDA_PYTHON,
// FOGBANK_LAMBDA_NODE, FOGBANK_LAMBDA_CONCURRENCY, FOGBANK_LAMBDA_IDLE_SECONDS,
// FOGBANK_LAMBDA_RETRY_DELAY_MS, FOGBANK_EC2_MAX_INSTANCES, FOGBANK_EC2_STOP_GRACE_MS,
// FOGBANK_INIT_DIR (one directory, or several separated by ':'), FOGBANK_INIT_TIMEOUT_MS,
// FOGBANK_ADVERTISED_HOST (or LocalStack's LOCALSTACK_HOST when that is unset),
// FOGBANK_CONSOLE (0 or false: off), FOGBANK_CONSOLE_TOKEN.
void apply_environment(Config& cfg);

}  // namespace fogbank
