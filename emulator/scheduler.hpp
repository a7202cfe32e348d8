// Work to run later on one thread of its own: Lambda's async retries after their back-off and
// its event source pollers, DynamoDB's TTL sweep, SQS's message move tasks. Jobs run in time
// order, never on an I/O thread, and never with a service lock held by the scheduler. The
// thread starts with the first job, so a service that never schedules anything costs none.
// `name` prefixes what a failing job logs.
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace fogbank {

class Scheduler {
  public:
    using Clock = std::chrono::steady_clock;
    explicit Scheduler(std::string name) : name_(std::move(name)) {}
    ~Scheduler() {
        {
            std::lock_guard lock(mu_);
            stopping_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) thread_.join();
    }
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    void at(Clock::time_point when, std::function<void()> job) {
        {
            std::lock_guard lock(mu_);
            if (stopping_) return;
            jobs_.emplace(when, std::move(job));
            if (!thread_.joinable()) thread_ = std::thread([this] { run(); });
        }
        cv_.notify_all();
    }
    void after(std::chrono::milliseconds delay, std::function<void()> job) {
        at(Clock::now() + delay, std::move(job));
    }
    void clear() {
        std::lock_guard lock(mu_);
        jobs_.clear();
    }
    // Whether the thread has been started (for tests and health).
    bool started() {
        std::lock_guard lock(mu_);
        return thread_.joinable();
    }

  private:
    void run() {
        std::unique_lock lock(mu_);
        while (!stopping_) {
            if (jobs_.empty()) {
                cv_.wait(lock);
                continue;
            }
            auto first = jobs_.begin();
            if (first->first > Clock::now()) {
                // A copy: clear() may free the node while this waits.
                Clock::time_point when = first->first;
                cv_.wait_until(lock, when);
                continue;
            }
            auto job = std::move(first->second);
            jobs_.erase(first);
            lock.unlock();
            try {
                job();
            } catch (const std::exception& e) {
                // A job's failure is its own; the scheduler goes on with the others.
                spdlog::error("{}: scheduled work failed: {}", name_, e.what());
            }
            lock.lock();
        }
    }

    std::string name_;
    std::mutex mu_;
    std::condition_variable cv_;
    std::multimap<Clock::time_point, std::function<void()>> jobs_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace fogbank
