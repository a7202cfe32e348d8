// Queue attributes: which exist, their defaults, the values AWS accepts, and the canonical form
// GetQueueAttributes returns them in.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace fogbank::sqs {

// Transparent: looked up by literal names on every send and receive.
using AttributeMap = std::map<std::string, std::string, std::less<>>;

AttributeMap default_attributes(bool fifo);

// Checks every attribute in `given` for a queue of this kind, at CreateQueue (`creating`) or
// SetQueueAttributes, and returns them in canonical form. Unknown names, FIFO-only names on a
// standard queue and FifoQueue after creation are InvalidAttributeName; bad values
// InvalidAttributeValue. RedrivePolicy's target is checked by the caller, which knows the
// queues.
AttributeMap validate_attributes(const AttributeMap& given, bool fifo, bool creating);

// Names GetQueueAttributes answers to, beyond the settable ones.
bool is_queue_attribute_name(const std::string& name);

struct RedrivePolicy {
    std::string dead_letter_target_arn;
    int max_receive_count = 0;
};
// From the canonical JSON string.
RedrivePolicy parse_redrive_policy(const std::string& json);

struct RedriveAllowPolicy {
    std::string permission = "allowAll";  // allowAll, denyAll, byQueue
    std::vector<std::string> source_queue_arns;
};
RedriveAllowPolicy parse_redrive_allow_policy(const std::string& json);

}  // namespace fogbank::sqs
