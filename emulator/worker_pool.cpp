#include "emulator/worker_pool.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "emulator/process.hpp"

namespace fogbank {

using PoolClock = std::chrono::steady_clock;

struct WorkerPool::Worker {
    ChildProcess child;
    pid_t pid = -1;  // child.pid(), readable while another thread owns the child
    int fd = -1;     // fogbank's end of the socket pair
    bool busy = false;
    PoolClock::time_point idle_since = PoolClock::now();
    uint64_t requests = 0;
    std::string partial_line;  // output not yet ended by a newline

    ~Worker() {
        if (fd >= 0) ::close(fd);
    }
};

namespace {

// How often a waiting request looks at its worker's memory, and how often idle workers are
// checked on.
constexpr auto kPollSlice = std::chrono::milliseconds(50);
constexpr size_t kMaxLogLine = 4096;

}  // namespace

WorkerPool::WorkerPool(WorkerPoolOptions options) : options_(std::move(options)) {
    options_.max_workers = std::max(1u, options_.max_workers);
}

WorkerPool::~WorkerPool() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    stop_cv_.notify_all();
    if (reaper_.joinable()) reaper_.join();
    std::lock_guard lock(mu_);
    workers_.clear();  // each ChildProcess kills and reaps its worker
}

WorkerPool::Worker& WorkerPool::acquire(std::unique_lock<std::mutex>& lock,
                                        PoolClock::time_point deadline) {
    for (;;) {
        // One that died while idle is left for the reaper.
        for (auto& w : workers_)
            if (!w->busy && !w->child.poll_exit()) {
                w->busy = true;
                return *w;
            }
        if (workers_.size() + starting_ < options_.max_workers) break;
        if (freed_.wait_until(lock, deadline) == std::cv_status::timeout &&
            PoolClock::now() >= deadline)
            throw WorkerFailure(WorkerFailure::Kind::kUnavailable,
                                "all " + std::to_string(options_.max_workers) + " " +
                                    options_.name + " workers stayed busy");
    }
    ++starting_;
    lock.unlock();
    auto w = std::make_unique<Worker>();
    std::string error;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        error = std::string("cannot create a socket pair: ") + std::strerror(errno);
    } else {
        try {
            SpawnSpec spec{options_.argv, options_.env, {}, sv[1]};
            w->child = ChildProcess::spawn(spec);
            w->pid = w->child.pid();
            w->fd = sv[0];
            ::fcntl(w->fd, F_SETFL, ::fcntl(w->fd, F_GETFL) | O_NONBLOCK);
        } catch (const SpawnError& e) {
            error = e.what();
            ::close(sv[0]);
        }
        ::close(sv[1]);
    }
    lock.lock();
    --starting_;
    if (!error.empty()) {
        freed_.notify_one();  // the slot is open again
        throw WorkerFailure(WorkerFailure::Kind::kUnavailable,
                            "cannot start a " + options_.name + " worker: " + error);
    }
    spdlog::debug("{} worker {} started", options_.name, w->child.pid());
    w->busy = true;
    workers_.push_back(std::move(w));
    if (!reaper_.joinable()) reaper_ = std::thread([this] { reap_loop(); });
    return *workers_.back();
}

void WorkerPool::drain_output(Worker& w) {
    std::string out;
    w.child.read_output(out);
    if (out.empty()) return;
    w.partial_line += out;
    size_t start = 0;
    for (size_t nl; (nl = w.partial_line.find('\n', start)) != std::string::npos; start = nl + 1)
        spdlog::info("{} worker {}: {}", options_.name, w.child.pid(),
                     std::string_view(w.partial_line).substr(start, nl - start));
    w.partial_line.erase(0, start);
    if (w.partial_line.size() > kMaxLogLine) {
        spdlog::info("{} worker {}: {}", options_.name, w.child.pid(), w.partial_line);
        w.partial_line.clear();
    }
}

