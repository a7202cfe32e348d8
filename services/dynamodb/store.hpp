// DynamoDB state in SQLite, written through as requests change it when fogbank runs with
// --data-dir; in ephemeral mode tables live in memory only and this writes nothing. Items are
// stored under their key bytes, so the table's order is also the store's.
#pragma once

#include <functional>
#include <mutex>
#include <optional>

#include "emulator/database.hpp"
#include "services/dynamodb/table.hpp"

namespace fogbank::dynamodb {

class Store {
  public:
    Store(Database& db, bool durable);

    // One transaction around everything a request changes; without commit() it rolls back.
    class Batch : public WriteBatch {
      public:
        explicit Batch(Store& s) : WriteBatch(s.db_, s.durable_) {}
    };

    // Reads every table and item back at start-up.
    void load(const std::function<Table&(Table)>& add_table);
    int64_t next_table_id() const;
    void wipe();

    void put_table(const Table& t);
    void drop_table(const Table& t);
    void put_item(const Table& t, const KeyBytes& k, const json& item);
    void drop_item(const Table& t, const KeyBytes& k);

  private:
    Database& db_;
    bool durable_;
};

}  // namespace fogbank::dynamodb
