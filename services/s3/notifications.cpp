#include "services/s3/notifications.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <set>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "emulator/protocol/rest_xml.hpp"
#include "services/s3/handlers.hpp"

namespace fogbank::s3 {

using nlohmann::json;

namespace {

// The event types S3 accepts in a notification configuration.
const std::set<std::string, std::less<>> kEventTypes = {
    "s3:ReducedRedundancyLostObject",
    "s3:ObjectCreated:*",
    "s3:ObjectCreated:Put",
    "s3:ObjectCreated:Post",
    "s3:ObjectCreated:Copy",
    "s3:ObjectCreated:CompleteMultipartUpload",
    "s3:ObjectRemoved:*",
    "s3:ObjectRemoved:Delete",
    "s3:ObjectRemoved:DeleteMarkerCreated",
    "s3:ObjectRestore:*",
    "s3:ObjectRestore:Post",
    "s3:ObjectRestore:Completed",
    "s3:ObjectRestore:Delete",
    "s3:Replication:*",
    "s3:LifecycleExpiration:*",
    "s3:LifecycleExpiration:Delete",
    "s3:LifecycleExpiration:DeleteMarkerCreated",
    "s3:LifecycleTransition",
    "s3:IntelligentTiering",
    "s3:ObjectTagging:*",
    "s3:ObjectTagging:Put",
    "s3:ObjectTagging:Delete",
    "s3:ObjectAcl:Put"};

struct Kind {
    const char* element;  // QueueConfiguration
    const char* target;   // Queue
    const char* key;      // JSON list name
};
constexpr Kind kKinds[] = {
    {"QueueConfiguration", "Queue", "QueueConfigurations"},
    {"CloudFunctionConfiguration", "CloudFunction", "LambdaFunctionConfigurations"},
    {"TopicConfiguration", "Topic", "TopicConfigurations"},
};

bool event_matches(const std::string& pattern, const std::string& event_name) {
    // "s3:ObjectCreated:*" matches "ObjectCreated:Put".
    std::string_view p = pattern;
    if (p.rfind("s3:", 0) == 0) p.remove_prefix(3);
    if (p.size() >= 2 && p.substr(p.size() - 2) == ":*")
        return event_name.rfind(p.substr(0, p.size() - 1), 0) == 0;
    return p == event_name;
}

// S3 writes the key of an event record form-encoded: spaces as '+', the rest as %XX.
std::string event_key(const std::string& key) {
    std::string out = uri_encode(key, true);
    std::string result;
    for (size_t i = 0; i < out.size(); ++i) {
        if (out.compare(i, 3, "%20") == 0) {
            result += '+';
            i += 2;
        } else {
            result += out[i];
        }
    }
    return result;
}

// Grows with every event, so events for one key sort in the order they happened.
std::string sequencer() {
    static std::atomic<uint64_t> last{0};
    uint64_t now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
    uint64_t prev = last.load();
    uint64_t next;
    do {
        next = std::max(now, prev + 1);
    } while (!last.compare_exchange_weak(prev, next));
    char buf[20];
    std::snprintf(buf, sizeof buf, "%016llX", static_cast<unsigned long long>(next));
    return buf;
}

}  // namespace

Notifications::Notifications(Database& db) : db_(db) {
    std::lock_guard lock(db_.mutex());
    db_.exec(
        "CREATE TABLE IF NOT EXISTS s3_notifications (bucket TEXT PRIMARY KEY, config TEXT NOT "
        "NULL)");
    auto s = db_.prepare("SELECT bucket, config FROM s3_notifications");
    while (s.step())
        configs_[s.text(0)] = json::parse(s.text(1));
}

std::optional<json> Notifications::config(const std::string& bucket) const {
    std::lock_guard lock(mu_);
    auto it = configs_.find(bucket);
    if (it == configs_.end()) return std::nullopt;
    return it->second;
}

bool Notifications::configured(const std::string& bucket) const {
    std::lock_guard lock(mu_);
    return configs_.count(bucket) > 0;
}

void Notifications::store(const std::string& bucket, const json& cfg) {
    std::lock_guard lock(mu_);
    std::lock_guard dblock(db_.mutex());
    if (cfg.empty()) {
        db_.prepare("DELETE FROM s3_notifications WHERE bucket=?").bind_all(bucket).run();
        configs_.erase(bucket);
    } else {
        db_.prepare("INSERT OR REPLACE INTO s3_notifications (bucket, config) VALUES (?, ?)")
            .bind_all(bucket, cfg.dump())
            .run();
        configs_[bucket] = cfg;
    }
}

Response Notifications::put(const Request& req, const std::string& bucket,
                            const std::string& region) {
    auto doc = rest_xml::parse(req.body.text());
    auto root = doc.first_child();
    json cfg = json::object();
    std::vector<std::pair<std::string, std::string>> unknown;  // destinations that don't exist
    for (auto& kind : kKinds) {
        json list = json::array();
        for (auto node : root.children()) {
            std::string name = node.name();
            if (auto colon = name.find(':'); colon != std::string::npos)
                name = name.substr(colon + 1);
            if (name != kind.element) continue;
            json c;
            std::string id = rest_xml::child_text(node, "Id");
            c["Id"] = id.empty() ? random_uuid() : id;
            std::string arn = rest_xml::child_text(node, kind.target);
            if (arn.empty()) throw rest_xml::malformed();
            c[std::string(kind.target) == "CloudFunction" ? "LambdaFunctionArn"
              : std::string(kind.target) == "Queue"       ? "QueueArn"
                                                          : "TopicArn"] = arn;
            json events = json::array();
            for (auto e : node.children())
                if (std::string_view(e.name()).find("Event") != std::string_view::npos &&
                    std::string_view(e.name()) != "EventBridgeConfiguration") {
                    std::string ev = e.text().get();
                    if (!kEventTypes.count(ev))
                        throw invalid_argument("The event is not supported for notifications",
                                               "Event", ev);
                    events.push_back(ev);
                }
            if (events.empty()) throw rest_xml::malformed();
            c["Events"] = events;
            json rules = json::array();
            std::set<std::string> seen;
            for (auto rule : node.child("Filter").child("S3Key").children("FilterRule")) {
                std::string rname = rest_xml::child_text(rule, "Name");
                std::string lower = to_lower(rname);
                if (lower != "prefix" && lower != "suffix")
                    throw invalid_argument("filter rule name must be either prefix or suffix",
                                           "FilterRule.Name", rname);
                if (!seen.insert(lower).second)
                    throw invalid_argument(
                        "Cannot specify more than one " + lower + " rule in a filter.",
                        "FilterRule.Name", rname);
                rules.push_back({{"Name", lower == "prefix" ? "Prefix" : "Suffix"},
                                 {"Value", rest_xml::child_text(rule, "Value")}});
            }
            if (!rules.empty()) c["Filter"] = {{"Key", {{"FilterRules", rules}}}};
            bool exists = true;
            if (std::string(kind.target) == "Queue")
                exists = hooks_.queue_exists && hooks_.queue_exists(arn);
            else if (std::string(kind.target) == "CloudFunction")
                exists = hooks_.function_exists && hooks_.function_exists(arn);
            else
                exists = false;  // fogbank serves no SNS
            if (!exists)
                unknown.emplace_back(arn, std::string(kind.target) == "Topic"
                                              ? "SNS topics are not served by fogbank"
                                              : "The destination does not exist");
            list.push_back(c);
        }
        if (!list.empty()) cfg[kind.key] = list;
    }
    if (root.child("EventBridgeConfiguration")) cfg["EventBridgeConfiguration"] = json::object();
    if (!unknown.empty()) {
        AwsError e("InvalidArgument", "Unable to validate the following destination configurations",
                   400);
        for (size_t i = 0; i < unknown.size(); ++i) {
            e.with("ArgumentName" + std::to_string(i + 1), unknown[i].first);
            e.with("ArgumentValue" + std::to_string(i + 1), unknown[i].second);
        }
        throw e;
    }
    // Configurations for the same event type must not overlap in their key ranges.
    std::vector<std::tuple<std::string, std::string, std::string>> claims;  // event, prefix, suffix
    for (auto& kind : kKinds)
        for (auto& c : cfg.value(kind.key, json::array())) {
            std::string prefix, suffix;
            for (auto& r : c.value("Filter", json::object())
                               .value("Key", json::object())
                               .value("FilterRules", json::array()))
                (r["Name"] == "Prefix" ? prefix : suffix) = r["Value"];
            for (auto& ev : c["Events"]) {
                std::string event = ev;
                for (auto& [e2, p2, s2] : claims) {
                    bool same_type =
                        event_matches(event, e2.substr(3)) || event_matches(e2, event.substr(3));
                    bool prefix_overlap = prefix.rfind(p2, 0) == 0 || p2.rfind(prefix, 0) == 0;
                    bool suffix_overlap =
                        (suffix.size() >= s2.size() &&
                         suffix.compare(suffix.size() - s2.size(), s2.size(), s2) == 0) ||
                        (s2.size() >= suffix.size() &&
                         s2.compare(s2.size() - suffix.size(), suffix.size(), suffix) == 0);
                    if (same_type && prefix_overlap && suffix_overlap)
                        throw invalid_argument(
                            "Configurations overlap. Configurations on the same bucket cannot "
                            "share a common event type.",
                            "Event", event);
                }
                claims.emplace_back(event, prefix, suffix);
            }
        }
    store(bucket, cfg);
    // S3 tells each queue that it is now a destination.
    json test = {{"Service", "Amazon S3"},
                 {"Event", "s3:TestEvent"},
                 {"Time", format_iso8601_ms(now_ms())},
                 {"Bucket", bucket},
                 {"RequestId", req.request_id},
                 {"HostId", req.request_id}};
    (void)region;
    for (auto& c : cfg.value("QueueConfigurations", json::array()))
        try {
            if (hooks_.send_to_queue) hooks_.send_to_queue(c["QueueArn"], test.dump());
        } catch (const std::exception& e) {
            spdlog::warn("s3 {}: test event to {} failed: {}", bucket,
                         c["QueueArn"].get<std::string>(), e.what());
        }
    Response res;
    res.status = 200;
    return res;
}

Response Notifications::get(const std::string& bucket) {
    rest_xml::Document out("NotificationConfiguration");
    json cfg = config(bucket).value_or(json::object());
    for (auto& kind : kKinds)
        for (auto& c : cfg.value(kind.key, json::array())) {
            auto node = out.root.append_child(kind.element);
            rest_xml::add(node, "Id", c.value("Id", ""));
            std::string arn =
                c.value("QueueArn", c.value("LambdaFunctionArn", c.value("TopicArn", "")));
            rest_xml::add(node, kind.target, arn);
            for (auto& ev : c["Events"])
                rest_xml::add(node, "Event", ev.get<std::string>());
            if (c.contains("Filter")) {
                auto key = node.append_child("Filter").append_child("S3Key");
                for (auto& r : c["Filter"]["Key"]["FilterRules"]) {
                    auto rule = key.append_child("FilterRule");
                    rest_xml::add(rule, "Name", r["Name"].get<std::string>());
                    rest_xml::add(rule, "Value", r["Value"].get<std::string>());
                }
            }
        }
    if (cfg.contains("EventBridgeConfiguration")) out.root.append_child("EventBridgeConfiguration");
    return rest_xml::xml_response(out);
}

void Notifications::drop(const std::string& bucket) {
    store(bucket, json::object());
}

void Notifications::reset() {
    std::lock_guard lock(mu_);
    std::lock_guard dblock(db_.mutex());
    db_.exec("DELETE FROM s3_notifications");
    configs_.clear();
}

void Notifications::publish(const ObjectEvent& e) {
    auto cfg = config(e.bucket);
    if (!cfg) return;
    for (auto& kind : kKinds)
        for (auto& c : cfg->value(kind.key, json::array())) {
            bool wanted = false;
            for (auto& ev : c["Events"])
                wanted = wanted || event_matches(ev, e.name);
            if (!wanted) continue;
            bool filtered_out = false;
            for (auto& r : c.value("Filter", json::object())
                               .value("Key", json::object())
                               .value("FilterRules", json::array())) {
                std::string v = r["Value"];
                if (r["Name"] == "Prefix" && e.key.rfind(v, 0) != 0) filtered_out = true;
                if (r["Name"] == "Suffix" &&
                    (e.key.size() < v.size() ||
                     e.key.compare(e.key.size() - v.size(), v.size(), v) != 0))
                    filtered_out = true;
            }
            if (filtered_out) continue;
            json object = {{"key", event_key(e.key)}, {"sequencer", sequencer()}};
            if (!e.version_id.empty()) object["versionId"] = e.version_id;
            if (e.name.rfind("ObjectCreated", 0) == 0) {
                object["size"] = e.size;
                object["eTag"] = e.etag;
            }
            json record = {{"eventVersion", "2.1"},
                           {"eventSource", "aws:s3"},
                           {"awsRegion", e.region},
                           {"eventTime", format_iso8601_ms(now_ms())},
                           {"eventName", e.name},
                           {"userIdentity", {{"principalId", "AWS:" + e.account}}},
                           {"requestParameters", {{"sourceIPAddress", e.source_ip}}},
                           {"responseElements",
                            {{"x-amz-request-id", e.request_id}, {"x-amz-id-2", e.request_id}}},
                           {"s3",
                            {{"s3SchemaVersion", "1.0"},
                             {"configurationId", c.value("Id", "")},
                             {"bucket",
                              {{"name", e.bucket},
                               {"ownerIdentity", {{"principalId", e.account}}},
                               {"arn", "arn:aws:s3:::" + e.bucket}}},
                             {"object", object}}}};
            std::string body = json{{"Records", json::array({record})}}.dump();
            try {
                if (c.contains("QueueArn") && hooks_.send_to_queue)
                    hooks_.send_to_queue(c["QueueArn"], body);
                else if (c.contains("LambdaFunctionArn") && hooks_.invoke)
                    hooks_.invoke(c["LambdaFunctionArn"], body);
            } catch (const std::exception& ex) {
                spdlog::warn("s3 {}: notification for {} not delivered: {}", e.bucket, e.key,
                             ex.what());
            }
        }
}

Response put_bucket_notification(Context& ctx, Request& req, const Target& t) {
    auto b = require_bucket(ctx, req, t.bucket);
    return ctx.notifications->put(req, t.bucket, b.region);
}

Response get_bucket_notification(Context& ctx, Request& req, const Target& t) {
    require_bucket(ctx, req, t.bucket);
    return ctx.notifications->get(t.bucket);
}

}  // namespace fogbank::s3
