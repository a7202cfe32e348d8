// SQS itself, independent of the wire: each operation takes its input and returns its output in
// the shapes of the JSON protocol (the query codec translates both ways). One lock guards every
// queue; operations are microseconds of in-memory work plus, with --data-dir, one SQLite
// transaction.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "emulator/aws_error.hpp"
#include "emulator/config.hpp"
#include "emulator/database.hpp"
#include "emulator/long_poll.hpp"
#include "emulator/scheduler.hpp"
#include "services/sqs/queue.hpp"
#include "services/sqs/store.hpp"

namespace fogbank::sqs {

using json = nlohmann::json;

// Who asks, and where queue URLs should point back to.
struct Caller {
    std::string account;
    std::string region;
    std::string endpoint;  // "http://host:port", from the request's Host header
};

// ReceiveMessage's input, checked once and kept for every attempt of a long poll.
struct ReceiveRequest {
    std::shared_ptr<Queue> queue;
    int max_messages = 1;
    std::optional<int> visibility_timeout;
    int wait_seconds = 0;
    std::vector<std::string> system_attributes;   // names asked for ("All" expanded later)
    std::vector<std::string> message_attributes;  // names or "prefix.*" or "All"
    std::string attempt_id;                       // FIFO ReceiveRequestAttemptId
};

struct MoveTask {
    std::string handle;
    std::string source_arn;
    std::string destination_arn;  // empty: back to each message's source queue
    std::optional<int> max_per_second;
    std::string status = "RUNNING";  // RUNNING, COMPLETED, CANCELLED, FAILED
    std::string failure_reason;
    int64_t moved = 0;
    int64_t to_move = 0;
    Millis started = 0;
    double budget = 0;  // messages the rate limit allows to move now
};

class Backend {
  public:
    Backend(const Config& cfg, Database& db);
    ~Backend();

    // Runs an operation; throws AwsError. ReceiveMessage goes through receive() instead.
    json call(const std::string& op, const Caller& caller, const json& in);
    bool knows(const std::string& op) const;

    ReceiveRequest prepare_receive(const Caller& caller, const json& in);
    // One attempt at a receive: messages, or nullopt after registering `waker` (if any) on the
    // queue, with `recheck` lowered to when a message becomes visible by itself. With `last`
    // it always answers.
    std::optional<json> receive(const ReceiveRequest& r, const std::shared_ptr<Waker>& waker,
                                bool last, SteadyTime& recheck);

    // fogbank's own: up to `max` of a queue's messages in order of arrival, whatever their
    // state (visible, in flight, delayed), read without receiving them: no receive count,
    // visibility or receipt changes. Not an SQS operation; the console's peek.
    json peek(const Caller& caller, const json& in, size_t max);

    void reset();

  private:
    using Handler = json (Backend::*)(const Caller&, const json&);
    static const std::map<std::string, Handler>& handlers();

    // queues.cpp
    json create_queue(const Caller&, const json&);
    json get_queue_url(const Caller&, const json&);
    json list_queues(const Caller&, const json&);
    json delete_queue(const Caller&, const json&);
    json get_queue_attributes(const Caller&, const json&);
    json set_queue_attributes(const Caller&, const json&);
    json purge_queue(const Caller&, const json&);
    json tag_queue(const Caller&, const json&);
    json untag_queue(const Caller&, const json&);
    json list_queue_tags(const Caller&, const json&);
    json list_dead_letter_source_queues(const Caller&, const json&);
    json add_permission(const Caller&, const json&);
    json remove_permission(const Caller&, const json&);
    void check_redrive(const Queue& source, const std::string& policy_json);
    // messages.cpp
    json send_message(const Caller&, const json&);
    json send_message_batch(const Caller&, const json&);
    json delete_message(const Caller&, const json&);
    json delete_message_batch(const Caller&, const json&);
    json send_one(Queue& q, const Caller& caller, const json& in, Millis now);
    void delete_one(Queue& q, const std::string& receipt_handle);
    // visibility.cpp
    json change_message_visibility(const Caller&, const json&);
    json change_message_visibility_batch(const Caller&, const json&);
    void change_one(Queue& q, const std::string& receipt_handle, const json& timeout, Millis now);
    std::vector<Message*> take_standard(Queue& q, int max, Millis now);
    std::vector<Message*> take_fifo(Queue& q, int max, Millis now);
    bool move_if_exhausted(Queue& q, Message& m, Millis now);
    // Drops a message past its retention and moves one past maxReceiveCount; says whether the
    // message is still there to deliver.
    bool deliverable(Queue& q, Message& m, Millis now, Millis retention);
    std::optional<std::vector<Message*>> retried_attempt(Queue& q, const std::string& id,
                                                         Millis now);
    json message_json(const Queue& q, const Message& m, const ReceiveRequest& r) const;
    // move_tasks.cpp
    json start_message_move_task(const Caller&, const json&);
    json list_message_move_tasks(const Caller&, const json&);
    json cancel_message_move_task(const Caller&, const json&);
    // Under mu_: a tick on the scheduler every 100 ms while a task runs.
    void start_move_ticks();
    void move_tick();
    void move_step(MoveTask& t, Millis now, double seconds);

