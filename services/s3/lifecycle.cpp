#include "services/s3/lifecycle.hpp"

#include <pugixml.hpp>

#include <optional>
#include <vector>

#include "emulator/clock.hpp"
#include "emulator/encoding.hpp"
#include "emulator/protocol/rest_xml.hpp"

namespace fogbank::s3 {

struct LifecycleRule {
    std::string prefix;
    std::vector<std::pair<std::string, std::string>> tags;
    std::optional<uint64_t> larger_than, smaller_than;
    std::optional<int64_t> expire_days, expire_date_ms, abort_days;
    // Versioned buckets: noncurrent versions go NoncurrentDays after they were superseded,
    // keeping the NewerNoncurrentVersions newest; a delete marker left alone goes too.
    std::optional<int64_t> noncurrent_days, keep_noncurrent;
    bool expired_markers = false;
};

namespace {

constexpr int64_t kDayMs = 86400000;
constexpr size_t kSweepBatch = 1000;

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
        auto noncurrent = rule.child("NoncurrentVersionExpiration");
        r.noncurrent_days = number(noncurrent.child("NoncurrentDays"));
        r.keep_noncurrent = number(noncurrent.child("NewerNoncurrentVersions"));
        r.expired_markers = rest_xml::child_text(expiration, "ExpiredObjectDeleteMarker") == "true";
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

void Lifecycle::announce(const BucketRecord& b, const std::string& key,
                         const std::string& version_id, const char* name) {
    if (!notifications_.configured(b.name)) return;
    ObjectEvent e;
    e.bucket = b.name;
    e.key = key;
    e.version_id = version_id;
    e.region = b.region;
    e.account = b.account;
    e.name = name;
    e.request_id = "lifecycle";
    notifications_.publish(e);
}

void Lifecycle::sweep_versions(const BucketRecord& b, const LifecycleRule& r, int64_t now) {
    // Noncurrent versions (and current delete markers) newest first per key: the rank among a
    // key's noncurrent versions decides NewerNoncurrentVersions, so a key's group is judged
    // whole, even across batches.
    const int64_t today = now - now % kDayMs;
    std::optional<int64_t> superseded_by;
    if (r.noncurrent_days) superseded_by = today - *r.noncurrent_days * kDayMs;
    std::vector<ObjectRecord> group;
    auto judge = [&] {
        if (group.empty()) return;
        int64_t rank = 0;
        for (auto& v : group) {
            if (v.is_latest()) {
                // A delete marker with no version under it: ExpiredObjectDeleteMarker.
                if (r.expired_markers && group.size() == 1 && v.delete_marker &&
                    store_.delete_version(b.name, v.key, v.version_id).removed)
                    announce(b, v.key, wire_version_id(v.version_id), "LifecycleExpiration:Delete");
                continue;
            }
            ++rank;
            if (!superseded_by || v.noncurrent_since > *superseded_by) continue;
            if (r.keep_noncurrent && rank <= *r.keep_noncurrent) continue;
            if (!v.delete_marker && !in_scope(r, v)) continue;
            if (store_.delete_version(b.name, v.key, v.version_id).removed)
                announce(b, v.key, wire_version_id(v.version_id), "LifecycleExpiration:Delete");
        }
        group.clear();
    };
    std::optional<std::string> after_key;
    int64_t after_seq = -1;
    for (;;) {
        auto batch = store_.list_versions(b.name, r.prefix, after_key, after_seq, kSweepBatch,
                                          /*noncurrent_only=*/true);
        for (auto& v : batch) {
            if (!group.empty() && group.front().key != v.key) judge();
            group.push_back(std::move(v));
        }
        if (batch.size() < kSweepBatch) break;
        after_key = group.back().key;
        after_seq = group.back().seq;
    }
    judge();
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
                    // In a versioned bucket the object stays, noncurrent, under a marker.
                    auto gone = store_.delete_object(bucket, o.key, o.last_modified_ms);
                    if (gone.removed)
                        announce(*record, o.key, gone.version_id,
                                 gone.delete_marker ? "LifecycleExpiration:DeleteMarkerCreated"
                                                    : "LifecycleExpiration:Delete");
                }
                if (batch.size() < kSweepBatch) break;
                after = batch.back().key;
            }
        }
        if (r.noncurrent_days || r.expired_markers) sweep_versions(*record, r, now);
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
