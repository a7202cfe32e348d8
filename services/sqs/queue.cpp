#include "services/sqs/queue.hpp"

namespace fogbank::sqs {

namespace {
constexpr Millis kDedupWindow = 5 * 60 * 1000;
}

std::string Queue::arn() const {
    return "arn:aws:sqs:" + region + ":" + account + ":" + name;
}

int Queue::attribute_int(std::string_view attr) const {
    auto it = attributes.find(attr);
    return it == attributes.end() ? 0 : std::stoi(it->second);
}

bool Queue::content_based_dedup() const {
    auto it = attributes.find("ContentBasedDeduplication");
    return it != attributes.end() && it->second == "true";
}

Message* Queue::find(uint64_t seq) {
    auto it = messages_.find(seq);
    return it == messages_.end() ? nullptr : &it->second;
}

void Queue::index(const Message& m) {
    by_visible_.emplace(m.visible_at, m.seq);
    if (fifo) {
        auto& g = groups_[m.group_id];
        if (!g.empty() && *g.begin() > m.seq) heads_.erase({*g.begin(), m.group_id});
        g.insert(m.seq);
        heads_.emplace(*g.begin(), m.group_id);
    }
}

void Queue::unindex(const Message& m) {
    by_visible_.erase({m.visible_at, m.seq});
    if (fifo) {
        auto git = groups_.find(m.group_id);
        if (git == groups_.end()) return;
        auto& g = git->second;
        heads_.erase({*g.begin(), m.group_id});
        g.erase(m.seq);
        if (g.empty())
            groups_.erase(git);
        else
            heads_.emplace(*g.begin(), m.group_id);
    }
}

Message& Queue::enqueue(Message m) {
    m.seq = next_seq++;
    auto [it, _] = messages_.emplace(m.seq, std::move(m));
    index(it->second);
    journal_.put_message(*this, it->second);
    waiting.wake(1);
    return it->second;
}

void Queue::restore(Message m) {
    if (m.seq >= next_seq) next_seq = m.seq + 1;
    if (fifo && !m.dedup_id.empty()) {
        std::string key = attributes.count("DeduplicationScope") &&
                                  attributes.at("DeduplicationScope") == "messageGroup"
                              ? m.group_id + "\n" + m.dedup_id
                              : m.dedup_id;
        remember_dedup(key, m, m.sent);
    }
    auto [it, _] = messages_.emplace(m.seq, std::move(m));
    index(it->second);
}

void Queue::erase(uint64_t seq) {
    auto it = messages_.find(seq);
    if (it == messages_.end()) return;
    unindex(it->second);
    messages_.erase(it);
    journal_.drop_message(*this, seq);
}

void Queue::set_visible_at(Message& m, Millis at) {
    by_visible_.erase({m.visible_at, m.seq});
    m.visible_at = at;
    by_visible_.emplace(m.visible_at, m.seq);
    journal_.touch_message(*this, m);
}

void Queue::purge() {
    while (!messages_.empty())
        erase(messages_.begin()->first);
}

Counts Queue::counts(Millis now) const {
    Counts c;
    for (auto it = by_visible_.begin(); it != by_visible_.end(); ++it) {
        if (it->first <= now) {
            ++c.visible;
            continue;
        }
        if (messages_.at(it->second).receive_count > 0)
            ++c.in_flight;
        else
            ++c.delayed;
    }
    return c;
}

std::optional<Millis> Queue::next_change(Millis now) const {
    auto it = by_visible_.upper_bound({now, UINT64_MAX});
    if (it == by_visible_.end()) return std::nullopt;
    return it->first;
}

void Queue::expire(Millis now) {
    Millis retention = static_cast<Millis>(attribute_int("MessageRetentionPeriod")) * 1000;
    // Arrival order is retention order, except for messages moved in from another queue, which
    // are caught when they come up for delivery.
    while (!messages_.empty()) {
        auto& m = messages_.begin()->second;
        if (m.retain_from + retention > now) break;
        erase(m.seq);
    }
}

std::optional<Queue::Deduplicated> Queue::deduplicated(const std::string& key, Millis now) {
    while (!dedup_order_.empty() && dedup_order_.front().first <= now) {
        auto it = dedup_.find(dedup_order_.front().second);
        if (it != dedup_.end() && it->second.expires <= now) dedup_.erase(it);
        dedup_order_.pop_front();
    }
    auto it = dedup_.find(key);
    if (it == dedup_.end()) return std::nullopt;
    return it->second.sent;
}

void Queue::remember_dedup(const std::string& key, const Message& m, Millis now) {
    dedup_[key] = DedupEntry{now + kDedupWindow, {m.id, m.seq}};
    dedup_order_.emplace_back(now + kDedupWindow, key);
}

}  // namespace fogbank::sqs
