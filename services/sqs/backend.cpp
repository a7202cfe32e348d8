#include "services/sqs/backend.hpp"

#include "emulator/encoding.hpp"
#include "services/sqs/attributes.hpp"

namespace fogbank::sqs {

const std::string& required_string(const json& in, const char* name) {
    auto it = in.find(name);
    if (it == in.end() || !it->is_string())
        throw AwsError("MissingParameter",
                       std::string("The request must contain the parameter ") + name + ".", 400);
    return it->get_ref<const std::string&>();
}

std::optional<int> optional_int(const json& in, const char* name) {
    auto it = in.find(name);
    if (it == in.end() || it->is_null()) return std::nullopt;
    if (it->is_number_integer()) {
        auto v = it->get<int64_t>();
        if (v >= INT32_MIN && v <= INT32_MAX) return static_cast<int>(v);
    } else if (it->is_string()) {
        const auto& s = it->get_ref<const std::string&>();
        size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
        bool digits = s.size() > i && s.size() - i <= 9;
        for (size_t k = i; k < s.size() && digits; ++k)
            digits = s[k] >= '0' && s[k] <= '9';
        if (digits) return std::stoi(s);
    }
    throw invalid_parameter(it->is_string() ? it->get<std::string>() : it->dump(), name,
                            "must be an integer.");
}

AwsError queue_does_not_exist() {
    return AwsError("QueueDoesNotExist",
                    "The specified queue does not exist for this wsdl version.", 400);
}

AwsError invalid_parameter(const std::string& value, const std::string& param,
                           const std::string& reason) {
    return AwsError("InvalidParameterValue",
                    "Value " + value + " for parameter " + param + " is invalid. Reason: " + reason,
                    400);
}

Backend::Backend(const Config& cfg, Database& db) : cfg_(cfg), store_(db, !cfg.data_dir.empty()) {
    store_.load([this](Queue q) -> Queue& { return add_queue(std::move(q)); });
    next_id_ = store_.next_queue_id();
}

Backend::~Backend() = default;

const std::map<std::string, Backend::Handler>& Backend::handlers() {
    static const std::map<std::string, Handler> table = {
        {"CreateQueue", &Backend::create_queue},
        {"GetQueueUrl", &Backend::get_queue_url},
        {"ListQueues", &Backend::list_queues},
        {"DeleteQueue", &Backend::delete_queue},
        {"GetQueueAttributes", &Backend::get_queue_attributes},
        {"SetQueueAttributes", &Backend::set_queue_attributes},
        {"PurgeQueue", &Backend::purge_queue},
        {"TagQueue", &Backend::tag_queue},
        {"UntagQueue", &Backend::untag_queue},
        {"ListQueueTags", &Backend::list_queue_tags},
        {"ListDeadLetterSourceQueues", &Backend::list_dead_letter_source_queues},
        {"SendMessage", &Backend::send_message},
        {"SendMessageBatch", &Backend::send_message_batch},
        {"DeleteMessage", &Backend::delete_message},
        {"DeleteMessageBatch", &Backend::delete_message_batch},
        {"ChangeMessageVisibility", &Backend::change_message_visibility},
        {"ChangeMessageVisibilityBatch", &Backend::change_message_visibility_batch},
        {"AddPermission", &Backend::add_permission},
        {"RemovePermission", &Backend::remove_permission},
        {"StartMessageMoveTask", &Backend::start_message_move_task},
        {"ListMessageMoveTasks", &Backend::list_message_move_tasks},
        {"CancelMessageMoveTask", &Backend::cancel_message_move_task},
    };
    return table;
}

bool Backend::knows(const std::string& op) const {
    return op == "ReceiveMessage" || handlers().count(op) > 0;
}

json Backend::call(const std::string& op, const Caller& caller, const json& in) {
    auto it = handlers().find(op);
    if (it == handlers().end())
        throw AwsError("InvalidAction", "The action " + op + " is not valid for this endpoint.",
                       400);
    std::lock_guard lock(mu_);
    // Handlers check all their input before changing anything, so a rollback here never
    // leaves memory ahead of the database.
    Store::Batch batch(store_);
    json out = (this->*(it->second))(caller, in);
    batch.commit();
    return out;
}

void Backend::reset() {
    std::lock_guard lock(mu_);
    for (auto& [_, q] : queues_) {
        q->deleted = true;
        q->waiting.wake_all();
    }
    queues_.clear();
    by_id_.clear();
    deleted_at_.clear();
    tasks_.clear();
    store_.wipe();
    next_id_ = 1;
}

Queue& Backend::add_queue(Queue q) {
    auto p = std::make_shared<Queue>(std::move(q));
    queues_[{p->account, p->region, p->name}] = p;
    by_id_[p->id] = p;
    return *p;
}

std::string Backend::queue_url(const Caller& caller, const Queue& q) const {
    return caller.endpoint + "/" + q.account + "/" + q.name;
}

std::shared_ptr<Queue> Backend::queue_by_url(const Caller& caller, const json& in) {
    const std::string& url = required_string(in, "QueueUrl");
    auto missing = [] { return queue_does_not_exist(); };
    // A bare queue name, as SQS accepts one: the caller's own queue of that name.
    if (!url.empty() && url.find('/') == std::string::npos && url.find(':') == std::string::npos) {
        auto it = queues_.find({caller.account, caller.region, url});
        if (it == queues_.end()) throw missing();
        return it->second;
    }
    // http(s)://host[:port]/account/name, or just /account/name.
    std::string_view path = url;
    if (auto scheme = path.find("://"); scheme != std::string_view::npos) {
        auto slash = path.find('/', scheme + 3);
        path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
    }
    auto invalid = [&] {
        return AwsError("InvalidAddress", "The address " + url + " is not valid for this endpoint.",
                        404);
    };
    if (path.size() < 2 || path[0] != '/') throw invalid();
    path.remove_prefix(1);
    auto slash = path.find('/');
    if (slash == std::string_view::npos || slash == 0) throw invalid();
    std::string account(path.substr(0, slash));
    std::string name(path.substr(slash + 1));
    if (name.empty() || name.find('/') != std::string::npos) throw invalid();
    auto it = queues_.find({account, caller.region, name});
    if (it == queues_.end()) throw missing();
    return it->second;
}

namespace {

// arn:aws:sqs:region:account:name as the caller that owns it and the queue's URL path.
std::optional<std::pair<Caller, std::string>> queue_of_arn(const std::string& arn) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (;;) {
        auto colon = arn.find(':', start);
        parts.push_back(arn.substr(start, colon == std::string::npos ? colon : colon - start));
        if (colon == std::string::npos) break;
        start = colon + 1;
    }
    if (parts.size() != 6 || parts[2] != "sqs") return std::nullopt;
    return std::make_pair(Caller{parts[4], parts[3], ""}, "/" + parts[4] + "/" + parts[5]);
}

}  // namespace

