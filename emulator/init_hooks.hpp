// Init hooks, as LocalStack runs them, so that set-up scripts written for it run unchanged:
// executable scripts (and `.py` files, run with python3) in `boot.d/`, `start.d/`, `ready.d/`
// and `shutdown.d/` under each configured directory (default /etc/fogbank/init and LocalStack's
// /etc/localstack/init). A stage's scripts run one at a time in alphanumerical order, a
// directory's own files before its subdirectories (depth first); a failing script is reported
// and the next one still runs.
//
// boot.d runs before the server listens; start.d and ready.d once it does (from a thread of
// their own, so the scripts can call fogbank); shutdown.d when a signal asks fogbank to stop,
// while it still serves. Scripts get AWS_ENDPOINT_URL, test credentials, a region, an
// `awslocal` on PATH, and a sitecustomize that points Debian's boto3 and AWS CLI at fogbank.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

namespace fogbank {

class InitHooks {
  public:
    enum class Stage { boot, start, ready, shutdown };
    static constexpr size_t kStages = 4;

    // `roots`: the init directories (missing ones are skipped); `work_dir`: where the scripts'
    // helper files go; `timeout`: how long one script may run before it is killed.
    InitHooks(std::vector<std::filesystem::path> roots, std::filesystem::path work_dir,
              std::chrono::milliseconds timeout);

    // host:port the scripts reach fogbank on (before start.d).
    void set_endpoint(const std::string& host_port);
    // Runs the stage's scripts, one after the other; returns when all have ended.
    void run(Stage stage);
    // Asks a running stage to stop: its current script is killed, the rest are not started.
    void cancel() { cancelled_ = true; }
    void resume() { cancelled_ = false; }
    bool cancelled() const { return cancelled_; }

    // LocalStack's GET /_localstack/init: {"completed": {"BOOT": true, ...}, "scripts": [...]}.
    nlohmann::json describe() const;
    // GET /_localstack/init/<stage>: {"completed": bool, "scripts": [...]}.
    nlohmann::json describe(Stage stage) const;
    // Whether any script has failed (health reports it).
    bool failed() const;
    bool empty() const;

    static const char* stage_name(Stage stage);  // "BOOT", ...
    static bool parse_stage(std::string_view lower, Stage& out);

  private:
    struct Script {
        Stage stage;
        std::filesystem::path path;
        std::string name;   // relative to the stage directory
        std::string state;  // UNKNOWN, RUNNING, SUCCESSFUL, ERROR
    };
    void run_one(size_t index);
    // Under mu_: the scripts (of one stage, or all) as /_localstack/init lists them.
    nlohmann::json scripts_json(const Stage* only) const;
    void write_helpers();

    std::vector<std::filesystem::path> roots_;
    std::filesystem::path work_dir_;
    std::chrono::milliseconds timeout_;
    std::string endpoint_;
    mutable std::mutex mu_;
    std::vector<Script> scripts_;
    bool completed_[kStages] = {false, false, false, false};
    std::atomic<bool> cancelled_{false};
    bool helpers_written_ = false;
};

}  // namespace fogbank