Frame WorkerPool::exchange(Worker& w, std::string_view meta, std::string_view payload,
                           PoolClock::time_point deadline) {
    const std::string who = options_.name + " worker " + std::to_string(w.child.pid());
    auto gone = [&](const char* when) {
        drain_output(w);
        int status = w.child.kill_and_wait();
        return WorkerFailure(WorkerFailure::Kind::kCrashed,
                             "the " + who + " exited (" + describe_exit(status) + ") " + when);
    };
    auto over_memory = [&](long peak) {
        w.child.kill_and_wait();
        return WorkerFailure(
            WorkerFailure::Kind::kOverMemory,
            "the " + who + " used " + std::to_string(peak) + " MiB, over its limit of " +
                std::to_string(options_.memory_limit_mib) + " MiB, and was stopped");
    };
    auto timed_out = [&] {
        w.child.kill_and_wait();
        return WorkerFailure(WorkerFailure::Kind::kTimedOut,
                             "the " + who + " did not answer within " +
                                 std::to_string(options_.request_timeout.count()) +
                                 " ms and was stopped");
    };
    auto check_memory = [&] {
        if (options_.memory_limit_mib == 0) return;
        long peak = w.child.peak_rss_mb();
        if (peak > static_cast<long>(options_.memory_limit_mib)) throw over_memory(peak);
    };

    if (!send_frame(w.fd, meta, payload, deadline)) {
        if (PoolClock::now() >= deadline) throw timed_out();
        throw gone("before it took the request");
    }
    FrameReader reader(options_.max_reply_meta, options_.max_reply_payload);
    for (;;) {
        if (auto f = reader.take()) {
            // The peak is the kernel's high-water mark, so a spike between two looks still counts.
            check_memory();
            return std::move(*f);
        }
        auto now = PoolClock::now();
        if (now >= deadline) throw timed_out();
        auto wait = std::min<PoolClock::duration>(deadline - now, kPollSlice);
        pollfd fds[2] = {{w.fd, POLLIN, 0}, {w.child.output_fd(), POLLIN, 0}};
        int rc = ::poll(
            fds, 2,
            static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()) +
                1);
        if (rc < 0 && errno != EINTR) throw gone("while its channel failed");
        if (fds[1].revents) drain_output(w);
        if (fds[0].revents) {
            char buf[65536];
            ssize_t n = ::read(w.fd, buf, sizeof buf);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                throw gone("while it held the request");
            if (n > 0 && !reader.feed({buf, static_cast<size_t>(n)})) {
                w.child.kill_and_wait();
                throw WorkerFailure(WorkerFailure::Kind::kProtocol,
                                    "the " + who + " answered an oversized frame and was stopped");
            }
        }
        check_memory();
    }
}

WorkerPool::Reply WorkerPool::call(std::string_view meta, std::string_view payload) {
    std::unique_lock lock(mu_);
    Worker& w = acquire(lock, PoolClock::now() + options_.queue_timeout);
    lock.unlock();
    const auto deadline = PoolClock::now() + options_.request_timeout;
    Reply reply;
    reply.worker = w.pid;
    try {
        reply.frame = exchange(w, meta, payload, deadline);
    } catch (const WorkerFailure& e) {
        spdlog::warn("{}", e.what());
        drop(w);
        throw;
    } catch (...) {
        // An allocation of ours failed mid-exchange: the stream is in an unknown state.
        drop(w);
        throw;
    }
    lock.lock();
    w.busy = false;
    w.idle_since = PoolClock::now();
    ++w.requests;
    lock.unlock();
    freed_.notify_one();
    return reply;
}

void WorkerPool::drop(Worker& w) {
    pid_t pid = w.pid;
    {
        std::lock_guard lock(mu_);
        workers_.remove_if([&](const std::unique_ptr<Worker>& p) { return p.get() == &w; });
    }
    freed_.notify_one();
    if (options_.on_worker_gone) options_.on_worker_gone(pid);
}

void WorkerPool::reap_loop() {
    const auto tick = std::clamp<std::chrono::milliseconds>(
        options_.idle_timeout / 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
    std::unique_lock lock(mu_);
    while (!stopping_) {
        stop_cv_.wait_for(lock, tick);
        if (stopping_) break;
        std::vector<pid_t> gone;
        auto now = PoolClock::now();
        for (auto it = workers_.begin(); it != workers_.end();) {
            Worker& w = **it;
            if (w.busy) {
                ++it;
                continue;
            }
            drain_output(w);
            bool exited = w.child.poll_exit().has_value();
            if (exited || now - w.idle_since >= options_.idle_timeout) {
                spdlog::debug("{} worker {} {}", options_.name, w.child.pid(),
                              exited ? "exited while idle" : "stopped after being idle");
                gone.push_back(w.child.pid());
                it = workers_.erase(it);
                continue;
            }
            ++it;
        }
        if (gone.empty()) continue;
        freed_.notify_all();
        lock.unlock();
        if (options_.on_worker_gone)
            for (pid_t pid : gone)
                options_.on_worker_gone(pid);
        lock.lock();
    }
}

std::vector<WorkerPool::WorkerInfo> WorkerPool::workers() const {
    std::lock_guard lock(mu_);
    std::vector<WorkerInfo> out;
    for (const auto& w : workers_)
        out.push_back({w->pid, w->busy, w->requests, peak_rss_mib_of(w->pid)});
    return out;
}

}  // namespace fogbank
