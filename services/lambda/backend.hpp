// Lambda's control plane and Invoke, independent of the wire: functions with their
// configuration, code, policy, async settings and URL, kept in memory under one lock and
// written through to SQLite; invocations go to the sandboxes (sandboxes.hpp).
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "emulator/http_message.hpp"
#include "emulator/protocol/rest_json.hpp"
#include "emulator/scheduler.hpp"
#include "services/lambda/code.hpp"
#include "services/lambda/sandboxes.hpp"

namespace fogbank::s3 {
class Store;
}

namespace fogbank::lambda {

using json = nlohmann::json;

struct Function {
    std::string account, region, name;
    json config;           // FunctionConfiguration of $LATEST, as GetFunctionConfiguration says
    std::string code_hex;  // names the stored zip and its task directory
    json policy = json::array();  // resource policy statements (AddPermission)
    json event_invoke;            // FunctionEventInvokeConfig, or null
    json url;                     // FunctionUrlConfig, or null
    json tags = json::object();
    int reserved_concurrency = -1;  // -1: none set
    json versions = json::array();  // published: {"config": ..., "code_hex": ...}
    json aliases = json::object();  // name -> AliasConfiguration
    // account/region/name: how the sandboxes name the function.
    std::string key() const { return account + "/" + region + "/" + name; }
    json to_doc() const;
    static Function from_doc(const json& doc);
};

// One request to an operation: its path members, query, headers and JSON body.
struct Call {
    Request& req;
    rest_json::PathParams params;
    json body;
    const std::string& account() const { return req.account; }
    const std::string& region() const { return req.region; }
};

// Where a function was found: its record and the configuration and code the qualifier picks.
struct Resolved {
    std::shared_ptr<Function> fn;
    json config;
    std::string code_hex;
    std::string version;    // "$LATEST" or a number
    std::string qualifier;  // as asked ("" for none)
};

class Backend {
  public:
    Backend(const Config& cfg, Database& db, std::filesystem::path work_dir, s3::Store& s3);
    ~Backend();

    Response handle(Request& req);
    void reset();
    // Known once the server listens; starts the async events a restart left waiting.
    void set_endpoint(std::string host_port) {
        sandboxes_.set_endpoint(std::move(host_port));
        replay_events();
        start_pollers();
    }
    // How Lambda reaches other services (set by main): an SQS queue by ARN.
    struct Hooks {
        std::function<void(const std::string& queue_arn, const std::string& body)> send_to_queue;
        // Its VisibilityTimeout in seconds; nothing when there is no such queue.
        std::function<std::optional<int>(const std::string& queue_arn)> queue_visibility_timeout;
        std::function<json(const std::string& queue_arn, int max)> receive_from_queue;
        std::function<void(const std::string& queue_arn, const std::string& receipt_handle)>
            delete_from_queue;
        // DynamoDB streams: where TRIM_HORIZON or LATEST starts (a sequence number), nothing
        // when there is no such stream; and up to `max` records from a sequence number on
        // ({"ShardId", "Records"}).
        std::function<std::optional<uint64_t>(const std::string& stream_arn, bool latest)>
            stream_position;
        std::function<std::optional<json>(const std::string& stream_arn, uint64_t from, int max)>
            read_stream;
    };
    void set_hooks(Hooks hooks) { hooks_ = std::move(hooks); }
    Sandboxes& sandboxes() { return sandboxes_; }
    std::string code_path(const std::string& sha256_hex) const;
    json status() const { return sandboxes_.status(); }

    // For event sources (S3 notifications, SQS mappings, URLs, API Gateway): resolves a
    // function by name or ARN in the given account and region and starts an invocation.
    // Throws AwsError ResourceNotFoundException.
    std::shared_ptr<Invocation> start(const std::string& account, const std::string& region,
                                      const std::string& function, std::string payload,
                                      std::function<void(const Invocation&)> on_done = {});

    // Function URLs: a request whose Host is <url-id>.lambda-url.<region>.*.
    Response invoke_url(Request& req);
    // API Gateway proxy integrations: a synchronous invocation answered by `answer`.
    Response invoke_http(const std::string& account, const std::string& region,
                         const std::string& function, std::string payload,
                         std::function<Response(const InvocationResult&)> answer);

    // S3 notifications: whether a function ARN names a function, and an Event invocation of it.
    bool exists(const std::string& function_arn);
    void invoke_event(const std::string& function_arn, const std::string& payload);

  private:
    using Handler = Response (Backend::*)(Call&);
    using Route = rest_json::Route<Handler>;
    static const std::vector<Route>& routes();

