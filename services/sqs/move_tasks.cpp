// Dead-letter queue redrive: StartMessageMoveTask, ListMessageMoveTasks, CancelMessageMoveTask,
// and the scheduled tick that moves messages at the task's rate.
#include <algorithm>

#include "emulator/encoding.hpp"
#include "services/sqs/backend.hpp"

namespace fogbank::sqs {

namespace {

AwsError no_such_resource(const char* param) {
    return AwsError("ResourceNotFoundException",
                    std::string("The resource that you specified for the ") + param +
                        " parameter doesn't exist.",
                    404);
}

}  // namespace

json Backend::start_message_move_task(const Caller&, const json& in) {
    const std::string& source_arn = required_string(in, "SourceArn");
    auto source = queue_by_arn(source_arn);
    if (!source) throw no_such_resource("SourceArn");
    if (dead_letter_sources(*source).empty())
        throw AwsError("InvalidParameterValue",
                       "Source queue must be configured as a Dead Letter Queue.", 400);
    std::string dest_arn;
    if (auto it = in.find("DestinationArn"); it != in.end() && it->is_string()) {
        dest_arn = it->get<std::string>();
        if (!queue_by_arn(dest_arn)) throw no_such_resource("DestinationArn");
    }
    auto rate = optional_int(in, "MaxNumberOfMessagesPerSecond");
    if (rate && (*rate < 1 || *rate > 500))
        throw invalid_parameter(std::to_string(*rate), "MaxNumberOfMessagesPerSecond",
                                ""
                                "Must be between 1 and 500.");
    for (auto& t : tasks_)
        if (t.source_arn == source_arn && t.status == "RUNNING")
            throw AwsError("UnsupportedOperation",
                           "There is already a task running. Only one active task is allowed "
                           "for a source queue arn at a given time.",
                           400);
    MoveTask t;
    t.handle = base64_encode(json{{"taskId", new_message_id()}, {"sourceArn", source_arn}}.dump());
    t.source_arn = source_arn;
    t.destination_arn = dest_arn;
    t.max_per_second = rate;
    t.to_move = static_cast<int64_t>(source->messages().size());
    t.started = now_epoch_ms();
    tasks_.push_back(t);
    start_move_ticks();
    return {{"TaskHandle", t.handle}};
}

json Backend::list_message_move_tasks(const Caller&, const json& in) {
    const std::string& source_arn = required_string(in, "SourceArn");
    if (!queue_by_arn(source_arn)) throw no_such_resource("SourceArn");
    auto max = optional_int(in, "MaxResults").value_or(1);
    if (max < 1 || max > 10)
        throw invalid_parameter(std::to_string(max), "MaxResults",
                                "Must be between 1 and "
                                "10.");
    json results = json::array();
    for (auto it = tasks_.rbegin(); it != tasks_.rend() && static_cast<int>(results.size()) < max;
         ++it) {
        if (it->source_arn != source_arn) continue;
        json r{{"Status", it->status},
               {"SourceArn", it->source_arn},
               {"ApproximateNumberOfMessagesMoved", it->moved},
               {"ApproximateNumberOfMessagesToMove", it->to_move},
               {"StartedTimestamp", it->started}};
        if (it->status == "RUNNING") r["TaskHandle"] = it->handle;
        if (!it->destination_arn.empty()) r["DestinationArn"] = it->destination_arn;
        if (it->max_per_second) r["MaxNumberOfMessagesPerSecond"] = *it->max_per_second;
        if (!it->failure_reason.empty()) r["FailureReason"] = it->failure_reason;
        results.push_back(std::move(r));
    }
    return {{"Results", std::move(results)}};
}

json Backend::cancel_message_move_task(const Caller&, const json& in) {
    const std::string& handle = required_string(in, "TaskHandle");
    for (auto& t : tasks_) {
        if (t.handle != handle) continue;
        if (t.status != "RUNNING")
            throw AwsError("ResourceNotFoundException", "The task is not running.", 404);
        t.status = "CANCELLED";
        return {{"ApproximateNumberOfMessagesMoved", t.moved}};
    }
    throw AwsError("ResourceNotFoundException", "Task does not exist.", 404);
}

void Backend::move_step(MoveTask& t, Millis now, double seconds) {
    auto source = queue_by_arn(t.source_arn);
    if (!source) {
        t.status = "FAILED";
        t.failure_reason = "AWS.SimpleQueueService.NonExistentQueue";
        return;
    }
    double allowance = 1e18;
    if (t.max_per_second) {
        t.budget = std::min<double>(t.budget + *t.max_per_second * seconds, *t.max_per_second);
        allowance = t.budget;
    }
    // Messages in flight stay where they are; the task ends when nothing else is left.
    std::vector<uint64_t> ready;
    for (auto& [seq, m] : source->messages())
        if (!m.in_flight(now)) ready.push_back(seq);
    for (uint64_t seq : ready) {
        if (allowance < 1) return;
        Message* m = source->find(seq);
        const std::string& dest_arn =
            t.destination_arn.empty() ? m->dlq_source_arn : t.destination_arn;
        auto dest = queue_by_arn(dest_arn);
        if (!dest) {
            t.status = "FAILED";
            t.failure_reason = "AWS.SimpleQueueService.NonExistentQueue";
            return;
        }
        Message moved = *m;
        moved.receive_count = 0;
        moved.first_receive = 0;
        moved.receipt = 0;
        moved.visible_at = now;
        moved.dlq_source_arn.clear();
        if (dest->fifo) moved.retain_from = now;
        source->erase(seq);
        dest->enqueue(std::move(moved));
        ++t.moved;
        allowance -= 1;
        if (t.max_per_second) t.budget -= 1;
    }
    t.status = "COMPLETED";
}

void Backend::start_move_ticks() {
    if (ticking_) return;
    ticking_ = true;
    last_tick_ = std::chrono::steady_clock::now();
    background_.after(std::chrono::milliseconds(100), [this] { move_tick(); });
}

void Backend::move_tick() {
    std::lock_guard lock(mu_);
    auto now = std::chrono::steady_clock::now();
    double seconds = std::chrono::duration<double>(now - last_tick_).count();
    last_tick_ = now;
    try {
        Store::Batch batch(store_);
        for (auto& t : tasks_)
            if (t.status == "RUNNING") move_step(t, now_epoch_ms(), seconds);
        batch.commit();
    } catch (const std::exception&) {
        // A failed commit leaves the tasks to retry on the next tick.
    }
    ticking_ = std::any_of(tasks_.begin(), tasks_.end(),
                           [](const MoveTask& t) { return t.status == "RUNNING"; });
    if (ticking_) background_.after(std::chrono::milliseconds(100), [this] { move_tick(); });
}

}  // namespace fogbank::sqs
