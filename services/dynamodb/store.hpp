// DynamoDB state in SQLite, written through as requests change it when fogbank runs with
// --data-dir; in ephemeral mode tables live in memory only and this writes nothing. Items are
// stored under their key bytes, so the table's order is also the store's.
//
// Item writes go to a log first. Keys arrive in no order, so writing an item in place dirties a
// page of the item tree per write, and each group commit wrote every such page to the WAL
// (four fifths of a durable PutItem's SQLite time). Appended to the log, a group's writes share
// its last page or two. Once `fold_at` entries are logged, the log is folded into the item tree
// in key order, so each page of the tree is written about once per fold. The fold runs in
// slices, one after each committed batch: done in one go it held the database lock for the
// whole rewrite while every other request waited. Entries leave the log only when the whole
// fold is done, and load() replays the log over whatever was folded, so a restart in the middle
// of a fold loses nothing. Memory, not SQLite, answers reads, so nothing reads the log but
// load().
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "emulator/database.hpp"
#include "services/dynamodb/table.hpp"

namespace fogbank::dynamodb {

class Store {
  public:
    static constexpr int64_t kFoldAt = 2048;
    // Keys folded after each batch: a slice takes about a millisecond.
    static constexpr int64_t kFoldSlice = 128;
    Store(Database& db, bool durable, int64_t fold_at = kFoldAt, int64_t fold_slice = kFoldSlice);

    // One transaction around everything a request changes; without commit() it rolls back.
    // Once committed, the batch folds a slice of the log, outside the request's own savepoint
    // so that nothing the request does can undo it.
    class Batch : public WriteBatch {
      public:
        explicit Batch(Store& s) : WriteBatch(s.db_, s.durable_), store_(s) {}
        void commit() {
            WriteBatch::commit();
            store_.fold_step();
        }

      private:
        Store& store_;
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
    // A fold in progress: the last log entry of every key logged up to `last_seq`, in key
    // order, and how far the slices have got.
    struct Fold {
        struct Entry {
            int64_t table_id;
            KeyBytes key;
            int64_t seq;
            bool removed;
        };
        std::vector<Entry> plan;
        size_t next = 0;
        int64_t last_seq = 0;
        int64_t rows = 0;  // log entries the fold covers, keys written more than once included
        uint64_t lost_at_start = 0;
    };

    // Appends an item write (nullptr: removal) to the log.
    void log_item(const Table& t, const KeyBytes& k, const std::string* item);
    // Starts a fold once the log is full, folds the next slice of one in progress, and empties
    // the log of what it covers when its last slice is done. Hold the database lock.
    void fold_step();
    void start_fold();
    void fold_entry(const Fold::Entry& e);
    void count_log();

    Database& db_;
    bool durable_;
    int64_t fold_at_;
    int64_t fold_slice_;
    // Entries in the log, as far as this process knows: a write rolled back after counting only
    // makes the next fold come a little early.
    int64_t logged_ = 0;
    // Entries logged since the last slice: a slice folds at least twice as many keys, so that
    // batches of many writes cannot outrun the fold.
    int64_t since_slice_ = 0;
    std::optional<Fold> fold_;
};

}  // namespace fogbank::dynamodb
