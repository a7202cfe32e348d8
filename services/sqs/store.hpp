// SQS state in SQLite, written through as requests change it when fogbank runs with
// --data-dir; in ephemeral mode queues live in memory only and this writes nothing.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "emulator/database.hpp"
#include "services/sqs/queue.hpp"

namespace fogbank::sqs {

class Store : public Journal {
  public:
    Store(Database& db, bool durable);

    // One transaction around everything a request changes; without commit() it rolls back.
    class Batch : public WriteBatch {
      public:
        explicit Batch(Store& s) : WriteBatch(s.db_, s.durable_) {}
    };

    // Reads every queue and message back at start-up.
    void load(const std::function<Queue&(Queue)>& add_queue);
    int64_t next_queue_id() const;
    void wipe();

    void put_queue(const Queue& q) override;
    void drop_queue(const Queue& q) override;
    void put_message(const Queue& q, const Message& m) override;
    void touch_message(const Queue& q, const Message& m) override;
    void drop_message(const Queue& q, uint64_t seq) override;

  private:
    Database& db_;
    bool durable_;
};

}  // namespace fogbank::sqs
