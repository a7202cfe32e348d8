#include "services/lambda/sandboxes.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <thread>

#include "emulator/authenticator.hpp"
#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"

namespace fogbank::lambda {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

// What `LogType: Tail` returns at most: the last 4 KB of the invocation's log.
constexpr size_t kMaxLogKeep = 64 * 1024;

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::string error_json(const std::string& type, const std::string& message) {
    return json{{"errorType", type}, {"errorMessage", message}}.dump();
}

}  // namespace

Sandboxes::Sandboxes(const Config& cfg, std::filesystem::path bootstraps_dir)
    : cfg_(cfg), bootstraps_(std::move(bootstraps_dir)) {
    if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0)
        throw std::runtime_error("lambda: cannot create a pipe");
    supervisor_ = std::thread([this] { supervise(); });
}

Sandboxes::~Sandboxes() {
    shutdown();
    ::close(wake_pipe_[0]);
    ::close(wake_pipe_[1]);
}

void Sandboxes::shutdown() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    wake_supervisor();
    if (supervisor_.joinable()) supervisor_.join();
    stop_all();
    std::lock_guard lock(mu_);
    finished_.clear();
}

void Sandboxes::set_endpoint(std::string host_port) {
    std::lock_guard lock(mu_);
    endpoint_ = std::move(host_port);
}

void Sandboxes::wake_supervisor() {
    char c = 1;
    [[maybe_unused]] auto n = ::write(wake_pipe_[1], &c, 1);
}

std::shared_ptr<Invocation> Sandboxes::invoke(std::shared_ptr<const FunctionSpec> spec,
                                              std::string payload, std::string client_context,
                                              std::function<void(const Invocation&)> on_done,
                                              std::string request_id) {
    auto inv = std::make_shared<Invocation>();
    inv->id = request_id.empty() ? random_uuid() : std::move(request_id);
    inv->spec = std::move(spec);
    inv->payload = payload.empty() ? "{}" : std::move(payload);
    inv->client_context = std::move(client_context);
    inv->on_done = std::move(on_done);
    inv->started = Clock::now();
    std::lock_guard lock(mu_);
    pools_[inv->spec->pool].queue.push_back(inv);
    dispatch(inv->spec->pool);
    return inv;
}

std::optional<InvocationResult> Sandboxes::poll(const std::shared_ptr<Invocation>& inv,
                                                const std::shared_ptr<Waker>& waker) {
    std::lock_guard lock(mu_);
    if (inv->done) return inv->result;
    if (waker) inv->waiters.add(waker);
    return std::nullopt;
}

// Hands queued invocations to parked sandboxes and starts new ones while there is more work
// than sandboxes to take it, up to the function's concurrency.
void Sandboxes::dispatch(const std::string& key) {
    auto& pool = pools_[key];
    if (pool.queue.empty()) return;
    int free = 0, alive = 0;
    for (auto& [id, sb] : sandboxes_) {
        if (sb->spec->pool != key || sb->dying) continue;
        ++alive;
        if (!sb->current) ++free;  // parked on /next or still starting
    }
    pool.idle.wake(pool.queue.size());
    // A copy: a spawn that fails takes the front invocation out of the queue.
    std::shared_ptr<const FunctionSpec> spec = pool.queue.front()->spec;
    int cap = spec->concurrency > 0
                  ? spec->concurrency
                  : static_cast<int>(cfg_.lambda_concurrency
                                         ? cfg_.lambda_concurrency
                                         : std::max(2u, 2 * std::thread::hardware_concurrency()));
    int wanted = static_cast<int>(pool.queue.size()) - free;
    for (int i = 0; i < wanted && alive < cap && !pool.queue.empty(); ++i, ++alive)
        spawn(spec);
}

