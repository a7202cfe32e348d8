#include "services/s3/lifecycle.hpp"

#include <pugixml.hpp>

#include <optional>
#include <vector>

#include "emulator/clock.hpp"
#include "emulator/encoding.hpp"
#include "emulator/protocol/rest_xml.hpp"

namespace fogbank::s3 {

namespace {

constexpr int64_t kDayMs = 86400000;
constexpr size_t kSweepBatch = 1000;

struct LifecycleRule {
    std::string prefix;
    std::vector<std::pair<std::string, std::string>> tags;
    std::optional<uint64_t> larger_than, smaller_than;
    std::optional<int64_t> expire_days, expire_date_ms, abort_days;
};

std::optional<int64_t> number(pugi::xml_node n) {
    if (!n) return std::nullopt;
    try {
        return std::stoll(n.text().get());
    } catch (...) {
        return std::nullopt;
    }
}

// The filter's conditions, from Filter (or its And) or the legacy rule-level Prefix.
void read_filter(pugi::xml_node rule, LifecycleRule& r) {
    auto filter = rule.child("Filter");
    if (!filter) {
        r.prefix = rest_xml::child_text(rule, "Prefix");
        return;
    }
    auto scope = filter.child("And") ? filter.child("And") : filter;
    r.prefix = rest_xml::child_text(scope, "Prefix");
    for (auto tag : scope.children("Tag"))
        r.tags.emplace_back(rest_xml::child_text(tag, "Key"), rest_xml::child_text(tag, "Value"));
    if (auto n = number(scope.child("ObjectSizeGreaterThan"))) r.larger_than = *n;
    if (auto n = number(scope.child("ObjectSizeLessThan"))) r.smaller_than = *n;
}

std::vector<LifecycleRule> enabled_rules(const std::string& document) {
    std::vector<LifecycleRule> rules;
    pugi::xml_document doc;
    if (!doc.load_string(document.c_str())) return rules;
    for (auto rule : doc.document_element().children("Rule")) {
        if (rest_xml::child_text(rule, "Status") != "Enabled") continue;
        LifecycleRule r;
        read_filter(rule, r);
        auto expiration = rule.child("Expiration");
        r.expire_days = number(expiration.child("Days"));
        if (auto date = expiration.child("Date"))
            if (auto t = parse_iso8601(date.text().get()))
                r.expire_date_ms = t->time_since_epoch().count();
        r.abort_days =
            number(rule.child("AbortIncompleteMultipartUpload").child("DaysAfterInitiation"));
        rules.push_back(std::move(r));
    }
    return rules;
}

bool in_scope(const LifecycleRule& r, const ObjectRecord& o) {
    if (r.larger_than && !(o.size > *r.larger_than)) return false;
    if (r.smaller_than && !(o.size < *r.smaller_than)) return false;
    for (auto& [k, v] : r.tags)
        if (!o.tags.contains(k) || o.tags[k] != v) return false;
    return true;
}

}  // namespace

Lifecycle::Lifecycle(Store& store, Notifications& notifications)
    : store_(store), notifications_(notifications) {
    // Rules kept from an earlier run (--data-dir) apply from the start.
    if (!store_.bucket_configs("lifecycle").empty()) wake();
}

void Lifecycle::wake() {
    std::lock_guard lock(mu_);
    if (running_) return;
    running_ = true;
    background_.after(std::chrono::seconds(1), [this] { sweep(); });
}

void Lifecycle::reset() {
    std::lock_guard lock(mu_);
    swept_.clear();
}

void Lifecycle::sweep() {
    auto configs = store_.bucket_configs("lifecycle");
    for (auto& [bucket, document] : configs) {
        try {
            sweep_bucket(bucket, document);
        } catch (const std::exception& e) {
            // A failed sweep (disk full) leaves the objects for the next one.
            spdlog::warn("s3 lifecycle: sweeping {} failed: {}", bucket, e.what());
        }
    }
    std::lock_guard lock(mu_);
    running_ = !configs.empty();
    if (running_) background_.after(std::chrono::seconds(1), [this] { sweep(); });
}

void Lifecycle::sweep_bucket(const std::string& bucket, const std::string& document) {
    const int64_t now = now_epoch_ms();
    const int64_t today = now - now % kDayMs;
    auto rules = enabled_rules(document);
    bool dated = false;
    for (auto& r : rules)
        dated |= r.expire_date_ms && *r.expire_date_ms <= now;
    std::string state = std::to_string(today) + "\n" + document;
    {
        std::lock_guard lock(mu_);
        // Objects written since can only fall under a Date that has passed.
        if (!dated && swept_[bucket] == state) return;
    }
    auto record = store_.bucket(bucket);
    if (!record) return;
    for (auto& r : rules) {
        // An object written at t expires at the first midnight at or after t + Days: by now if
        // t + Days is no later than today's midnight.
        std::optional<int64_t> cutoff;
        if (r.expire_days) cutoff = today - *r.expire_days * kDayMs;
        if (r.expire_date_ms && *r.expire_date_ms <= now) cutoff = now;
        if (cutoff) {
            std::string after;
            for (;;) {
                auto batch =
                    store_.objects_written_by(bucket, r.prefix, after, *cutoff, kSweepBatch);
                for (auto& o : batch) {
                    if (!in_scope(r, o)) continue;
                    if (!store_.delete_object(bucket, o.key, o.last_modified_ms)) continue;
                    if (!notifications_.configured(bucket)) continue;
                    ObjectEvent e;
                    e.bucket = bucket;
                    e.key = o.key;
                    e.region = record->region;
                    e.account = record->account;
                    e.name = "LifecycleExpiration:Delete";
                    e.request_id = "lifecycle";
                    notifications_.publish(e);
                }
                if (batch.size() < kSweepBatch) break;
                after = batch.back().key;
            }
        }
        if (r.abort_days) {
            const int64_t started_by = today - *r.abort_days * kDayMs;
            for (auto& u : store_.uploads(bucket))
                if (u.key.compare(0, r.prefix.size(), r.prefix) == 0 &&
                    u.initiated_ms <= started_by)
                    store_.delete_upload(u.upload_id);
        }
    }
    std::lock_guard lock(mu_);
    swept_[bucket] = state;
}

}  // namespace fogbank::s3
