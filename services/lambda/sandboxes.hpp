// Functions run as child processes ("sandboxes"), one invocation at a time each, speaking the
// Lambda Runtime API that fogbank serves under /_lambda/<sandbox>/2018-06-01/runtime/. A
// sandbox that finishes an invocation asks for the next one and is reused while warm.
//
// Nothing here blocks an I/O thread: the Runtime API's /next and a synchronous Invoke are long
// polls woken when there is something to answer. One supervisor thread reads the sandboxes'
// stdout/stderr, reaps exited processes, kills invocations that run past their Timeout and
// sandboxes idle for too long, and runs completion callbacks (async retries, destinations,
// event source bookkeeping) outside the lock.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "emulator/config.hpp"
#include "emulator/http_message.hpp"
#include "emulator/long_poll.hpp"
#include "emulator/process.hpp"

namespace fogbank::lambda {

// What a sandbox runs: a snapshot of the function's configuration when it was invoked.
struct FunctionSpec {
    std::string key;   // account/region/name: what retire() names
    std::string pool;  // key:version: sandboxes run one version's code
    std::string account, region, name, arn, runtime, handler, version = "$LATEST";
    std::filesystem::path task_dir;
    std::map<std::string, std::string> environment;  // the function's own variables
    int timeout_seconds = 3;
    int memory_mb = 128;
    int concurrency = 0;  // reserved concurrency; 0: the configured per-function cap
};

struct InvocationResult {
    std::string payload;
    std::string function_error;  // "", "Unhandled" (AWS no longer sends "Handled")
    std::string error_type;      // the handler's errorType, for destinations and logs
    std::string log;             // START ... REPORT, what LogType=Tail returns the end of
};

struct Invocation : std::enable_shared_from_this<Invocation> {
    std::string id;
    std::shared_ptr<const FunctionSpec> spec;
    std::string payload;
    std::string client_context;  // JSON text or empty
    bool done = false;
    InvocationResult result;
    // Set by the Sandboxes' lock holder only.
    std::string output;  // what the process printed while running this invocation
    std::chrono::steady_clock::time_point started;
    std::chrono::steady_clock::time_point deadline;
    double init_ms = 0;  // the cold start this invocation waited for, if any
    WaitList waiters;
    // Runs on the supervisor thread once the invocation is done, without the lock held.
    std::function<void(const Invocation&)> on_done;
};

class Sandboxes {
  public:
    // bootstraps_dir holds the Python and Node bootstraps (written by the caller).
    Sandboxes(const Config& cfg, std::filesystem::path bootstraps_dir);
    ~Sandboxes();
    Sandboxes(const Sandboxes&) = delete;
    Sandboxes& operator=(const Sandboxes&) = delete;

    // host:port that children reach fogbank at; known once the server listens.
    void set_endpoint(std::string host_port);
    const std::string& endpoint() const { return endpoint_; }

    std::shared_ptr<Invocation> invoke(std::shared_ptr<const FunctionSpec> spec,
                                       std::string payload, std::string client_context = {},
                                       std::function<void(const Invocation&)> on_done = {},
                                       std::string request_id = {});
    // The result if done; otherwise registers `waker` to be woken when it is.
    std::optional<InvocationResult> poll(const std::shared_ptr<Invocation>& inv,
                                         const std::shared_ptr<Waker>& waker);
    // The function's code or configuration changed, or it was deleted: idle sandboxes (of
    // every version) are stopped now, busy ones after their invocation.
    void retire(const std::string& key);
    void stop_all();
    // Stops the supervisor and every sandbox; no callback runs afterwards. Idempotent.
    void shutdown();
    nlohmann::json status() const;
    // The newest invocations of one function (account/region/name), newest first: request id,
    // start, duration, how it ended and the end of its log, for the console. Every invocation
    // counts: synchronous, asynchronous and from event sources.
    nlohmann::json recent(const std::string& key, size_t limit) const;

    // The Runtime API (runtime_api.cpp), for the sandbox named in the path.
    Response runtime_api(Request& req);

  private:
    struct Sandbox {
        std::string id;
        std::shared_ptr<const FunctionSpec> spec;
        ChildProcess proc;
        bool dying = false;     // killed; reaped by the supervisor
        bool retiring = false;  // killed once its invocation is answered
        bool waiting = false;   // parked on /next
        bool initialized = false;
        std::shared_ptr<Invocation> current;
        std::string pending_output;  // printed outside an invocation (init)
        std::string line_buffer;     // a partial line not yet logged
        std::chrono::steady_clock::time_point spawned, idle_since;
    };
    struct Pool {
        std::deque<std::shared_ptr<Invocation>> queue;
        WaitList idle;
    };
    struct Finished {
        std::string key, id, version, function_error, error_type, log;
        int64_t started_ms = 0;  // wall clock
        double duration_ms = 0, init_ms = 0;
    };
    static constexpr size_t kRecent = 200;      // invocations kept, of all functions
    static constexpr size_t kRecentLog = 4096;  // bytes of each log kept (its end)

    // Under mu_.
    void dispatch(const std::string& key);
    void spawn(const std::shared_ptr<const FunctionSpec>& spec);
    void complete(Invocation& inv, std::string payload, std::string function_error,
                  std::string error_type);
    void kill_sandbox(Sandbox& sb);
    void read_output(Sandbox& sb);
    void fail_front(const std::string& key, const std::string& payload,
                    const std::string& error_type);
    std::shared_ptr<Sandbox> find(const std::string& id);
    std::optional<Response> next(const std::shared_ptr<Sandbox>& sb,
                                 const std::shared_ptr<Waker>& waker, bool last);

    void supervise();
    void wake_supervisor();

    const Config& cfg_;
    std::filesystem::path bootstraps_;
    std::string endpoint_;
    mutable std::mutex mu_;
    std::map<std::string, std::shared_ptr<Sandbox>> sandboxes_;
    std::map<std::string, Pool> pools_;
    std::vector<std::shared_ptr<Invocation>> finished_;  // callbacks still to run
    std::deque<Finished> recent_;
    int wake_pipe_[2] = {-1, -1};
    bool stopping_ = false;
    std::thread supervisor_;
};

}  // namespace fogbank::lambda