    // Lookup, under mu_.
    std::shared_ptr<Queue> queue_by_url(const Caller& caller, const json& in);
    std::shared_ptr<Queue> queue_by_arn(const std::string& arn);
    std::string queue_url(const Caller& caller, const Queue& q) const;
    Queue& add_queue(Queue q);
    std::vector<std::shared_ptr<Queue>> dead_letter_sources(const Queue& dlq);

    const Config& cfg_;
    Store store_;
    std::mutex mu_;
    using Key = std::tuple<std::string, std::string, std::string>;  // account, region, name
    std::map<Key, std::shared_ptr<Queue>> queues_;
    std::map<int64_t, std::shared_ptr<Queue>> by_id_;
    std::map<Key, Millis> deleted_at_;
    int64_t next_id_ = 1;
    std::vector<MoveTask> tasks_;

    // Moves messages for running move tasks, at their rate, ten times a second.
    bool ticking_ = false;
    std::chrono::steady_clock::time_point last_tick_;
    // Last: its thread is joined before the queues it moves messages between go.
    Scheduler background_{"sqs"};
};

// Sends `body` to the queue an ARN names (arn:aws:sqs:region:account:name), as the queue's
// owner: how S3 notifications and Lambda destinations reach SQS. Throws AwsError.
void send_to_arn(Backend& backend, const std::string& queue_arn, const std::string& body);
bool queue_exists(Backend& backend, const std::string& queue_arn);
// The queue's VisibilityTimeout in seconds; nothing when there is no such queue.
std::optional<int> queue_visibility_timeout(Backend& backend, const std::string& queue_arn);
// What a Lambda event source mapping polls with: up to `max` (1..10) messages with every
// attribute, without waiting, and deletes by receipt handle. Throw AwsError (the queue is gone).
json receive_from_arn(Backend& backend, const std::string& queue_arn, int max);
void delete_from_arn(Backend& backend, const std::string& queue_arn,
                     const std::string& receipt_handle);

// Receipt handles name the queue, the message and the receive they came from.
std::string receipt_handle(const Queue& q, const Message& m);
struct Receipt {
    uint64_t seq;
    uint64_t nonce;
};
// ReceiptHandleIsInvalid unless the handle is well-formed and belongs to this queue.
Receipt parse_receipt(const Queue& q, const std::string& handle);

// Checks a batch's Entries: present, at most 10, ids well-formed and distinct.
const json& batch_entries(const json& in, const char* entry_name);
json failed_entry(const std::string& id, const AwsError& e);
// The query protocol's name for an error (clients of the JSON protocol get it in the
// x-amzn-query-error header).
std::string query_error_code(const std::string& code);

std::string new_message_id();
// A FIFO SequenceNumber: the message's arrival number, as the 20 digits AWS shows.
std::string fmt_sequence(uint64_t seq);

// InvalidParameterValue as SQS words it: "Value V for parameter P is invalid. Reason: R".
AwsError invalid_parameter(const std::string& value, const std::string& param,
                           const std::string& reason);

// QueueDoesNotExist (NonExistentQueue on the query protocol), in SQS's words.
AwsError queue_does_not_exist();

// Helpers for handlers: required and optional inputs that come as JSON values from the JSON
// protocol and as strings from the query protocol.
const std::string& required_string(const json& in, const char* name);
std::optional<int> optional_int(const json& in, const char* name);

}  // namespace fogbank::sqs
