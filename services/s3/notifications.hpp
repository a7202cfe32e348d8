// Bucket notifications: Put/GetBucketNotificationConfiguration, and the event records S3 sends
// to SQS queues and Lambda functions when objects are created or removed. The configuration is
// checked as S3 checks it (event names, filter rules, destinations that exist); a queue target
// gets an s3:TestEvent when the configuration is set. Delivery goes through hooks that main
// wires to SQS and Lambda, after the request's own work is done.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "emulator/database.hpp"
#include "emulator/http_message.hpp"

namespace fogbank::s3 {

class Store;

struct NotificationHooks {
    std::function<bool(const std::string& queue_arn)> queue_exists;
    std::function<void(const std::string& queue_arn, const std::string& body)> send_to_queue;
    std::function<bool(const std::string& function_arn)> function_exists;
    // An asynchronous (Event) invocation, with Lambda's retries.
    std::function<void(const std::string& function_arn, const std::string& body)> invoke;
};

// One object event, as the operation that caused it saw it.
struct ObjectEvent {
    std::string bucket, key, region, account;
    std::string name;  // "ObjectCreated:Put", "ObjectRemoved:Delete", ...
    uint64_t size = 0;
    std::string etag;        // without quotes; empty for removals
    std::string version_id;  // as reported ("null" included); empty for an unversioned bucket
    std::string request_id;
    std::string source_ip = "127.0.0.1";
};

class Notifications {
  public:
    explicit Notifications(Database& db);
    void set_hooks(NotificationHooks hooks) { hooks_ = std::move(hooks); }

    Response put(const Request& req, const std::string& bucket, const std::string& region);
    Response get(const std::string& bucket);
    void drop(const std::string& bucket);
    void reset();

    // Sends the event to every matching target. Never throws: a target that went away is logged.
    void publish(const ObjectEvent& e);
    // Whether the bucket has any configuration: the cheap check every write makes.
    bool configured(const std::string& bucket) const;

  private:
    std::optional<nlohmann::json> config(const std::string& bucket) const;
    void store(const std::string& bucket, const nlohmann::json& cfg);

    Database& db_;
    // Every bucket's configuration, also in SQLite: a write looks here, not in the database.
    mutable std::mutex mu_;
    std::map<std::string, nlohmann::json> configs_;
    NotificationHooks hooks_;
};

}  // namespace fogbank::s3
