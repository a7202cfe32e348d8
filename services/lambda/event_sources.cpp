// SQS event source mappings: Create/Get/List/Update/DeleteEventSourceMapping, and the poller
// that runs each enabled mapping as Lambda does. It receives up to BatchSize messages (waiting
// up to MaximumBatchingWindowInSeconds for a fuller batch), invokes the function with them,
// and deletes them only when the invocation succeeds: all of them, or, with
// ReportBatchItemFailures, all but the batchItemFailures the function names. Messages not
// deleted come back when their visibility timeout runs out, and the queue's redrive policy
// moves them to its dead-letter queue after maxReceiveCount, as in AWS.
#include <spdlog/spdlog.h>

#include <set>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "emulator/event_pattern.hpp"
#include "emulator/json_limits.hpp"
#include "services/lambda/backend.hpp"

namespace fogbank::lambda {

namespace {

using Clock = std::chrono::steady_clock;

AwsError mapping_not_found(const std::string& uuid) {
    return AwsError("ResourceNotFoundException",
                    "The resource you requested does not exist. (Service: Lambda, Status Code: "
                    "404, Request ID: " +
                        uuid + ")",
                    404);
}

double epoch_seconds() {
    return static_cast<double>(now_ms().time_since_epoch().count()) / 1000.0;
}

int int_in(const json& in, const char* name, int lo, int hi, int fallback) {
    auto it = in.find(name);
    if (it == in.end() || it->is_null()) return fallback;
    if (!it->is_number_integer() || it->get<int>() < lo || it->get<int>() > hi)
        throw AwsError("ValidationException",
                       "1 validation error detected: Value '" + it->dump() + "' at '" + name +
                           "' failed to satisfy constraint: Member must have value between " +
                           std::to_string(lo) + " and " + std::to_string(hi),
                       400);
    return it->get<int>();
}

// The mapping as the API shows it: without fogbank's own bookkeeping fields.
json visible(json m, const char* state = nullptr) {
    m.erase("account");
    m.erase("region");
    m.erase("Enabled");
    m.erase("position");
    if (state) m["State"] = state;
    return m;
}

// An SQS message as a Lambda event record.
json sqs_record(const json& m, const std::string& arn, const std::string& region) {
    json attrs = json::object();
    // A named copy: items() of a temporary would outlive it.
    const json given = m.value("MessageAttributes", json::object());
    for (auto& [k, v] : given.items()) {
        json a = {{"stringListValues", json::array()},
                  {"binaryListValues", json::array()},
                  {"dataType", v.value("DataType", "String")}};
        if (v.contains("StringValue")) a["stringValue"] = v["StringValue"];
        if (v.contains("BinaryValue")) a["binaryValue"] = v["BinaryValue"];
        attrs[k] = a;
    }
    return {{"messageId", m.value("MessageId", "")},
            {"receiptHandle", m.value("ReceiptHandle", "")},
            {"body", m.value("Body", "")},
            {"attributes", m.value("Attributes", json::object())},
            {"messageAttributes", attrs},
            {"md5OfBody", m.value("MD5OfBody", "")},
            {"eventSource", "aws:sqs"},
            {"eventSourceARN", arn},
            {"awsRegion", region}};
}

// Lambda refuses a mapping whose queue would hand a batch out again while the function may
// still be working on it.
void check_fits_visibility(int visibility, const json& function_config) {
    int timeout = function_config.value("Timeout", 3);
    if (visibility < timeout)
        throw invalid_parameter(
            "Queue visibility timeout: " + std::to_string(visibility) +
            " seconds is less than Function timeout: " + std::to_string(timeout) + " seconds");
}

}  // namespace

Response Backend::create_event_source_mapping(Call& c) {
    const json& in = c.body;
    std::string source = in.value("EventSourceArn", "");
    if (source.empty())
        throw AwsError("InvalidParameterValueException",
                       "Unrecognized event source, must be kinesis, dynamodb stream, sqs, msk or "
                       "mq",
                       400);
    bool stream =
        source.rfind("arn:aws:dynamodb:", 0) == 0 && source.find("/stream/") != std::string::npos;
    if (source.rfind("arn:aws:sqs:", 0) != 0 && !stream)
        throw invalid_parameter(
            "fogbank serves SQS queues and DynamoDB streams as event "
            "sources; " +
            source + " is neither");
    if (stream) return create_stream_mapping(c, source);
    int batch = int_in(in, "BatchSize", 1, 10000, 10);
    int window = int_in(in, "MaximumBatchingWindowInSeconds", 0, 300, 0);
    if (batch > 10 && window == 0)
        throw invalid_parameter(
            "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
            "greater than 10");
    json types = response_types(in);
    check_filter_criteria(in);
    json scaling = in.value("ScalingConfig", json());
    if (scaling.is_object()) int_in(scaling, "MaximumConcurrency", 2, 1000, 2);
    std::optional<int> visibility =
        hooks_.queue_visibility_timeout ? hooks_.queue_visibility_timeout(source) : std::nullopt;
    if (!visibility)
        throw invalid_parameter(
            "Error occurred while ReceiveMessage. SQS Error Code: "
            "AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue "
            "does not exist for this wsdl version.");
    bool enabled = in.value("Enabled", true);
    json m;
    {
        std::lock_guard lock(mu_);
        c.params["FunctionName"] = required_function_name(in);
        auto fn = require(c);
        check_fits_visibility(*visibility, fn->config);
        std::string function_arn = fn->config["FunctionArn"];
        for (auto& [uuid, existing] : mappings_)
            if (existing["EventSourceArn"] == source && existing["FunctionArn"] == function_arn)
                throw AwsError("ResourceConflictException",
                               "An event source mapping with SQS arn (\" " + source +
                                   " \") and function (\" " + fn->name +
                                   " \") already exists. Please update or delete the existing "
                                   "mapping with UUID " +
                                   uuid,
                               409);
        m = {{"UUID", random_uuid()},
             {"BatchSize", batch},
             {"MaximumBatchingWindowInSeconds", window},
             {"EventSourceArn", source},
             {"FunctionArn", function_arn},
             {"LastModified", epoch_seconds()},
             {"State", enabled ? "Enabled" : "Disabled"},
             {"StateTransitionReason", "USER_INITIATED"},
             {"FunctionResponseTypes", types},
             {"Enabled", enabled},
             {"account", c.account()},
             {"region", c.region()}};
        if (scaling.is_object()) m["ScalingConfig"] = scaling;
        if (in.contains("FilterCriteria")) m["FilterCriteria"] = in["FilterCriteria"];
        mappings_[m["UUID"]] = m;
        save_mapping(m);
    }
    if (enabled) schedule_poll(m["UUID"], std::chrono::milliseconds(0));
    return rest_json::response(202, visible(m, "Creating"));
}

json response_types(const json& in) {
    json types = in.value("FunctionResponseTypes", json::array());
    for (auto& t : types)
        if (t != "ReportBatchItemFailures")
            throw AwsError("ValidationException",
                           "1 validation error detected: Value '" + t.dump() +
                               "' at 'functionResponseTypes' failed to satisfy constraint: Member "
                               "must satisfy enum value set: [ReportBatchItemFailures]",
                           400);
    return types;
}

void check_filter_criteria(const json& in) {
    if (!in.contains("FilterCriteria")) return;
    const json& fc = in["FilterCriteria"];
    auto bad = [] {
        return AwsError("InvalidParameterValueException", "Invalid filter pattern definition.",
                        400);
    };
    if (!fc.is_object()) throw bad();
    json filters = fc.value("Filters", json::array());
    if (!filters.is_array() || filters.size() > 5) throw bad();
    for (auto& f : filters)
        if (!f.is_object() || !f.contains("Pattern") || !f["Pattern"].is_string() ||
            !EventPattern::parse(f["Pattern"].get<std::string>()))
            throw bad();
}

bool passes_filters(const json& mapping, const json& record) {
    auto it = mapping.find("FilterCriteria");
    if (it == mapping.end() || !it->is_object()) return true;
    json filters = it->value("Filters", json::array());
    if (filters.empty()) return true;
    json event = record;
    if (event.contains("body") && event["body"].is_string()) {
        json body = parse_json(event["body"].get<std::string>());
        if (!body.is_discarded() && body.is_object()) event["body"] = std::move(body);
    }
    for (auto& f : filters)
        if (auto p = EventPattern::parse(f["Pattern"].get<std::string>()); p && p->matches(event))
            return true;
    return false;
}

std::string required_function_name(const json& in) {
    std::string name = in.value("FunctionName", "");
    if (name.empty())
        throw AwsError("ValidationException",
                       "1 validation error detected: Value null at 'functionName' failed to "
                       "satisfy constraint: Member must not be null",
                       400);
    return name;
}

json& Backend::mapping(const std::string& uuid) {
    auto it = mappings_.find(uuid);
    if (it == mappings_.end()) throw mapping_not_found(uuid);
    return it->second;
}

Response Backend::get_event_source_mapping(Call& c) {
    std::lock_guard lock(mu_);
    return rest_json::response(200, visible(mapping(c.params.at("UUID"))));
}

Response Backend::list_event_source_mappings(Call& c) {
    std::string source = c.req.query_param("EventSourceArn").value_or("");
    std::string function = c.req.query_param("FunctionName").value_or("");
    std::lock_guard lock(mu_);
    std::string function_arn;
    if (!function.empty()) {
        c.params["FunctionName"] = function;
        function_arn = require(c)->config["FunctionArn"];
    }
    json list = json::array();
    for (auto& [uuid, m] : mappings_) {
        if (m["account"] != c.account() || m["region"] != c.region()) continue;
        if (!source.empty() && m["EventSourceArn"] != source) continue;
        if (!function_arn.empty() && m["FunctionArn"] != function_arn) continue;
        list.push_back(visible(m));
    }
    return rest_json::response(200, {{"EventSourceMappings", list}});
}

Response Backend::update_event_source_mapping(Call& c) {
    const json& in = c.body;
    json m;
    bool start = false;
    // Read before the lock: SQS is asked outside Lambda's mutex.
    std::string source;
    {
        std::lock_guard lock(mu_);
        source = mapping(c.params.at("UUID"))["EventSourceArn"];
    }
    std::optional<int> visibility;
    if (in.contains("FunctionName") && hooks_.queue_visibility_timeout)
        visibility = hooks_.queue_visibility_timeout(source);
    {
        std::lock_guard lock(mu_);
        json& stored = mapping(c.params.at("UUID"));
        m = stored;
        m["BatchSize"] = int_in(in, "BatchSize", 1, 10000, m["BatchSize"]);
        m["MaximumBatchingWindowInSeconds"] = int_in(in, "MaximumBatchingWindowInSeconds", 0, 300,
                                                     m["MaximumBatchingWindowInSeconds"]);
        bool stream = m.contains("position");
        if (stream) {
            for (auto* field : {"MaximumRetryAttempts", "BisectBatchOnFunctionError",
                                "MaximumRecordAgeInSeconds", "DestinationConfig"})
                if (in.contains(field)) m[field] = in[field];
        }
        if (!stream && m["BatchSize"].get<int>() > 10 &&
            m["MaximumBatchingWindowInSeconds"].get<int>() == 0)
            throw invalid_parameter(
                "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
                "greater than 10");
        if (in.contains("FunctionName")) {
            c.params["FunctionName"] = in["FunctionName"];
            auto fn = require(c);
            if (visibility) check_fits_visibility(*visibility, fn->config);
            m["FunctionArn"] = fn->config["FunctionArn"];
        }
        if (in.contains("FunctionResponseTypes"))
            m["FunctionResponseTypes"] = in["FunctionResponseTypes"];
        if (in.contains("FilterCriteria")) {
            check_filter_criteria(in);
            m["FilterCriteria"] = in["FilterCriteria"];
        }
        if (in.contains("ScalingConfig")) m["ScalingConfig"] = in["ScalingConfig"];
        if (in.contains("Enabled")) {
            bool enabled = in["Enabled"].get<bool>();
            start = enabled && !m["Enabled"].get<bool>();
            m["Enabled"] = enabled;
            m["State"] = enabled ? "Enabled" : "Disabled";
        }
        m["LastModified"] = epoch_seconds();
        stored = m;
        save_mapping(m);
    }
    if (start) schedule_poll(m["UUID"], std::chrono::milliseconds(0));
    return rest_json::response(202, visible(m, "Updating"));
}

Response Backend::delete_event_source_mapping(Call& c) {
    std::lock_guard lock(mu_);
    json m = mapping(c.params.at("UUID"));
    mappings_.erase(m["UUID"].get<std::string>());
    {
        std::lock_guard dblock(db_.mutex());
        db_.prepare("DELETE FROM lambda_esm WHERE uuid=?")
            .bind_all(m["UUID"].get<std::string>())
            .run();
    }
    return rest_json::response(202, visible(m, "Deleting"));
}

void Backend::save_mapping(const json& m) {
    std::lock_guard dblock(db_.mutex());
    db_.prepare("INSERT OR REPLACE INTO lambda_esm (uuid, doc) VALUES (?, ?)")
        .bind_all(m["UUID"].get<std::string>(), m.dump())
        .run();
}

void Backend::schedule_poll(const std::string& uuid, std::chrono::milliseconds delay) {
    delayed_.after(delay, [this, uuid] { poll_mapping(uuid); });
}

// One round of a mapping's poller; it schedules the next one itself while the mapping is
// enabled: soon while there are messages, backing off to 200 ms while the queue is empty.
void Backend::poll_mapping(const std::string& uuid) {
    json m;
    std::vector<json> pending;
    Clock::time_point first_seen;
    int cap = 0;  // a stream mapping's read
    {
        // One hold of the lock per round: the mapping, its function, its concurrency and the
        // messages left from the last round are all looked up again (a reset may drop them).
        std::lock_guard lock(mu_);
        auto it = mappings_.find(uuid);
        if (it == mappings_.end() || !it->second["Enabled"].get<bool>()) {
            pollers_.erase(uuid);
            return;
        }
        m = it->second;
        // A map lookup on every poll; the function's spec is built only for a batch to send.
        std::string arn = m["FunctionArn"];
        if (!functions_.count({m["account"], m["region"], arn.substr(arn.rfind(':') + 1)})) {
            schedule_poll(uuid, std::chrono::milliseconds(1000));  // function gone: records wait
            return;
        }
        if (m.contains("position")) {
            // In order per shard: the next batch waits for the one being processed.
            const Poller& p = pollers_[uuid];
            if (p.in_flight > 0) {
                schedule_poll(uuid, std::chrono::milliseconds(20));
                return;
            }
            cap = p.batch_cap > 0 ? p.batch_cap : m["BatchSize"].get<int>();
        } else {
            int max_concurrency =
                m.value("ScalingConfig", json::object()).value("MaximumConcurrency", 5);
            Poller& p = pollers_[uuid];
            if (p.in_flight >= max_concurrency) {
                schedule_poll(uuid, std::chrono::milliseconds(20));
                return;
            }
            pending.swap(p.pending);
            first_seen = p.first_seen;
        }
    }
    if (m.contains("position")) {
        poll_stream_mapping(uuid, m, cap);  // a DynamoDB stream (stream_sources.cpp)
        return;
    }
    const std::string source = m["EventSourceArn"];
    const int batch = m["BatchSize"];
    try {
        while (static_cast<int>(pending.size()) < batch) {
            json got = hooks_.receive_from_queue(
                source, std::min(10, batch - static_cast<int>(pending.size())));
            json msgs = got.is_object() ? got.value("Messages", json::array()) : json::array();
            if (msgs.empty()) break;
            if (pending.empty()) first_seen = Clock::now();
            for (auto& msg : msgs) {
                // A message the filters leave out is deleted unseen, as Lambda does.
                if (!passes_filters(m, sqs_record(msg, source, m["region"]))) {
                    hooks_.delete_from_queue(source, msg.value("ReceiptHandle", ""));
                    continue;
                }
                pending.push_back(msg);
            }
        }
    } catch (const std::exception& e) {
        spdlog::warn("lambda: event source {} cannot be polled: {}", source, e.what());
        std::lock_guard lock(mu_);
        pollers_[uuid].pending = std::move(pending);
        schedule_poll(uuid, std::chrono::milliseconds(1000));
        return;
    }
    auto window = std::chrono::seconds(m["MaximumBatchingWindowInSeconds"].get<int>());
    if (pending.empty() ||
        (static_cast<int>(pending.size()) < batch && Clock::now() - first_seen < window)) {
        std::lock_guard lock(mu_);
        Poller& state = pollers_[uuid];
        bool idle = pending.empty();
        state.idle_polls = idle ? std::min(state.idle_polls + 1, 10) : 0;
        state.pending = std::move(pending);
        state.first_seen = first_seen;
        schedule_poll(uuid, std::chrono::milliseconds(idle ? 20 * state.idle_polls : 20));
        return;
    }
    json records = json::array();
    for (auto& msg : pending)
        records.push_back(sqs_record(msg, source, m["region"]));
    bool partial = false;
    for (auto& t : m["FunctionResponseTypes"])
        partial = partial || t == "ReportBatchItemFailures";
    std::shared_ptr<const FunctionSpec> spec;
    {
        std::lock_guard lock(mu_);
        try {
            spec = spec_for(resolve(m["account"], m["region"], m["FunctionArn"], ""));
        } catch (const AwsError&) {
            // Deleted since the check above: the batch waits for its visibility timeout.
            schedule_poll(uuid, std::chrono::milliseconds(1000));
            return;
        }
        pollers_[uuid].in_flight++;
        pollers_[uuid].idle_polls = 0;
    }
    sandboxes_.invoke(spec, json{{"Records", records}}.dump(), {},
                      [this, uuid, source, pending, partial](const Invocation& inv) {
                          batch_done(uuid, source, pending, partial, inv);
                      });
    schedule_poll(uuid, std::chrono::milliseconds(0));
}

void Backend::batch_done(const std::string& uuid, const std::string& source,
                         const std::vector<json>& batch, bool partial, const Invocation& inv) {
    {
        std::lock_guard lock(mu_);
        if (auto it = pollers_.find(uuid); it != pollers_.end()) it->second.in_flight--;
    }
    if (!inv.result.function_error.empty()) {
        spdlog::info("lambda {}: batch of {} from {} failed ({}); the messages stay queued",
                     inv.spec->name, batch.size(), source, inv.result.error_type);
        return;
    }
    std::set<std::string> failed;
    if (partial) {
        // {"batchItemFailures": [{"itemIdentifier": messageId}, ...]}; an answer that names no
        // message of the batch fails the whole batch, as Lambda treats it.
        auto out = fogbank::parse_json(inv.result.payload);
        std::set<std::string> ids;
        for (auto& msg : batch)
            ids.insert(msg.value("MessageId", ""));
        if (out.is_object() && out.contains("batchItemFailures")) {
            bool valid = out["batchItemFailures"].is_array();
            if (valid)
                for (auto& f : out["batchItemFailures"]) {
                    std::string id = f.is_object() && f.contains("itemIdentifier") &&
                                             f["itemIdentifier"].is_string()
                                         ? f["itemIdentifier"].get<std::string>()
                                         : "";
                    if (!ids.count(id)) valid = false;
                    failed.insert(id);
                }
            if (!valid) return;
        }
    }
    for (auto& msg : batch) {
        if (failed.count(msg.value("MessageId", ""))) continue;
        try {
            hooks_.delete_from_queue(source, msg.value("ReceiptHandle", ""));
        } catch (const std::exception& e) {
            spdlog::warn("lambda: cannot delete a message from {}: {}", source, e.what());
        }
    }
}

void Backend::start_pollers() {
    std::vector<std::string> enabled;
    {
        std::lock_guard lock(mu_);
        for (auto& [uuid, m] : mappings_)
            if (m["Enabled"].get<bool>()) enabled.push_back(uuid);
    }
    for (auto& uuid : enabled)
        schedule_poll(uuid, std::chrono::milliseconds(0));
}

}  // namespace fogbank::lambda