void Sandboxes::spawn(const std::shared_ptr<const FunctionSpec>& spec) {
    auto sb = std::make_shared<Sandbox>();
    sb->id = random_hex(8);
    sb->spec = spec;
    sb->spawned = Clock::now();

    std::vector<std::string> argv;
    const std::string& rt = spec->runtime;
    if (rt.rfind("python", 0) == 0) {
        argv = {cfg_.lambda_python, (bootstraps_ / "python_bootstrap.py").string()};
    } else if (rt.rfind("nodejs", 0) == 0) {
        argv = {cfg_.lambda_node, (bootstraps_ / "node_bootstrap.mjs").string()};
    } else if (rt.rfind("provided", 0) == 0) {
        argv = {(spec->task_dir / "bootstrap").string()};
    } else {
        fail_front(spec->pool,
                   error_json("Runtime.InvalidRuntime",
                              "RequestId: {id} Error: fogbank runs python3.x, nodejs* and "
                              "provided.* functions, not " +
                                  rt),
                   "Runtime.InvalidRuntime");
        return;
    }

    // The variables Lambda sets (reserved names win over the function's own), then SDK
    // settings that send the function's AWS calls back to fogbank.
    std::map<std::string, std::string> env = spec->environment;
    auto set = [&](const std::string& k, const std::string& v) { env[k] = v; };
    env.emplace("PATH", inherited_env("PATH"));
    env.emplace("LANG", "en_US.UTF-8");
    env.emplace("HOME", "/tmp");
    set("TZ", ":UTC");
    set("LAMBDA_TASK_ROOT", spec->task_dir.string());
    set("LAMBDA_RUNTIME_DIR", bootstraps_.string());
    set("_HANDLER", spec->handler);
    set("AWS_EXECUTION_ENV", "AWS_Lambda_" + spec->runtime);
    set("AWS_LAMBDA_RUNTIME_API", endpoint_ + "/_lambda/" + sb->id);
    set("AWS_LAMBDA_FUNCTION_NAME", spec->name);
    set("AWS_LAMBDA_FUNCTION_VERSION", spec->version);
    set("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", std::to_string(spec->memory_mb));
    set("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + spec->name);
    set("AWS_LAMBDA_LOG_STREAM_NAME", "fogbank/[" + spec->version + "]" + sb->id);
    set("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
    set("AWS_REGION", spec->region);
    set("AWS_DEFAULT_REGION", spec->region);
    set("AWS_ENDPOINT_URL", "http://" + endpoint_);
    set("PYTHONUNBUFFERED", "1");
    set("PYTHONDONTWRITEBYTECODE", "1");
    if (!env.count("AWS_ACCESS_KEY_ID")) {
        auto creds = credentials_for(cfg_, spec->account);
        set("AWS_ACCESS_KEY_ID", creds.access_key);
        set("AWS_SECRET_ACCESS_KEY", creds.secret_key);
        set("AWS_SESSION_TOKEN", "fogbank");
    }

    try {
        sb->proc = ChildProcess::spawn({argv, env, spec->task_dir});
    } catch (const SpawnError& e) {
        std::string message =
            "RequestId: {id} Error: Couldn't start " + argv[0] + ": " + std::strerror(e.error());
        spdlog::warn("lambda {}: {}", spec->name, e.what());
        fail_front(spec->pool, error_json("Runtime.InvalidEntrypoint", message),
                   "Runtime.InvalidEntrypoint");
        return;
    }
    spdlog::debug("lambda {}: sandbox {} started (pid {})", spec->name, sb->id, sb->proc.pid());
    sandboxes_[sb->id] = sb;
    wake_supervisor();  // it polls the new pipe
}

// Fails the oldest waiting invocation of a function whose sandbox could not start or died
// during init: that is the invocation the cold start was for, and AWS answers it with the
// init error.
void Sandboxes::fail_front(const std::string& key, const std::string& payload,
                           const std::string& error_type) {
    auto& q = pools_[key].queue;
    if (q.empty()) return;
    auto inv = q.front();
    q.pop_front();
    std::string text = payload;
    if (auto pos = text.find("{id}"); pos != std::string::npos) text.replace(pos, 4, inv->id);
    complete(*inv, text, "Unhandled", error_type);
}

void Sandboxes::complete(Invocation& inv, std::string payload, std::string function_error,
                         std::string error_type) {
    if (inv.done) return;
    double ms = ms_since(inv.started) - inv.init_ms;
    auto& r = inv.result;
    r.payload = std::move(payload);
    r.function_error = std::move(function_error);
    r.error_type = std::move(error_type);
    // The sandbox running it, if any (a queued invocation can fail before one takes it).
    Sandbox* runner = nullptr;
    for (auto& [id, sb] : sandboxes_)
        if (sb->current.get() == &inv) runner = sb.get();
    long memory = runner ? runner->proc.peak_rss_mb() : 0;
    std::string report = fmt::format(
        "REPORT RequestId: {}\tDuration: {:.2f} ms\tBilled Duration: {} ms\tMemory Size: {} "
        "MB\tMax Memory Used: {} MB\t",
        inv.id, ms, static_cast<long>(std::ceil(ms)), inv.spec->memory_mb, memory);
    if (inv.init_ms > 0) report += fmt::format("Init Duration: {:.2f} ms\t", inv.init_ms);
    r.log = "START RequestId: " + inv.id + " Version: " + inv.spec->version + "\n" + inv.output +
            (inv.output.empty() || inv.output.back() == '\n' ? "" : "\n") +
            "END RequestId: " + inv.id + "\n" + report + "\n";
    inv.output.clear();
    inv.done = true;
    inv.waiters.wake_all();
    Finished f;
    f.key = inv.spec->key;
    f.id = inv.id;
    f.version = inv.spec->version;
    f.function_error = r.function_error;
    f.error_type = r.error_type;
    f.log = r.log.size() > kRecentLog ? r.log.substr(r.log.size() - kRecentLog) : r.log;
    f.duration_ms = ms;
    f.init_ms = inv.init_ms;
    f.started_ms =
        wall_now_ms().time_since_epoch().count() - static_cast<int64_t>(ms_since(inv.started));
    recent_.push_back(std::move(f));
    if (recent_.size() > kRecent) recent_.pop_front();
    if (runner) {
        if (runner->retiring) kill_sandbox(*runner);
        if (!runner->dying) {
            runner->current.reset();
            runner->idle_since = Clock::now();
        }
    }
    if (inv.on_done) {
        finished_.push_back(inv.shared_from_this());
        wake_supervisor();
    }
}

void Sandboxes::kill_sandbox(Sandbox& sb) {
    if (!sb.dying) sb.proc.signal_group(SIGKILL);
    sb.dying = true;
    sb.waiting = false;
}

void Sandboxes::retire(const std::string& key) {
    std::lock_guard lock(mu_);
    for (auto& [id, sb] : sandboxes_) {
        if (sb->spec->key != key) continue;
        if (sb->current)
            sb->retiring = true;  // stopped once its invocation is answered
        else
            kill_sandbox(*sb);
    }
    wake_supervisor();
}

void Sandboxes::stop_all() {
    std::unique_lock lock(mu_);
    for (auto& [id, sb] : sandboxes_) {
        sb->proc.signal_group(SIGKILL);
        sb->dying = true;
    }
    for (auto& [id, sb] : sandboxes_) {
        sb->proc.kill_and_wait();
        if (sb->current)
            complete(*sb->current, error_json("Runtime.ExitError", "Sandbox stopped"), "Unhandled",
                     "Runtime.ExitError");
    }
    sandboxes_.clear();
    for (auto& [key, pool] : pools_)
        for (auto& inv : pool.queue)
            complete(*inv, error_json("Runtime.ExitError", "fogbank is stopping"), "Unhandled",
                     "Runtime.ExitError");
    pools_.clear();
}

std::shared_ptr<Sandboxes::Sandbox> Sandboxes::find(const std::string& id) {
    auto it = sandboxes_.find(id);
    return it == sandboxes_.end() ? nullptr : it->second;
}

// Reads what the process printed so far: into the running invocation's log, or (during init)
// kept for the first invocation. Complete lines also go to fogbank's own log.
void Sandboxes::read_output(Sandbox& sb) {
    std::string chunk;
    if (sb.proc.read_output(chunk) == 0) return;
    std::string& sink = sb.current ? sb.current->output : sb.pending_output;
    sink.append(chunk);
    if (sink.size() > kMaxLogKeep) sink.erase(0, sink.size() - kMaxLogKeep);
    sb.line_buffer.append(chunk);
    size_t nl;
    while ((nl = sb.line_buffer.find('\n')) != std::string::npos) {
        spdlog::info("lambda {}: {}", sb.spec->name, sb.line_buffer.substr(0, nl));
        sb.line_buffer.erase(0, nl + 1);
    }
    if (sb.line_buffer.size() > 8192) {
        spdlog::info("lambda {}: {}", sb.spec->name, sb.line_buffer);
        sb.line_buffer.clear();
    }
}

void Sandboxes::supervise() {
    std::vector<pollfd> fds;
    std::vector<std::string> ids;
    for (;;) {
        fds.assign(1, pollfd{wake_pipe_[0], POLLIN, 0});
        ids.assign(1, "");
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
            for (auto& [id, sb] : sandboxes_)
                if (sb->proc.output_fd() >= 0) {
                    fds.push_back(pollfd{sb->proc.output_fd(), POLLIN, 0});
                    ids.push_back(id);
                }
        }
        // Output fds are closed only by this thread, so the set polled stays valid.
        ::poll(fds.data(), fds.size(), 100);
        if (fds[0].revents) {
            char drain[256];
            while (::read(wake_pipe_[0], drain, sizeof drain) > 0) {
            }
        }
        std::vector<std::shared_ptr<Invocation>> callbacks;
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
            for (size_t i = 1; i < fds.size(); ++i)
                if (fds[i].revents)
                    if (auto sb = find(ids[i])) read_output(*sb);

            auto now = Clock::now();
            std::vector<std::string> gone;
            for (auto& [id, sb] : sandboxes_) {
                // An invocation past its Timeout: the sandbox is killed, the caller answered.
                if (sb->current && !sb->current->done && now >= sb->current->deadline) {
                    auto inv = sb->current;
                    std::string message =
                        fmt::format("RequestId: {} Error: Task timed out after {:.2f} seconds",
                                    inv->id, static_cast<double>(inv->spec->timeout_seconds));
                    inv->output += fmt::format("{} {} Task timed out after {:.2f} seconds\n",
                                               format_iso8601_ms(now_ms()), inv->id,
                                               static_cast<double>(inv->spec->timeout_seconds));
                    complete(*inv, error_json("Sandbox.Timedout", message), "Unhandled",
                             "Sandbox.Timedout");
                    kill_sandbox(*sb);
                }
                if (!sb->current && sb->waiting && !sb->dying &&
                    now - sb->idle_since > std::chrono::seconds(cfg_.lambda_idle_seconds))
                    kill_sandbox(*sb);
                // A runtime that never asks for work: Lambda gives init 10 s, then retries it
                // within the invocation's own Timeout, and the caller sees that time out.
                if (!sb->initialized && !sb->dying &&
                    now - sb->spawned > std::chrono::seconds(10 + sb->spec->timeout_seconds)) {
                    kill_sandbox(*sb);
                    fail_front(
                        sb->spec->pool,
                        error_json("Sandbox.Timedout",
                                   fmt::format("RequestId: {{id}} Error: Task timed out "
                                               "after {:.2f} seconds",
                                               static_cast<double>(sb->spec->timeout_seconds))),
                        "Sandbox.Timedout");
                }

                if (auto status = sb->proc.poll_exit()) {
                    read_output(*sb);
                    std::string how = describe_exit(*status);
                    if (!sb->dying)
                        spdlog::warn("lambda {}: sandbox {} exited ({})", sb->spec->name, id, how);
                    if (sb->current && !sb->current->done) {
                        auto inv = sb->current;
                        complete(*inv,
                                 error_json("Runtime.ExitError",
                                            "RequestId: " + inv->id +
                                                " Error: Runtime exited with error: " + how),
                                 "Unhandled", "Runtime.ExitError");
                    } else if (!sb->initialized && !sb->dying) {
                        // It died before asking for work: the cold start it was for fails.
                        fail_front(sb->spec->pool,
                                   error_json("Runtime.ExitError",
                                              "RequestId: {id} Error: Runtime exited without "
                                              "providing a reason: " +
                                                  how),
                                   "Runtime.ExitError");
                    }
                    gone.push_back(id);
                }
            }
            std::vector<std::string> keys;
            for (auto& id : gone) {
                keys.push_back(sandboxes_[id]->spec->pool);
                sandboxes_.erase(id);
            }
            for (auto& key : keys)
                dispatch(key);
            callbacks.swap(finished_);
        }
        for (auto& inv : callbacks)
            if (inv->on_done) try {
                    inv->on_done(*inv);
                } catch (const std::exception& e) {
                    spdlog::error("lambda {}: after invocation {}: {}", inv->spec->name, inv->id,
                                  e.what());
                }
    }
}

nlohmann::json Sandboxes::status() const {
    std::lock_guard lock(mu_);
    int busy = 0;
    for (auto& [id, sb] : sandboxes_)
        if (sb->current) ++busy;
    return {{"sandboxes", sandboxes_.size()}, {"busy", busy}};
}

nlohmann::json Sandboxes::recent(const std::string& key, size_t limit) const {
    std::lock_guard lock(mu_);
    nlohmann::json out = nlohmann::json::array();
    for (auto it = recent_.rbegin(); it != recent_.rend() && out.size() < limit; ++it) {
        if (it->key != key) continue;
        out.push_back({{"RequestId", it->id},
                       {"Version", it->version},
                       {"Started", it->started_ms},
                       {"DurationMs", it->duration_ms},
                       {"InitDurationMs", it->init_ms},
                       {"Status", it->function_error.empty() ? "Succeeded" : "Failed"},
                       {"FunctionError", it->function_error},
                       {"ErrorType", it->error_type},
                       {"LogTail", it->log}});
    }
    return out;
}

}  // namespace fogbank::lambda
