// A pool of worker processes that each answer one framed request at a time (emulator/frame.hpp)
// on their descriptor 3: how fogbank runs work it does not trust to its own process (Rekognition's
// models). Workers start on demand, up to `max_workers`; one idle for `idle_timeout` is stopped.
//
// A worker that exits, is killed, answers what is not a frame, runs past `request_timeout`, or
// whose peak resident memory passes `memory_limit_mib` is killed and forgotten; the request it
// held fails with a WorkerFailure that says which, and the next request starts a new worker.
// Whatever a worker writes to stdout or stderr is logged, a line at a time.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "emulator/frame.hpp"

namespace fogbank {

struct WorkerPoolOptions {
    std::string name;               // in logs: "vision worker 1234: ..."
    std::vector<std::string> argv;  // the worker, which serves frames on descriptor 3
    std::map<std::string, std::string> env;
    unsigned max_workers = 1;
    // How long a worker may take over one request, and how long a request may wait for a
    // worker to come free (a worker is never stopped for time a request spent queueing).
    std::chrono::milliseconds request_timeout{60000};
    std::chrono::milliseconds queue_timeout{60000};
    std::chrono::milliseconds idle_timeout{60000};
    size_t memory_limit_mib = 0;  // 0: none
    size_t max_reply_meta = 16 << 20, max_reply_payload = 16 << 20;
    // Called (without the pool's lock) when a worker is gone, for whatever reason.
    std::function<void(pid_t)> on_worker_gone;
};

class WorkerFailure : public std::runtime_error {
  public:
    enum class Kind {
        kUnavailable,  // no worker could be started, or none came free in time
        kCrashed,      // exited or was killed while it held the request
        kTimedOut,
        kOverMemory,
        kProtocol,  // answered something that is not a frame within the limits
    };
    WorkerFailure(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
    Kind kind() const { return kind_; }

  private:
    Kind kind_;
};

class WorkerPool {
  public:
    explicit WorkerPool(WorkerPoolOptions options);
    // Stops every worker.
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    struct Reply {
        Frame frame;
        pid_t worker = -1;  // who answered
    };
    // Sends one request to a free worker and waits for its answer. Throws WorkerFailure.
    Reply call(std::string_view meta, std::string_view payload);

    struct WorkerInfo {
        pid_t pid;
        bool busy;
        uint64_t requests;  // answered
        long peak_rss_mib;
    };
    std::vector<WorkerInfo> workers() const;
    const WorkerPoolOptions& options() const { return options_; }

  private:
    struct Worker;
    Worker& acquire(std::unique_lock<std::mutex>& lock,
                    std::chrono::steady_clock::time_point deadline);
    Frame exchange(Worker& w, std::string_view meta, std::string_view payload,
                   std::chrono::steady_clock::time_point deadline);
    // Logs the complete lines a worker has written.
    void drain_output(Worker& w);
    void reap_loop();
    // Forgets a worker the caller held (killing and reaping it if it still runs).
    void drop(Worker& w);

    WorkerPoolOptions options_;
    mutable std::mutex mu_;
    std::condition_variable freed_;  // a worker came free or a slot opened
    std::condition_variable stop_cv_;
    std::list<std::unique_ptr<Worker>> workers_;
    unsigned starting_ = 0;  // slots taken by workers being spawned
    bool stopping_ = false;
    std::thread reaper_;
};

}  // namespace fogbank
