#include "emulator/init_hooks.hpp"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <thread>

#include "emulator/process.hpp"
#include "emulator/runtimes/embedded.hpp"

namespace fogbank {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStageDirs[] = {"boot.d", "start.d", "ready.d", "shutdown.d"};
constexpr int kMaxDirDepth = 8;
constexpr size_t kMaxScripts = 1000;
constexpr size_t kMaxHookLogLine = 4096;

// `awslocal`, as LocalStack's images have it: the AWS CLI pointed at fogbank.
constexpr std::string_view kAwsLocal =
    "#!/bin/sh\n# fogbank: the AWS CLI, pointed at fogbank.\n"
    "exec aws --endpoint-url \"${AWS_ENDPOINT_URL:?}\" \"$@\"\n";

bool hook_runnable(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
    return (st.st_mode & S_IXUSR) || p.extension() == ".py";
}

// A directory's files in order, then its subdirectories, depth first.
void collect_scripts(const fs::path& dir, int depth, std::vector<fs::path>& out) {
    if (depth > kMaxDirDepth) return;
    std::error_code ec;
    std::vector<fs::path> files, dirs;
    for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator();
         it.increment(ec)) {
        if (it->is_directory(ec))
            dirs.push_back(it->path());
        else if (hook_runnable(it->path()))
            files.push_back(it->path());
    }
    std::sort(files.begin(), files.end());
    std::sort(dirs.begin(), dirs.end());
    for (auto& f : files)
        if (out.size() < kMaxScripts) out.push_back(f);
    for (auto& d : dirs)
        collect_scripts(d, depth + 1, out);
}

// Logs the output a script printed, a line at a time (a very long line in pieces).
void log_hook_lines(std::string& pending, const std::string& who, bool flush) {
    size_t start = 0;
    while (true) {
        size_t nl = pending.find('\n', start);
        if (nl == std::string::npos) {
            if (pending.size() - start > kMaxHookLogLine || (flush && start < pending.size())) {
                spdlog::info("init {}: {}", who, pending.substr(start, kMaxHookLogLine));
                start = std::min(pending.size(), start + kMaxHookLogLine);
                continue;
            }
            break;
        }
        spdlog::info("init {}: {}", who,
                     pending.substr(start, std::min(nl - start, kMaxHookLogLine)));
        start = nl + 1;
    }
    pending.erase(0, start);
}

}  // namespace

const char* InitHooks::stage_name(Stage stage) {
    static const char* names[] = {"BOOT", "START", "READY", "SHUTDOWN"};
    return names[static_cast<size_t>(stage)];
}

bool InitHooks::parse_stage(std::string_view lower, Stage& out) {
    static const char* names[] = {"boot", "start", "ready", "shutdown"};
    for (size_t i = 0; i < kStages; ++i)
        if (lower == names[i]) {
            out = static_cast<Stage>(i);
            return true;
        }
    return false;
}

InitHooks::InitHooks(std::vector<fs::path> roots, fs::path work_dir,
                     std::chrono::milliseconds timeout)
    : roots_(std::move(roots)), work_dir_(std::move(work_dir)), timeout_(timeout) {
    for (size_t s = 0; s < kStages; ++s) {
        for (auto& root : roots_) {
            fs::path dir = root / kStageDirs[s];
            std::error_code ec;
            if (!fs::is_directory(dir, ec)) continue;
            std::vector<fs::path> found;
            collect_scripts(dir, 0, found);
            for (auto& p : found)
                scripts_.push_back(
                    {static_cast<Stage>(s), p, fs::relative(p, dir, ec).string(), "UNKNOWN"});
        }
    }
}

void InitHooks::set_endpoint(const std::string& host_port) {
    std::lock_guard lock(mu_);
    endpoint_ = host_port;
}

bool InitHooks::empty() const {
    std::lock_guard lock(mu_);
    return scripts_.empty();
}

bool InitHooks::failed() const {
    std::lock_guard lock(mu_);
    return std::any_of(scripts_.begin(), scripts_.end(),
                       [](const Script& s) { return s.state == "ERROR"; });
}

void InitHooks::write_helpers() {
    if (helpers_written_) return;
    fs::create_directories(work_dir_ / "bin");
    fs::create_directories(work_dir_ / "python");
    write_child_file(work_dir_ / "bin" / "awslocal", kAwsLocal, true);
    write_child_file(work_dir_ / "python" / "sitecustomize.py", kEndpointSiteCustomize, false);
    write_child_file(work_dir_ / "python" / "fogbank_endpoint.py", kBotocoreEndpointModule, false);
    helpers_written_ = true;
}

