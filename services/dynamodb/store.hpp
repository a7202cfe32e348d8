// DynamoDB state in SQLite, written through as requests change it when fogbank runs with
// --data-dir; in ephemeral mode tables live in memory only and this writes nothing. Items are
// stored under their key bytes, so the table's order is also the store's.
//
// Item writes go to a log first. Keys arrive in no order, so writing an item in place dirties a
// page of the item tree per write, and each group commit wrote every such page to the WAL
// (four fifths of a durable PutItem's SQLite time). Appended to the log, a group's writes share
// its last page or two. Every `fold_at` entries the log is folded into the item tree, in key
// order, inside the write that fills it; load() replays what is left over the folded items.
// Memory, not SQLite, answers reads, so nothing reads the log but load().
#pragma once

#include <functional>
#include <mutex>
#include <optional>

#include "emulator/database.hpp"
#include "services/dynamodb/table.hpp"

namespace fogbank::dynamodb {

class Store {
  public:
    static constexpr int64_t kFoldAt = 2048;
    Store(Database& db, bool durable, int64_t fold_at = kFoldAt);

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
    // Appends an item write (nullopt: removal) to the log; folds it once it is full.
    void log_item(const Table& t, const KeyBytes& k, const std::string* item);
    // Applies the log to the item tree and empties it. Part of the caller's transaction.
    void fold();

    Database& db_;
    bool durable_;
    int64_t fold_at_;
    // Entries in the log since the last fold, as far as this process knows: a write rolled
    // back after counting only makes the next fold come a little early.
    int64_t logged_ = 0;
};

}  // namespace fogbank::dynamodb
