// Asynchronous invocation as AWS runs it: the event is stored (so an acknowledged 202 survives
// a restart with --data-dir), invoked, retried twice after a failure with growing back-off (as
// PutFunctionEventInvokeConfig's MaximumRetryAttempts and MaximumEventAgeInSeconds allow), and
// its outcome sent to the OnSuccess/OnFailure destination (an SQS queue or another function) or,
// failing that, to the function's dead-letter queue.
#include <spdlog/spdlog.h>

#include "emulator/crypto.hpp"
#include "emulator/encoding.hpp"
#include "emulator/json_limits.hpp"
#include "services/lambda/backend.hpp"

namespace fogbank::lambda {

namespace {

int64_t wall_ms() {
    return now_ms().time_since_epoch().count();
}

json as_json(const std::string& text) {
    auto j = fogbank::parse_json(text);
    return j.is_discarded() ? json(text) : j;
}

}  // namespace

std::string Backend::enqueue_event(const Resolved& r, const std::string& payload) {
    json record = {{"id", random_uuid()},
                   {"account", r.fn->account},
                   {"region", r.fn->region},
                   {"function", r.fn->name},
                   {"qualifier", r.qualifier},
                   {"payload", payload.empty() ? "{}" : payload},
                   {"attempts", 0},
                   {"first_ms", wall_ms()}};
    {
        std::lock_guard dblock(db_.mutex());
        db_.prepare("INSERT INTO lambda_async (id, doc) VALUES (?, ?)")
            .bind_all(record["id"].get<std::string>(), record.dump())
            .run();
    }
    // Started from the scheduler thread: never under mu_, never on the I/O thread.
    delayed_.after(std::chrono::milliseconds(0), [this, record] { run_event(record); });
    return record["id"];
}

bool Backend::exists(const std::string& function_arn) {
    std::lock_guard lock(mu_);
    try {
        resolve("", "", function_arn, "");
        return true;
    } catch (const AwsError&) {
        return false;
    }
}

void Backend::invoke_event(const std::string& function_arn, const std::string& payload) {
    std::lock_guard lock(mu_);
    enqueue_event(resolve("", "", function_arn, ""), payload);
}

void Backend::run_event(json record) {
    std::shared_ptr<const FunctionSpec> spec;
    std::string version;
    try {
        std::lock_guard lock(mu_);
        Resolved r =
            resolve(record["account"], record["region"], record["function"], record["qualifier"]);
        spec = spec_for(r);
        version = r.version;
    } catch (const AwsError& e) {
        // The function was deleted while its event waited: AWS drops such events.
        spdlog::warn("lambda: async event {} dropped: {}", record["id"].get<std::string>(),
                     e.what());
        forget_event(record["id"]);
        return;
    }
    record["version"] = version;
    record["function_arn"] = spec->arn + ":" + version;
    sandboxes_.invoke(
        spec, record["payload"], {},
        [this, record](const Invocation& inv) mutable { event_done(record, inv); }, record["id"]);
}

void Backend::event_done(json record, const Invocation& inv) {
    record["attempts"] = record["attempts"].get<int>() + 1;
    int attempts = record["attempts"];
    json settings;
    json dead_letter;
    {
        std::lock_guard lock(mu_);
        auto it = functions_.find({record["account"], record["region"], record["function"]});
        if (it != functions_.end()) {
            settings = it->second->event_invoke;
            dead_letter = it->second->config.value("DeadLetterConfig", json());
        }
    }
    if (settings.is_null()) settings = json::object();
    bool failed = !inv.result.function_error.empty();
    int max_retries = settings.value("MaximumRetryAttempts", 2);
    int64_t max_age_ms = settings.value("MaximumEventAgeInSeconds", 21600) * 1000LL;
    int64_t age = wall_ms() - record["first_ms"].get<int64_t>();

    if (failed && attempts <= max_retries) {
        auto delay =
            std::chrono::milliseconds(int64_t{cfg_.lambda_retry_delay_ms} << (attempts - 1));
        if (age + delay.count() <= max_age_ms) {
            spdlog::info("lambda {}: async invocation {} failed ({}), retry {} in {} ms",
                         record["function"].get<std::string>(), record["id"].get<std::string>(),
                         inv.result.error_type, attempts, delay.count());
            {
                std::lock_guard dblock(db_.mutex());
                db_.prepare("UPDATE lambda_async SET doc=? WHERE id=?")
                    .bind_all(record.dump(), record["id"].get<std::string>())
                    .run();
            }
            delayed_.after(delay, [this, record] { run_event(record); });
            return;
        }
    }
    forget_event(record["id"]);

    std::string condition = !failed                   ? "Success"
                            : attempts <= max_retries ? "EventAgeExceeded"
                                                      : "RetriesExhausted";
    json destinations = settings.value("DestinationConfig", json::object());
    std::string target = destinations.value(failed ? "OnFailure" : "OnSuccess", json::object())
                             .value("Destination", "");
    json response_context = {{"statusCode", 200}, {"executedVersion", record["version"]}};
    if (failed) response_context["functionError"] = inv.result.function_error;
    json message = {{"version", "1.0"},
                    {"timestamp", format_iso8601_ms(now_ms())},
                    {"requestContext",
                     {{"requestId", record["id"]},
                      {"functionArn", record["function_arn"]},
                      {"condition", condition},
                      {"approximateInvokeCount", attempts}}},
                    {"requestPayload", as_json(record["payload"])},
                    {"responseContext", response_context},
                    {"responsePayload", as_json(inv.result.payload)}};
    std::string body = message.dump();
    if (target.empty() && failed && dead_letter.is_object()) {
        // A dead-letter queue gets the event itself, not a destination record.
        target = dead_letter.value("TargetArn", "");
        body = record["payload"];
    }
    if (target.empty()) return;
    try {
        deliver(record["account"], record["region"], target, body);
    } catch (const std::exception& e) {
        spdlog::warn("lambda {}: cannot deliver to {}: {}", record["function"].get<std::string>(),
                     target, e.what());
    }
}

void Backend::deliver(const std::string& account, const std::string& region,
                      const std::string& target_arn, const std::string& body) {
    if (target_arn.rfind("arn:aws:sqs:", 0) == 0) {
        if (!hooks_.send_to_queue) throw std::runtime_error("SQS is not served");
        hooks_.send_to_queue(target_arn, body);
        return;
    }
    if (target_arn.find(":function:") != std::string::npos) {
        std::lock_guard lock(mu_);
        Resolved r = resolve(account, region, target_arn, "");
        enqueue_event(r, body);
        return;
    }
    throw std::runtime_error("unsupported destination " + target_arn);
}

void Backend::forget_event(const std::string& id) {
    std::lock_guard dblock(db_.mutex());
    db_.prepare("DELETE FROM lambda_async WHERE id=?").bind_all(id).run();
}

void Backend::replay_events() {
    std::vector<json> pending;
    {
        std::lock_guard dblock(db_.mutex());
        auto s = db_.prepare("SELECT doc FROM lambda_async");
        while (s.step())
            pending.push_back(json::parse(s.text(0)));
    }
    for (auto& record : pending)
        delayed_.after(std::chrono::milliseconds(0), [this, record] { run_event(record); });
}

}  // namespace fogbank::lambda
