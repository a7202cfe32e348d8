// Work to run later on one thread of its own: async invocation retries after their back-off,
// and event source pollers. Jobs run in time order, never on an I/O thread, and never with a
// service lock held by the scheduler.
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

namespace fogbank::lambda {

class Delayed {
  public:
    using Clock = std::chrono::steady_clock;
    Delayed() : thread_([this] { run(); }) {}
    ~Delayed() {
        {
            std::lock_guard lock(mu_);
            stopping_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    Delayed(const Delayed&) = delete;
    Delayed& operator=(const Delayed&) = delete;

    void at(Clock::time_point when, std::function<void()> job) {
        {
            std::lock_guard lock(mu_);
            jobs_.emplace(when, std::move(job));
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
                spdlog::error("lambda: scheduled work failed: {}", e.what());
            }
            lock.lock();
        }
    }

    std::mutex mu_;
    std::condition_variable cv_;
    std::multimap<Clock::time_point, std::function<void()>> jobs_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace fogbank::lambda
