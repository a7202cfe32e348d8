// EC2 instances as local processes. An instance's record is a JSON document (kept in SQLite,
// so that it survives a restart with --data-dir); while it runs, its UserData runs as a child
// process in a group of its own, with the instance's directory as HOME, shims for shutdown,
// poweroff and halt on its PATH, and an environment that sends its AWS calls and instance
// metadata requests back to fogbank.
//
// One supervisor thread reads every instance's console output, notices processes that exit
// and shims that asked for a shutdown, and finishes the stops and terminations whose grace
// period ran out.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "emulator/process.hpp"

namespace fogbank::ec2 {

using json = nlohmann::json;

// EC2's instance state codes.
enum class State {
    pending = 0,
    running = 16,
    shutting_down = 32,
    terminated = 48,
    stopping = 64,
    stopped = 80
};
const char* state_name(State s);

class Instances {
  public:
    Instances(const Config& cfg, Database& db, std::filesystem::path work_dir);
    ~Instances();
    Instances(const Instances&) = delete;
    Instances& operator=(const Instances&) = delete;

    // host:port that instances reach fogbank at; known once the server listens. Instances
    // that were running when fogbank last stopped start again then.
    void set_endpoint(std::string host_port);

    // Creates and starts as many instances from `base` (a record without instanceId/state) as
    // the cap allows, from min_count to max_count; returns their records as RunInstances
    // answers them (pending). InstanceLimitExceeded when not even min_count fit.
    std::vector<json> launch(const std::string& account, const std::string& region,
                             const json& base, int min_count, int max_count);
    // Records of an account and region, oldest first; terminated ones stay visible for an hour.
    std::vector<json> list(const std::string& account, const std::string& region);
    std::optional<json> get(const std::string& account, const std::string& region,
                            const std::string& id);
    // What a state change did: the instance, its state before and after.
    struct Change {
        std::string id;
        State before, after;
    };
    Change start(const std::string& account, const std::string& region, const std::string& id);
    Change stop(const std::string& account, const std::string& region, const std::string& id,
                bool force);
    Change terminate(const std::string& account, const std::string& region, const std::string& id);
    void reboot(const std::string& account, const std::string& region, const std::string& id);
    // Replaces the record's `field` (tags, attributes) and stores it.
    void update(const std::string& account, const std::string& region, const std::string& id,
                const std::function<void(json&)>& edit);
    // The console output so far (the last 64 KB, as EC2 keeps).
    std::string console(const std::string& account, const std::string& region,
                        const std::string& id);
    // The instance with this id in any account (instance metadata knows only the id).
    std::optional<json> find_any(const std::string& id);

    const Config& config() const { return cfg_; }
    void reset();
    void shutdown();

  private:
    struct Running {
        ChildProcess proc;
        std::string console;                              // the last 64 KB
        std::chrono::steady_clock::time_point kill_at{};  // set while stopping: SIGKILL then
        State after = State::stopped;  // what the instance becomes once the process is gone
    };
    std::string key(const std::string& account, const std::string& region,
                    const std::string& id) const {
        return account + "/" + region + "/" + id;
    }
    // Under mu_.
    int active_locked(const std::string& account, const std::string& region) const;
    json& record(const std::string& account, const std::string& region, const std::string& id);
    void store(const json& rec);
    void set_state(json& rec, State s, const std::string& reason = {});
    void spawn(json& rec);
    void end_process(json& rec, State after, bool force);
    void finish(json& rec, State after);
    // Writes the console output kept so far to the instance's directory.
    void save_console(const json& rec, Running& r);
    std::filesystem::path dir_of(const json& rec) const;
    void supervise();

    const Config& cfg_;
    Database& db_;
    std::filesystem::path work_dir_;
    std::string endpoint_;
    std::mutex mu_;
    std::map<std::string, json> records_;  // key -> record
    std::map<std::string, std::unique_ptr<Running>> running_;
    bool stopping_ = false;
    std::thread supervisor_;
};

}  // namespace fogbank::ec2