void InitHooks::run(Stage stage) {
    std::vector<size_t> mine;
    {
        std::lock_guard lock(mu_);
        for (size_t i = 0; i < scripts_.size(); ++i)
            if (scripts_[i].stage == stage) mine.push_back(i);
    }
    for (size_t i : mine) {
        if (cancelled_) break;
        run_one(i);
    }
    std::lock_guard lock(mu_);
    completed_[static_cast<size_t>(stage)] = true;
}

void InitHooks::run_one(size_t index) {
    Script script;
    std::string endpoint;
    {
        std::lock_guard lock(mu_);
        scripts_[index].state = "RUNNING";
        script = scripts_[index];
        endpoint = endpoint_;
        try {
            write_helpers();
        } catch (const std::exception& e) {
            spdlog::warn("init: {}", e.what());
        }
    }
    std::string who = std::string(stage_name(script.stage)) + " " + script.name;
    SpawnSpec spec;
    if (script.path.extension() == ".py")
        spec.argv = {"/usr/bin/python3", script.path.string()};
    else
        spec.argv = {script.path.string()};
    spec.cwd = script.path.parent_path();
    spec.env["PATH"] = (work_dir_ / "bin").string() + ":" + inherited_env("PATH");
    spec.env["HOME"] = inherited_env("HOME");
    spec.env["LANG"] = "C.UTF-8";
    std::string pythonpath = inherited_env("PYTHONPATH");
    spec.env["PYTHONPATH"] =
        (work_dir_ / "python").string() + (pythonpath.empty() ? "" : ":" + pythonpath);
    spec.env["PYTHONUNBUFFERED"] = "1";
    std::string region = inherited_env("AWS_DEFAULT_REGION");
    spec.env["AWS_DEFAULT_REGION"] = region.empty() ? "us-east-1" : region;
    spec.env["AWS_REGION"] = spec.env["AWS_DEFAULT_REGION"];
    spec.env["AWS_ACCESS_KEY_ID"] = "test";
    spec.env["AWS_SECRET_ACCESS_KEY"] = "test";
    spec.env["AWS_PAGER"] = "";
    if (!endpoint.empty()) spec.env["AWS_ENDPOINT_URL"] = "http://" + endpoint;

    std::string state = "ERROR";
    try {
        ChildProcess child = ChildProcess::spawn(spec);
        auto deadline = std::chrono::steady_clock::now() + timeout_;
        std::string pending;
        std::optional<int> status;
        while (!status) {
            if (cancelled_ || std::chrono::steady_clock::now() >= deadline) {
                spdlog::warn("init {}: {}; killed", who,
                             cancelled_ ? "fogbank is stopping" : "timed out");
                status = child.kill_and_wait();
                break;
            }
            if (child.output_fd() >= 0) {
                pollfd p{child.output_fd(), POLLIN, 0};
                ::poll(&p, 1, 100);
                child.read_output(pending);
                log_hook_lines(pending, who, false);
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            status = child.poll_exit();
        }
        if (child.output_fd() >= 0) child.read_output(pending);
        log_hook_lines(pending, who, true);
        bool ok = WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
        if (ok)
            state = "SUCCESSFUL";
        else
            spdlog::warn("init {}: failed ({})", who, describe_exit(*status));
    } catch (const std::exception& e) {
        spdlog::warn("init {}: cannot run: {}", who, e.what());
    }
    std::lock_guard lock(mu_);
    scripts_[index].state = state;
}

nlohmann::json InitHooks::scripts_json(const Stage* only) const {
    nlohmann::json scripts = nlohmann::json::array();
    for (auto& s : scripts_)
        if (!only || s.stage == *only)
            scripts.push_back(
                {{"stage", stage_name(s.stage)}, {"name", s.name}, {"state", s.state}});
    return scripts;
}

nlohmann::json InitHooks::describe(Stage stage) const {
    std::lock_guard lock(mu_);
    return {{"completed", completed_[static_cast<size_t>(stage)]},
            {"scripts", scripts_json(&stage)}};
}

nlohmann::json InitHooks::describe() const {
    std::lock_guard lock(mu_);
    nlohmann::json completed = nlohmann::json::object();
    for (size_t i = 0; i < kStages; ++i)
        completed[stage_name(static_cast<Stage>(i))] = completed_[i];
    return {{"completed", completed}, {"scripts", scripts_json(nullptr)}};
}

}  // namespace fogbank
