// Requests that wait for something to happen (an SQS receive with WaitTimeSeconds) without a
// thread waiting with them. A handler that has nothing to answer yet returns a Response that
// carries a LongPoll; the server parks the request on a timer on its connection's event loop and
// calls attempt() again when a Waker fires, when the service says something may have changed
// by itself (a delay running out), or at the deadline.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

namespace fogbank {

struct Response;

// Implemented by the server. wake() may be called from any thread, with service locks held: it
// only posts to the waiting request's event loop.
class Waker {
  public:
    virtual ~Waker() = default;
    // Returns false if the request no longer waits (already woken, answered or gone), so that
    // the caller can wake another one instead.
    virtual bool wake() = 0;
};

// The requests waiting on one thing (a queue). Not thread-safe: guarded by its owner's lock, the
// same lock under which the owner decides that there is nothing to answer, so a wake-up can
// never fall between "nothing there" and "waiting".
class WaitList {
  public:
    void add(std::shared_ptr<Waker> w);
    // Wakes up to n waiting requests; one per new message avoids a thundering herd.
    void wake(size_t n = 1);
    void wake_all() { wake(waiting_.size()); }
    size_t size() const { return waiting_.size(); }

  private:
    std::deque<std::weak_ptr<Waker>> waiting_;
};

using SteadyTime = std::chrono::steady_clock::time_point;

struct LongPoll {
    SteadyTime deadline;
    // Tries to answer. With `last` set it must answer (an empty result). Otherwise it returns
    // nullopt after adding `waker` to the right WaitList, and may lower `recheck` to the moment
    // something changes by itself.
    std::function<std::optional<Response>(const std::shared_ptr<Waker>& waker, bool last,
                                          SteadyTime& recheck)>
        attempt;
};

}  // namespace fogbank
