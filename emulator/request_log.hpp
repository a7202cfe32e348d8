// The requests fogbank answered, newest last, for the web console's live log: a bounded ring
// of small records, the newest of which also keep the start of their request and response
// bodies. Recording copies at most a few KiB per request and takes one short lock; secrets are
// masked when a record is read, not when it is written, so the hot path does no scanning.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "emulator/long_poll.hpp"

namespace fogbank {

struct RequestRecord {
    uint64_t id = 0;  // set by the log: 1, 2, ...
    int64_t time_ms = 0;
    std::string service, operation, account, region, method, target, request_id;
    int status = 0;
    double latency_ms = 0;
    // Kept for the newest records only; empty for the rest.
    std::string request_headers, request_body, response_body;
    uint64_t request_size = 0, response_size = 0;
};

class RequestLog {
  public:
    struct Limits {
        size_t records = 2000;          // records kept in all
        size_t with_bodies = 100;       // the newest of them keep their bodies
        size_t body_bytes = 16 * 1024;  // per body
    };
    RequestLog() : RequestLog(Limits{}) {}
    explicit RequestLog(Limits limits) : limits_(limits) {}

    const Limits& limits() const { return limits_; }
    // Appends, numbering the record, and wakes whoever waits for new records. Thread-safe.
    void add(RequestRecord r);
    // Up to `limit` records after id `after`, oldest first, as the console lists them (no
    // bodies). Adds `waker` to the waiters when there are none yet and waker is set.
    nlohmann::json after(uint64_t after, size_t limit, const std::shared_ptr<Waker>& waker = {});
    // One record with its (masked) headers and bodies; null when it has left the ring.
    nlohmann::json detail(uint64_t id) const;
    uint64_t last_id() const;
    void clear();

  private:
    static nlohmann::json summary(const RequestRecord& r);

    Limits limits_;
    mutable std::mutex mu_;
    std::deque<RequestRecord> records_;
    uint64_t next_id_ = 1;
    WaitList waiting_;
};

// Masks what must not show in a console: the values of credentials, tokens, passwords and
// private keys in JSON, XML and form bodies, and signatures in Authorization headers and
// presigned query strings. Conservative: it masks any value under a known name.
std::string mask_secrets(std::string_view text);

}  // namespace fogbank
