// The requests fogbank answered, newest last, for the web console's live log: a bounded ring
// of small records, the newest of which also keep their headers and the start of their
// bodies. Every request is recorded, so recording is cheap: one short lock, and copies into
// slots that are reused (their strings keep their capacity), so a steady load allocates
// nothing. Secrets are masked when a record is read, not when it is written.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/long_poll.hpp"

namespace fogbank {

// One exchange as the server hands it over; the log copies what it keeps.
struct RequestView {
    int64_t time_ms = 0;
    std::string_view service, operation, account, region, method, target, request_id;
    int status = 0;
    double latency_ms = 0;
    uint64_t request_size = 0, response_size = 0;
    // The bodies as far as they are in memory (empty when spooled or streamed from a file).
    std::string_view request_body, response_body;
    // Appends the request's header lines ("Name: value\n") to its argument.
    std::function<void(std::string&)> write_headers;
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
    void add(const RequestView& r);
    // Up to `limit` records after id `after`, oldest first, as the console lists them (no
    // bodies). Adds `waker` to the waiters when there are none yet and waker is set.
    nlohmann::json after(uint64_t after, size_t limit, const std::shared_ptr<Waker>& waker = {});
    // One record with its (masked) headers and bodies; null when it has left the ring.
    nlohmann::json detail(uint64_t id) const;
    uint64_t last_id() const;
    void clear();

  private:
    struct Record {
        uint64_t id = 0;
        int64_t time_ms = 0;
        std::string service, operation, account, region, method, target, request_id;
        int status = 0;
        double latency_ms = 0;
        uint64_t request_size = 0, response_size = 0;
    };
    struct Bodies {
        uint64_t id = 0;  // the record they belong to (0: none yet)
        std::string headers, request, response;
    };
    static nlohmann::json summary(const Record& r);
    // The record with id `id` if it is still in the ring. Hold mu_.
    const Record* find(uint64_t id) const;
    // The start of a body as the console shows it: text up to the limit, or its size.
    void keep_body(std::string& out, std::string_view body, uint64_t size) const;

    Limits limits_;
    mutable std::mutex mu_;
    std::vector<Record> records_;  // a ring: record id i is in slot (i - 1) % limits_.records
    std::vector<Bodies> bodies_;   // the same for the newest, by id % limits_.with_bodies
    uint64_t next_id_ = 1;
    uint64_t first_id_ = 1;  // the oldest record still kept (after clear(): the next)
    WaitList waiting_;
};

// Masks what must not show in a console: the values of credentials, tokens, passwords and
// private keys in JSON, XML and form bodies, and signatures in Authorization headers and
// presigned query strings. Conservative: it masks any value under a known name.
std::string mask_secrets(std::string_view text);

}  // namespace fogbank