    // functions.cpp
    Response create_function(Call&);
    Response get_function(Call&);
    Response get_function_configuration(Call&);
    Response list_functions(Call&);
    Response update_function_code(Call&);
    Response update_function_configuration(Call&);
    Response delete_function(Call&);
    Response get_account_settings(Call&);
    // versions.cpp
    Response publish_version(Call&);
    Response list_versions(Call&);
    Response create_alias(Call&);
    Response get_alias(Call&);
    Response list_aliases(Call&);
    Response update_alias(Call&);
    Response delete_alias(Call&);
    // permissions.cpp
    Response add_permission(Call&);
    Response remove_permission(Call&);
    Response get_policy(Call&);
    Response put_event_invoke_config(Call&);
    Response get_event_invoke_config(Call&);
    Response delete_event_invoke_config(Call&);
    Response put_concurrency(Call&);
    Response get_concurrency(Call&);
    Response delete_concurrency(Call&);
    Response tag_resource(Call&);
    Response untag_resource(Call&);
    Response list_tags(Call&);
    // invoke.cpp
    Response invoke(Call&);
    // The invocation's answer as a long poll: no thread waits for the function.
    Response wait_for(std::shared_ptr<Invocation> inv, int timeout_seconds,
                      std::function<Response(const InvocationResult&)> answer);
    // function_urls.cpp
    Response create_function_url(Call&);
    Response get_function_url(Call&);
    Response update_function_url(Call&);
    Response delete_function_url(Call&);
    Response list_function_urls(Call&);
    std::string endpoint_port() const;
    // async_invoke.cpp
    std::string enqueue_event(const Resolved& r, const std::string& payload);  // under mu_
    void run_event(json record);
    void event_done(json record, const Invocation& inv);
    void deliver(const std::string& account, const std::string& region,
                 const std::string& target_arn, const std::string& body);
    void forget_event(const std::string& id);
    void replay_events();
    // event_sources.cpp
    Response create_event_source_mapping(Call&);
    Response get_event_source_mapping(Call&);
    Response list_event_source_mappings(Call&);
    Response update_event_source_mapping(Call&);
    Response delete_event_source_mapping(Call&);
    json& mapping(const std::string& uuid);  // under mu_; ResourceNotFoundException
    void save_mapping(const json& m);
    void schedule_poll(const std::string& uuid, std::chrono::milliseconds delay);
    void poll_mapping(const std::string& uuid);
    // stream_sources.cpp: mappings from DynamoDB streams, read in order, one batch at a time.
    json stream_mapping_fields(const json& in, const std::string& source);
    Response create_stream_mapping(Call& c, const std::string& source);
    // One read of a stream mapping, of at most `cap` records (its batch, or less while bisecting).
    void poll_stream_mapping(const std::string& uuid, const json& m, int cap);
    // Reading moves on to `next`; `result`, if any, becomes LastProcessingResult. Under mu_.
    void advance_stream_mapping(const std::string& uuid, uint64_t next, const char* result);
    void stream_batch_done(const std::string& uuid, const std::string& shard, const json& records,
                           const Invocation& inv);
    void send_failed_batch(const json& mapping, const json& info);  // to OnFailure, if any
    void batch_done(const std::string& uuid, const std::string& source,
                    const std::vector<json>& batch, bool partial, const Invocation& inv);
    void start_pollers();

    // Under mu_.
    std::shared_ptr<Function> find(const std::string& account, const std::string& region,
                                   const std::string& name_or_arn, std::string* qualifier);
    std::shared_ptr<Function> require(Call& c, const std::string& member = "FunctionName");
    Resolved resolve(const std::string& account, const std::string& region,
                     const std::string& name_or_arn, const std::string& qualifier);
    std::shared_ptr<const FunctionSpec> spec_for(const Resolved& r);
    void save(const Function& fn);
    void drop(const Function& fn);
    CodeInfo code_from(const json& code, const std::string& region, const std::string& account);

    const Config& cfg_;
    Database& db_;
    std::filesystem::path work_dir_;
    s3::Store& s3_;
    CodeStore code_;
    mutable std::mutex mu_;
    using Key = std::tuple<std::string, std::string, std::string>;  // account, region, name
    std::map<Key, std::shared_ptr<Function>> functions_;
    std::map<std::string, json> mappings_;  // event source mappings by UUID
    std::map<std::string, Key> url_ids_;    // function URL id -> function
    struct Poller {
        int in_flight = 0;          // batches being processed
        std::vector<json> pending;  // received, waiting for a fuller batch
        std::chrono::steady_clock::time_point first_seen;
        int idle_polls = 0;
        int attempts = 0;          // stream mappings: failed tries of the batch at the position
        int batch_cap = 0;         // stream mappings: a bisected batch's size (0: BatchSize)
        bool window_open = false;  // stream mappings: a short batch waits since first_seen
    };
    std::map<std::string, Poller> pollers_;
    Hooks hooks_;
    Sandboxes sandboxes_;
    // After sandboxes_: destroyed first, so no retry starts once the sandboxes are gone.
    Scheduler delayed_{"lambda"};
};

// arn:aws:lambda:<region>:<account>:function:<name>
std::string function_arn(const std::string& region, const std::string& account,
                         const std::string& name);
AwsError function_not_found(const std::string& arn);
AwsError invalid_parameter(std::string message);

// Event source mappings' shared checks (event_sources.cpp): FunctionResponseTypes, which may
// only name ReportBatchItemFailures, and the FunctionName every mapping needs.
json response_types(const json& in);
std::string required_function_name(const json& in);
// FilterCriteria checked as Lambda checks it (at most 5 filters, each a valid pattern):
// InvalidParameterValueException otherwise.
void check_filter_criteria(const json& in);
// Whether a record passes the mapping's filters (none: every record does). An SQS record's
// body is matched as JSON when it is JSON, as Lambda does.
bool passes_filters(const json& mapping, const json& record);

}  // namespace fogbank::lambda