void send_to_arn(Backend& backend, const std::string& queue_arn, const std::string& body) {
    auto q = queue_of_arn(queue_arn);
    if (!q) throw AwsError("InvalidAddress", "Not a queue ARN: " + queue_arn, 400);
    backend.call("SendMessage", q->first, {{"QueueUrl", q->second}, {"MessageBody", body}});
}

std::optional<int> queue_visibility_timeout(Backend& backend, const std::string& queue_arn) {
    auto q = queue_of_arn(queue_arn);
    if (!q) return std::nullopt;
    try {
        json a = backend.call(
            "GetQueueAttributes", q->first,
            {{"QueueUrl", q->second}, {"AttributeNames", json::array({"VisibilityTimeout"})}});
        return std::stoi(a.at("Attributes").at("VisibilityTimeout").get<std::string>());
    } catch (const AwsError&) {
        return std::nullopt;
    }
}

bool queue_exists(Backend& backend, const std::string& queue_arn) {
    return queue_visibility_timeout(backend, queue_arn).has_value();
}

json receive_from_arn(Backend& backend, const std::string& queue_arn, int max) {
    auto q = queue_of_arn(queue_arn);
    if (!q) throw AwsError("InvalidAddress", "Not a queue ARN: " + queue_arn, 400);
    auto r = backend.prepare_receive(q->first, {{"QueueUrl", q->second},
                                                {"MaxNumberOfMessages", max},
                                                {"WaitTimeSeconds", 0},
                                                {"MessageSystemAttributeNames", {"All"}},
                                                {"MessageAttributeNames", {"All"}}});
    SteadyTime recheck{};
    return backend.receive(r, nullptr, true, recheck).value_or(json::object());
}

void delete_from_arn(Backend& backend, const std::string& queue_arn,
                     const std::string& receipt_handle) {
    auto q = queue_of_arn(queue_arn);
    if (!q) throw AwsError("InvalidAddress", "Not a queue ARN: " + queue_arn, 400);
    backend.call("DeleteMessage", q->first,
                 {{"QueueUrl", q->second}, {"ReceiptHandle", receipt_handle}});
}

std::shared_ptr<Queue> Backend::queue_by_arn(const std::string& arn) {
    // arn:aws:sqs:region:account:name
    std::vector<std::string> parts;
    size_t start = 0;
    for (int i = 0; i < 5; ++i) {
        auto colon = arn.find(':', start);
        if (colon == std::string::npos) return nullptr;
        parts.push_back(arn.substr(start, colon - start));
        start = colon + 1;
    }
    if (parts[0] != "arn" || parts[2] != "sqs") return nullptr;
    auto it = queues_.find({parts[4], parts[3], arn.substr(start)});
    return it == queues_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<Queue>> Backend::dead_letter_sources(const Queue& dlq) {
    std::vector<std::shared_ptr<Queue>> out;
    const std::string arn = dlq.arn();
    for (auto& [_, q] : queues_) {
        auto it = q->attributes.find("RedrivePolicy");
        if (it == q->attributes.end() || it->second.empty()) continue;
        if (parse_redrive_policy(it->second).dead_letter_target_arn == arn) out.push_back(q);
    }
    return out;
}

}  // namespace fogbank::sqs
