#include "services/ec2/instances.hpp"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>

#include <fstream>

#include "emulator/authenticator.hpp"
#include "emulator/aws_error.hpp"
#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "services/ec2/runtime_files.hpp"

namespace fogbank::ec2 {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

namespace {

// GetConsoleOutput returns the most recent 64 KB.
constexpr size_t kConsoleKeep = 64 * 1024;
// A terminated instance stays visible for about an hour.
constexpr auto kTerminatedVisible = std::chrono::hours(1);

}  // namespace

const char* state_name(State s) {
    switch (s) {
        case State::pending:
            return "pending";
        case State::running:
            return "running";
        case State::shutting_down:
            return "shutting-down";
        case State::terminated:
            return "terminated";
        case State::stopping:
            return "stopping";
        case State::stopped:
            return "stopped";
    }
    return "pending";
}

Instances::Instances(const Config& cfg, Database& db, fs::path work_dir)
    : cfg_(cfg), db_(db), work_dir_(std::move(work_dir)) {
    std::lock_guard dblock(db_.mutex());
    db_.exec("CREATE TABLE IF NOT EXISTS ec2_instances (key TEXT PRIMARY KEY, doc TEXT NOT NULL)");
    auto s = db_.prepare("SELECT key, doc FROM ec2_instances");
    while (s.step()) {
        json rec = json::parse(s.text(1));
        // A stop or termination that fogbank's exit cut short is complete now: the processes
        // went with fogbank.
        State st = static_cast<State>(rec["state"]["code"].get<int>());
        if (st == State::stopping) set_state(rec, State::stopped);
        if (st == State::shutting_down) set_state(rec, State::terminated);
        records_[s.text(0)] = std::move(rec);
    }
}

Instances::~Instances() {
    shutdown();
}

void Instances::shutdown() {
    {
        std::lock_guard lock(mu_);
        if (stopping_ && !supervisor_.joinable()) return;
        stopping_ = true;
    }
    if (supervisor_.joinable()) supervisor_.join();
    std::lock_guard lock(mu_);
    for (auto& [k, r] : running_)
        if (auto rec = records_.find(k); rec != records_.end()) save_console(rec->second, *r);
    running_.clear();  // each ChildProcess kills its group
}

void Instances::save_console(const json& rec, Running& r) {
    r.proc.read_output(r.console);
    if (r.console.size() > kConsoleKeep) r.console.erase(0, r.console.size() - kConsoleKeep);
    std::ofstream(dir_of(rec) / "console.log", std::ios::binary | std::ios::trunc) << r.console;
}

void Instances::set_endpoint(std::string host_port) {
    std::lock_guard lock(mu_);
    endpoint_ = std::move(host_port);
    for (auto& [k, rec] : records_) {
        State st = static_cast<State>(rec["state"]["code"].get<int>());
        if ((st == State::running || st == State::pending) && !running_.count(k)) {
            spdlog::info("ec2: {} was running when fogbank stopped: starting it again",
                         rec["instanceId"].get<std::string>());
            spawn(rec);
        }
    }
}

fs::path Instances::dir_of(const json& rec) const {
    return work_dir_ / rec["instanceId"].get<std::string>();
}

void Instances::store(const json& rec) {
    std::lock_guard dblock(db_.mutex());
    db_.prepare("INSERT OR REPLACE INTO ec2_instances (key, doc) VALUES (?, ?)")
        .bind_all(key(rec["ownerId"], rec["region"], rec["instanceId"]), rec.dump())
        .run();
}

void Instances::set_state(json& rec, State s, const std::string& reason) {
    rec["state"] = {{"code", static_cast<int>(s)}, {"name", state_name(s)}};
    rec["stateTransitionReason"] = reason;
    rec["stateChangedMs"] = now_ms().time_since_epoch().count();
}

json& Instances::record(const std::string& account, const std::string& region,
                        const std::string& id) {
    auto it = records_.find(key(account, region, id));
    if (it == records_.end())
        throw AwsError("InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist",
                       400);
    return it->second;
}

int Instances::active_locked(const std::string& account, const std::string& region) const {
    int n = 0;
    for (auto& [k, rec] : records_) {
        State st = static_cast<State>(rec["state"]["code"].get<int>());
        if (rec["ownerId"] == account && rec["region"] == region &&
            (st == State::pending || st == State::running))
            ++n;
    }
    return n;
}

std::vector<json> Instances::launch(const std::string& account, const std::string& region,
                                    const json& base, int min_count, int max_count) {
    std::lock_guard lock(mu_);
    int active = active_locked(account, region);
    // As many as the cap leaves room for, and at least min_count.
    int count =
        std::max(min_count, std::min(max_count, static_cast<int>(cfg_.ec2_max_instances) - active));
    if (active + count > static_cast<int>(cfg_.ec2_max_instances))
        throw AwsError("InstanceLimitExceeded",
                       "You have requested more instances (" + std::to_string(active + count) +
                           ") than your current instance limit of " +
                           std::to_string(cfg_.ec2_max_instances) + " allows",
                       400);
    std::vector<json> out;
    std::string reservation = "r-" + random_hex(9).substr(0, 17);
    for (int i = 0; i < count; ++i) {
        json rec = base;
        std::string id = "i-" + random_hex(9).substr(0, 17);
        rec["instanceId"] = id;
        rec["ownerId"] = account;
        rec["region"] = region;
        rec["reservationId"] = reservation;
        rec["amiLaunchIndex"] = i;
        rec["launchTime"] = now_ms().time_since_epoch().count();
        rec["privateIpAddress"] = "127.0.0.1";
        rec["privateDnsName"] = "ip-127-0-0-1.ec2.internal";
        set_state(rec, State::pending);
        fs::create_directories(work_dir_ / id);
        auto& stored = records_[key(account, region, id)] = rec;
        out.push_back(stored);  // as RunInstances answers: pending
        spawn(stored);
        store(stored);
    }
    return out;
}

// Starts the instance's UserData (or nothing, when it has none) and marks it running.
void Instances::spawn(json& rec) {
    const std::string id = rec["instanceId"];
    fs::path dir = dir_of(rec);
    fs::create_directories(dir / "bin");
    fs::create_directories(dir / "python");
    write_runtime_files(dir);
    std::string user_data;
    if (auto b64 = rec.value("userData", std::string()); !b64.empty()) {
        auto decoded = base64_decode(b64);
        user_data = decoded ? *decoded : std::string();
    }
    if (user_data.empty() || endpoint_.empty()) {
        // No script: a running instance that runs nothing. Before the server listens an
        // instance is started by set_endpoint().
        if (!endpoint_.empty()) set_state(rec, State::running);
        return;
    }
    write_child_file(dir / "user-data", user_data, true);
    std::vector<std::string> argv;
    if (is_cloud_config(user_data)) {
        // cloud-init's part: files beneath the instance's root, then bootcmd and runcmd as one
        // script. A document cloud-init would refuse says why on the console.
        std::string error;
        auto config = parse_cloud_config(user_data, error);
        std::string script;
        if (config) {
            try {
                write_cloud_config_files(dir / "root", *config);
                script = cloud_config_script(*config);
            } catch (const std::exception& e) {
                error = e.what();
            }
        }
        if (!error.empty()) script = "#!/bin/sh\necho \"cloud-config: not run: $1\" >&2\nexit 1\n";
        write_child_file(dir / "cloud-config.sh", script, true);
        argv = {"/bin/sh", (dir / "cloud-config.sh").string(), error};
    } else if (user_data.rfind("#!", 0) == 0) {
        argv = {(dir / "user-data").string()};
    } else {
        argv = {"/bin/sh", (dir / "user-data").string()};
    }

    std::map<std::string, std::string> env;
    env["PATH"] = (dir / "bin").string() + ":" + inherited_env("PATH");
    env["HOME"] = dir.string();
    env["LANG"] = "C.UTF-8";
    env["TZ"] = ":UTC";
    env["PYTHONPATH"] = (dir / "python").string();
    env["PYTHONUNBUFFERED"] = "1";
    env["PYTHONDONTWRITEBYTECODE"] = "1";
    env["AWS_REGION"] = rec["region"];
    env["AWS_DEFAULT_REGION"] = rec["region"];
    env["AWS_ENDPOINT_URL"] = "http://" + endpoint_;
    env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://" + endpoint_ + "/_imds/" + id + "/";
    env["FOGBANK_INSTANCE_DIR"] = dir.string();
    env["FOGBANK_INSTANCE_ROOT"] = (dir / "root").string();
    env["FOGBANK_INSTANCE_ID"] = id;
    auto creds = credentials_for(cfg_, rec["ownerId"]);
    env["AWS_ACCESS_KEY_ID"] = creds.access_key;
    env["AWS_SECRET_ACCESS_KEY"] = creds.secret_key;
    env["AWS_SESSION_TOKEN"] = "fogbank";

    auto run = std::make_unique<Running>();
    std::error_code ec;
    fs::remove(dir / "shutdown-requested", ec);
    try {
        run->proc = ChildProcess::spawn({argv, env, dir});
    } catch (const SpawnError& e) {
        spdlog::warn("ec2 {}: {}", id, e.what());
        set_state(rec, State::terminated, "Server.InternalError: " + std::string(e.what()));
        return;
    }
    // The supervisor starts with the first process: a fogbank that never runs an instance
    // pays no thread for EC2.
    if (!supervisor_.joinable()) supervisor_ = std::thread([this] { supervise(); });
    spdlog::info("ec2 {}: running (pid {})", id, run->proc.pid());
    running_[key(rec["ownerId"], rec["region"], id)] = std::move(run);
    set_state(rec, State::running);
}

// Signals the instance's processes to end (SIGTERM, SIGKILL after the grace period, or at
// once when forced); the supervisor makes it `after` once they are gone.
void Instances::end_process(json& rec, State after, bool force) {
    auto it = running_.find(key(rec["ownerId"], rec["region"], rec["instanceId"]));
    if (it == running_.end()) {
        finish(rec, after);
        return;
    }
    Running& r = *it->second;
    r.after = after;
    if (force) {
        r.proc.signal_group(SIGKILL);
        r.kill_at = SteadyClock::now();
    } else if (r.kill_at == SteadyClock::time_point{}) {
        r.proc.signal_group(SIGTERM);
        r.kill_at = SteadyClock::now() + std::chrono::milliseconds(cfg_.ec2_stop_grace_ms);
    }
}

void Instances::finish(json& rec, State after) {
    set_state(rec, after, "User initiated");
    store(rec);
}

Instances::Change Instances::start(const std::string& account, const std::string& region,
                                   const std::string& id) {
    std::lock_guard lock(mu_);
    json& rec = record(account, region, id);
    State before = static_cast<State>(rec["state"]["code"].get<int>());
    if (before == State::running || before == State::pending) return {id, before, before};
    if (before != State::stopped)
        throw AwsError("IncorrectInstanceState",
                       "The instance '" + id + "' is not in a state from which it can be started",
                       400);
    set_state(rec, State::pending);
    spawn(rec);
    store(rec);
    return {id, before, State::pending};
}

Instances::Change Instances::stop(const std::string& account, const std::string& region,
                                  const std::string& id, bool force) {
    std::lock_guard lock(mu_);
    json& rec = record(account, region, id);
    State before = static_cast<State>(rec["state"]["code"].get<int>());
    if (before == State::stopped || before == State::stopping) {
        if (force && before == State::stopping) end_process(rec, State::stopped, true);
        return {id, before, before};
    }
    if (before != State::running && before != State::pending)
        throw AwsError("IncorrectInstanceState",
                       "This instance '" + id + "' is not in a state from which it can be stopped",
                       400);
    set_state(rec, State::stopping, "User initiated");
    store(rec);
    end_process(rec, State::stopped, force);
    return {id, before, State::stopping};
}

Instances::Change Instances::terminate(const std::string& account, const std::string& region,
                                       const std::string& id) {
    std::lock_guard lock(mu_);
    json& rec = record(account, region, id);
    State before = static_cast<State>(rec["state"]["code"].get<int>());
    if (before == State::terminated || before == State::shutting_down) return {id, before, before};
    if (rec.value("disableApiTermination", false))
        throw AwsError("OperationNotPermitted",
                       "The instance '" + id +
                           "' may not be terminated. Modify its 'disableApiTermination' "
                           "instance attribute and try again.",
                       400);
    set_state(rec, State::shutting_down, "User initiated");
    store(rec);
    end_process(rec, State::terminated, false);
    return {id, before, State::shutting_down};
}

void Instances::reboot(const std::string& account, const std::string& region,
                       const std::string& id) {
    std::lock_guard lock(mu_);
    json& rec = record(account, region, id);
    State st = static_cast<State>(rec["state"]["code"].get<int>());
    if (st != State::running) return;  // EC2 ignores a reboot of an instance not running
    auto k = key(account, region, id);
    if (auto it = running_.find(k); it != running_.end()) {
        std::string console = std::move(it->second->console);
        running_.erase(it);  // kills the group
        spawn(rec);
        if (auto again = running_.find(k); again != running_.end())
            again->second->console = std::move(console);
    }
}

void Instances::update(const std::string& account, const std::string& region, const std::string& id,
                       const std::function<void(json&)>& edit) {
    std::lock_guard lock(mu_);
    json& rec = record(account, region, id);
    edit(rec);
    store(rec);
}

std::vector<json> Instances::list(const std::string& account, const std::string& region) {
    std::lock_guard lock(mu_);
    std::vector<json> out;
    auto now = now_ms().time_since_epoch().count();
    for (auto it = records_.begin(); it != records_.end();) {
        json& rec = it->second;
        bool mine = rec["ownerId"] == account && rec["region"] == region;
        if (rec["state"]["code"] == static_cast<int>(State::terminated) &&
            now - rec.value("stateChangedMs", int64_t{0}) >
                std::chrono::duration_cast<std::chrono::milliseconds>(kTerminatedVisible).count()) {
            std::lock_guard dblock(db_.mutex());
            db_.prepare("DELETE FROM ec2_instances WHERE key=?").bind_all(it->first).run();
            std::error_code ec;
            fs::remove_all(dir_of(rec), ec);
            it = records_.erase(it);
            continue;
        }
        if (mine) out.push_back(rec);
        ++it;
    }
    std::stable_sort(out.begin(), out.end(), [](const json& a, const json& b) {
        return a["launchTime"].get<int64_t>() < b["launchTime"].get<int64_t>();
    });
    return out;
}

std::optional<json> Instances::get(const std::string& account, const std::string& region,
                                   const std::string& id) {
    std::lock_guard lock(mu_);
    auto it = records_.find(key(account, region, id));
    if (it == records_.end()) return std::nullopt;
    return it->second;
}

std::optional<json> Instances::find_any(const std::string& id) {
    std::lock_guard lock(mu_);
    for (auto& [k, rec] : records_)
        if (rec["instanceId"] == id) return rec;
    return std::nullopt;
}

std::string Instances::console(const std::string& account, const std::string& region,
                               const std::string& id) {
    std::lock_guard lock(mu_);
    record(account, region, id);
    auto it = running_.find(key(account, region, id));
    if (it != running_.end()) {
        it->second->proc.read_output(it->second->console);
        return it->second->console;
    }
    // A stopped or terminated instance: what it printed last, from its directory.
    auto rec = records_.find(key(account, region, id));
    std::ifstream f(dir_of(rec->second) / "console.log", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

void Instances::reset() {
    std::lock_guard lock(mu_);
    running_.clear();
    records_.clear();
    std::lock_guard dblock(db_.mutex());
    db_.exec("DELETE FROM ec2_instances");
}

void Instances::supervise() {
    std::vector<pollfd> fds;
    std::vector<std::string> keys;
    for (;;) {
        fds.clear();
        keys.clear();
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
            for (auto& [k, r] : running_)
                if (r->proc.output_fd() >= 0) {
                    fds.push_back(pollfd{r->proc.output_fd(), POLLIN, 0});
                    keys.push_back(k);
                }
        }
        // Output fds are closed only under mu_ by read_output at end-of-file, after which the
        // instance's entry is not polled again; a closed fd here only makes poll report it.
        ::poll(fds.data(), fds.size(), 100);
        std::lock_guard lock(mu_);
        if (stopping_) return;
        auto now = SteadyClock::now();
        for (auto it = running_.begin(); it != running_.end();) {
            Running& r = *it->second;
            auto rec_it = records_.find(it->first);
            if (rec_it == records_.end()) {
                it = running_.erase(it);
                continue;
            }
            json& rec = rec_it->second;
            if (r.proc.read_output(r.console) > 0 && r.console.size() > kConsoleKeep)
                r.console.erase(0, r.console.size() - kConsoleKeep);
            // shutdown, poweroff or halt ran inside: stop or terminate, as the instance says.
            std::error_code ec;
            if (r.kill_at == SteadyClock::time_point{} &&
                fs::exists(dir_of(rec) / "shutdown-requested", ec)) {
                fs::remove(dir_of(rec) / "shutdown-requested", ec);
                bool terminate = rec.value("instanceInitiatedShutdownBehavior",
                                           std::string("stop")) == "terminate";
                set_state(rec, terminate ? State::shutting_down : State::stopping,
                          "Client.InstanceInitiatedShutdown: Instance initiated shutdown");
                store(rec);
                end_process(rec, terminate ? State::terminated : State::stopped, false);
            }
            if (r.kill_at != SteadyClock::time_point{} && now >= r.kill_at)
                r.proc.signal_group(SIGKILL);
            bool exited = r.proc.poll_exit().has_value();
            State st = static_cast<State>(rec["state"]["code"].get<int>());
            if (exited && (st == State::stopping || st == State::shutting_down)) {
                // The script is gone; what is left of its group goes with the entry.
                State after = r.after;
                std::string reason = rec.value("stateTransitionReason", std::string());
                save_console(rec, r);  // what GetConsoleOutput answers from now on
                it = running_.erase(it);
                set_state(rec, after, reason);
                store(rec);
                spdlog::info("ec2 {}: {}", rec["instanceId"].get<std::string>(), state_name(after));
                continue;
            }
            // The UserData script ended by itself: the instance stays running, as on EC2.
            ++it;
        }
    }
}

}  // namespace fogbank::ec2
