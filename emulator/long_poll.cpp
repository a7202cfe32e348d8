#include "emulator/long_poll.hpp"

#include <algorithm>

namespace fogbank {

void WaitList::add(std::shared_ptr<Waker> w) {
    while (!waiting_.empty() && waiting_.front().expired())
        waiting_.pop_front();
    bool listed = std::any_of(waiting_.begin(), waiting_.end(),
                              [&](const std::weak_ptr<Waker>& x) { return x.lock() == w; });
    if (!listed) waiting_.push_back(std::move(w));
}

void WaitList::wake(size_t n) {
    while (n > 0 && !waiting_.empty()) {
        auto w = waiting_.front().lock();
        waiting_.pop_front();
        if (w && w->wake()) --n;
    }
}

}  // namespace fogbank
