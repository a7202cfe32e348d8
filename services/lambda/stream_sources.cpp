// Event source mappings from DynamoDB streams: Lambda reads a stream's shard in order, one
// batch at a time, from StartingPosition (TRIM_HORIZON or LATEST). A batch the function fails
// is tried again — halved each time with BisectBatchOnFunctionError — until it succeeds or
// MaximumRetryAttempts runs out; then its description goes to the OnFailure destination (an
// SQS queue) and the mapping moves past it. With ReportBatchItemFailures, the function names
// the first record it could not process (by SequenceNumber) and reading resumes there.
// Records older than MaximumRecordAgeInSeconds (on the service clock) are described to OnFailure
// instead of being sent.
#include <spdlog/spdlog.h>

#include "emulator/clock.hpp"
#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "emulator/json_limits.hpp"
#include "services/lambda/backend.hpp"

namespace fogbank::lambda {

namespace {

AwsError invalid_stream_parameter(const std::string& message) {
    return AwsError("InvalidParameterValueException", message, 400);
}

int bounded(const json& in, const char* name, int lo, int hi, int fallback) {
    if (!in.contains(name)) return fallback;
    const json& v = in[name];
    if (!v.is_number_integer() || v.get<int64_t>() < lo || v.get<int64_t>() > hi)
        throw AwsError("ValidationException",
                       "1 validation error detected: Value '" + v.dump() + "' at '" + name +
                           "' failed to satisfy constraint: Member must have value between " +
                           std::to_string(lo) + " and " + std::to_string(hi),
                       400);
    return v.get<int>();
}

uint64_t seq_of(const json& record) {
    return std::stoull(record["dynamodb"]["SequenceNumber"].get<std::string>());
}

// What Lambda sends a stream mapping's OnFailure destination for records it gave up on.
json failed_batch_info(const json& m, const std::string& shard, const json& records,
                       const std::string& condition, int attempts,
                       const std::string& function_error) {
    json response = {{"statusCode", 200}};
    if (!function_error.empty()) response["functionError"] = function_error;
    return {{"requestContext",
             {{"requestId", random_uuid()},
              {"functionArn", m["FunctionArn"]},
              {"condition", condition},
              {"approximateInvokeCount", attempts}}},
            {"responseContext", response},
            {"version", "1.0"},
            {"timestamp", format_iso8601_ms(now_ms())},
            {"DDBStreamBatchInfo",
             {{"shardId", shard},
              {"startSequenceNumber", records.front()["dynamodb"]["SequenceNumber"]},
              {"endSequenceNumber", records.back()["dynamodb"]["SequenceNumber"]},
              {"approximateArrivalOfFirstRecord",
               records.front()["dynamodb"]["ApproximateCreationDateTime"]},
              {"approximateArrivalOfLastRecord",
               records.back()["dynamodb"]["ApproximateCreationDateTime"]},
              {"batchSize", records.size()},
              {"streamArn", m["EventSourceArn"]}}}};
}

// How many of `records` (oldest first) are older than the mapping's MaximumRecordAgeInSeconds.
size_t expired_prefix(const json& m, const json& records) {
    int max_age = m.value("MaximumRecordAgeInSeconds", -1);
    if (max_age < 0) return 0;
    const double now_s = static_cast<double>(now_epoch_ms()) / 1000.0;
    size_t n = 0;
    while (n < records.size() &&
           now_s - records[n]["dynamodb"]["ApproximateCreationDateTime"].get<double>() > max_age)
        ++n;
    return n;
}

}  // namespace

void Backend::send_failed_batch(const json& m, const json& info) {
    auto dest = m["DestinationConfig"].value("OnFailure", json::object()).value("Destination", "");
    if (dest.empty() || !hooks_.send_to_queue) return;
    try {
        hooks_.send_to_queue(dest, info.dump());
    } catch (const std::exception& e) {
        spdlog::warn("lambda: OnFailure destination {}: {}", dest, e.what());
    }
}

json Backend::stream_mapping_fields(const json& in, const std::string& source) {
    std::string start = in.value("StartingPosition", "");
    if (start.empty())
        throw invalid_stream_parameter(
            "1 validation error detected: Value null at 'startingPosition' failed to satisfy "
            "constraint: Member must not be null");
    if (start != "TRIM_HORIZON" && start != "LATEST")
        throw invalid_stream_parameter("Unsupported starting position for DynamoDB streams: " +
                                       start);
    std::optional<uint64_t> position =
        hooks_.stream_position ? hooks_.stream_position(source, start == "LATEST") : std::nullopt;
    if (!position) throw invalid_stream_parameter("Stream not found: " + source);
    json f = {
        {"StartingPosition", start},
        {"BatchSize", bounded(in, "BatchSize", 1, 10000, 100)},
        {"MaximumBatchingWindowInSeconds",
         bounded(in, "MaximumBatchingWindowInSeconds", 0, 300, 0)},
        {"MaximumRetryAttempts", bounded(in, "MaximumRetryAttempts", -1, 10000, -1)},
        {"MaximumRecordAgeInSeconds", bounded(in, "MaximumRecordAgeInSeconds", -1, 604800, -1)},
        {"BisectBatchOnFunctionError", in.value("BisectBatchOnFunctionError", false)},
        {"ParallelizationFactor", bounded(in, "ParallelizationFactor", 1, 10, 1)},
        {"DestinationConfig", in.value("DestinationConfig", json{{"OnFailure", json::object()}})},
        {"LastProcessingResult", "No records processed"},
        {"position", *position}};
    if (f["MaximumRecordAgeInSeconds"] != -1 && f["MaximumRecordAgeInSeconds"].get<int>() < 60)
        throw invalid_stream_parameter("MaximumRecordAgeInSeconds must be -1 or at least 60");
    auto dest = f["DestinationConfig"].value("OnFailure", json::object()).value("Destination", "");
    if (!dest.empty() && dest.rfind("arn:aws:sqs:", 0) != 0)
        throw invalid_stream_parameter("fogbank sends failed stream batches to SQS queues only: " +
                                       dest);
    return f;
}

Response Backend::create_stream_mapping(Call& c, const std::string& source) {
    const json& in = c.body;
    json m = stream_mapping_fields(in, source);
    json types = response_types(in);
    check_filter_criteria(in);
    bool enabled = in.value("Enabled", true);
    {
        std::lock_guard lock(mu_);
        c.params["FunctionName"] = required_function_name(in);
        auto fn = require(c);
        std::string function_arn = fn->config["FunctionArn"];
        for (auto& [uuid, existing] : mappings_)
            if (existing["EventSourceArn"] == source && existing["FunctionArn"] == function_arn)
                throw AwsError("ResourceConflictException",
                               "The event source arn (\" " + source + " \") and function (\" " +
                                   fn->name +
                                   " \") provided mapping already exists. Please "
                                   "update or delete the existing mapping with UUID " +
                                   uuid,
                               409);
        m.update(json{{"UUID", random_uuid()},
                      {"EventSourceArn", source},
                      {"FunctionArn", function_arn},
                      {"LastModified", static_cast<double>(now_epoch_ms()) / 1000.0},
                      {"State", enabled ? "Enabled" : "Disabled"},
                      {"StateTransitionReason", "User action"},
                      {"FunctionResponseTypes", types},
                      {"Enabled", enabled},
                      {"account", c.account()},
                      {"region", c.region()}});
        if (in.contains("FilterCriteria")) m["FilterCriteria"] = in["FilterCriteria"];
        mappings_[m["UUID"]] = m;
        save_mapping(m);
    }
    if (enabled) schedule_poll(m["UUID"], std::chrono::milliseconds(0));
    json shown = m;
    for (auto* f : {"account", "region", "Enabled", "position"})
        shown.erase(f);
    shown["State"] = "Creating";
    return rest_json::response(202, shown);
}

void Backend::poll_stream_mapping(const std::string& uuid, const json& m, int cap) {
    const std::string source = m["EventSourceArn"];
    std::optional<json> got;
    try {
        got = hooks_.read_stream(source, m["position"].get<uint64_t>(), cap);
    } catch (const std::exception& e) {
        spdlog::warn("lambda: stream {} cannot be read: {}", source, e.what());
    }
    if (!got) {
        schedule_poll(uuid, std::chrono::milliseconds(1000));  // stream gone or unreadable
        return;
    }
    json records = std::move((*got)["Records"]);
    const std::string shard = (*got)["ShardId"];
    auto window = std::chrono::seconds(m["MaximumBatchingWindowInSeconds"].get<int>());
    std::shared_ptr<const FunctionSpec> spec;
    {
        std::lock_guard lock(mu_);
        Poller& p = pollers_[uuid];
        if (records.empty()) {
            p.idle_polls = std::min(p.idle_polls + 1, 10);
            schedule_poll(uuid, std::chrono::milliseconds(20 * p.idle_polls));
            return;
        }
        // A short batch waits up to MaximumBatchingWindowInSeconds for more records.
        if (static_cast<int>(records.size()) < cap && window.count() > 0) {
            auto now = std::chrono::steady_clock::now();
            if (!p.window_open) {
                p.window_open = true;
                p.first_seen = now;
            }
            if (now - p.first_seen < window) {
                schedule_poll(uuid, std::chrono::milliseconds(20));
                return;
            }
        }
        p.window_open = false;
        // Records older than MaximumRecordAgeInSeconds are not sent: they go to OnFailure and
        // reading moves past them (a batch being retried ages out the same way).
        if (size_t expired = expired_prefix(m, records)) {
            json old(records.begin(), records.begin() + static_cast<std::ptrdiff_t>(expired));
            send_failed_batch(
                m, failed_batch_info(m, shard, old, "RecordAgeExceeded", p.attempts, ""));
            advance_stream_mapping(uuid, seq_of(old.back()) + 1, "PROBLEM: Record age exceeded");
            schedule_poll(uuid, std::chrono::milliseconds(0));
            return;
        }
        // Records the filters leave out are skipped; a batch of only those just moves on.
        json kept = json::array();
        for (auto& r : records)
            if (passes_filters(m, r)) kept.push_back(r);
        if (kept.empty()) {
            advance_stream_mapping(uuid, seq_of(records.back()) + 1, nullptr);
            schedule_poll(uuid, std::chrono::milliseconds(0));
            return;
        }
        records = std::move(kept);
        try {
            spec = spec_for(resolve(m["account"], m["region"], m["FunctionArn"], ""));
        } catch (const AwsError&) {
            schedule_poll(uuid, std::chrono::milliseconds(1000));
            return;
        }
        p.in_flight++;
        p.idle_polls = 0;
    }
    for (auto& r : records)
        r["eventSourceARN"] = source;
    sandboxes_.invoke(spec, json{{"Records", records}}.dump(), {},
                      [this, uuid, shard, records](const Invocation& inv) {
                          stream_batch_done(uuid, shard, records, inv);
                      });
}

void Backend::advance_stream_mapping(const std::string& uuid, uint64_t next, const char* result) {
    auto it = mappings_.find(uuid);
    if (it == mappings_.end()) return;  // deleted meanwhile: it stays deleted
    it->second["position"] = next;
    if (result) it->second["LastProcessingResult"] = result;
    save_mapping(it->second);
    Poller& p = pollers_[uuid];
    p.attempts = 0;
    p.batch_cap = 0;
}

void Backend::stream_batch_done(const std::string& uuid, const std::string& shard,
                                const json& records, const Invocation& inv) {
    std::lock_guard lock(mu_);
    auto it = mappings_.find(uuid);
    Poller& p = pollers_[uuid];
    p.in_flight--;
    if (it == mappings_.end()) return;
    json& m = it->second;
    uint64_t first = seq_of(records.front()), last = seq_of(records.back());
    // Where reading resumes: past the batch, or at the first record the function reported.
    std::optional<uint64_t> resume;
    bool failed = !inv.result.function_error.empty();
    if (!failed) {
        resume = last + 1;
        bool partial = false;
        for (auto& t : m.value("FunctionResponseTypes", json::array()))
            partial = partial || t == "ReportBatchItemFailures";
        auto out = partial ? parse_json(inv.result.payload) : json();
        if (out.is_object() && out["batchItemFailures"].is_array() &&
            !out["batchItemFailures"].empty()) {
            // The earliest failed record: everything before it is done.
            std::optional<uint64_t> earliest;
            for (auto& f : out["batchItemFailures"]) {
                std::string id = f.is_object() ? f.value("itemIdentifier", "") : "";
                for (auto& r : records)
                    if (r["dynamodb"]["SequenceNumber"] == id)
                        earliest = std::min(earliest.value_or(UINT64_MAX), seq_of(r));
            }
            if (!earliest) {
                failed = true;  // names no record of the batch: the whole batch failed
            } else if (*earliest > first) {
                resume = *earliest;  // progress: the rest is tried again at once
            } else {
                failed = true;
            }
        }
    }
    if (!failed || (resume && *resume > first)) {
        advance_stream_mapping(uuid, *resume, "OK");
    } else {
        p.attempts++;
        int max = m["MaximumRetryAttempts"].get<int>();
        if (max >= 0 && p.attempts > max) {
            // Out of retries: the batch's description goes to OnFailure, and reading moves on.
            send_failed_batch(m, failed_batch_info(m, shard, records, "RetryAttemptsExhausted",
                                                   p.attempts, inv.result.function_error));
            spdlog::info("lambda {}: stream batch {}..{} dropped after {} attempts", inv.spec->name,
                         first, last, p.attempts);
            advance_stream_mapping(uuid, last + 1, "PROBLEM: Function call failed");
        } else if (m["BisectBatchOnFunctionError"].get<bool>() && records.size() > 1) {
            p.batch_cap = static_cast<int>((records.size() + 1) / 2);
        }
    }
    schedule_poll(uuid, std::chrono::milliseconds(failed ? 100 : 0));
}

}  // namespace fogbank::lambda
