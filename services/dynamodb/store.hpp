// DynamoDB state in SQLite, written through as requests change it when fogbank runs with
// --data-dir; in ephemeral mode tables live in memory only and this writes nothing.
//
// Items live in a log. Keys arrive in no order, so writing an item in place in a key-ordered
// tree dirties a page of it per write, and each group commit wrote every such page to the WAL
// (four fifths of a durable PutItem's SQLite time). Appended to the log, a group's writes share
// its last page or two, and an item written once is written once: folding the log into a key
// ordered tree copied every item a second time. load() replays the log in write order, so the
// last row of a key is its value (a null item: removed). A row another row of its key has
// replaced is retired: once half the log is, they are deleted in slices in row order, one
// slice after each committed batch. Half, because overwrites land anywhere in the log: a sweep
// of a few rows out of many dirties a page per row, while one of half the log dirties each page
// once for many rows (random overwrites of 10,000 items: durable/in-memory 0.81 sweeping at 2,048
// retired rows, 0.85 at half the log). A removal's row goes only after every older row of its key,
// so no older value can come back. Memory, not SQLite, answers reads, so nothing reads the log
// but load().
//
// dynamodb_items holds what older versions folded there: load() reads it first and the log
// replays over it; a removal deletes its row there too.
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
    // Retired rows that start a sweep: at least kSweepAt and half the log, at most kSweepMax
    // (which bounds the memory the list takes). The rows a slice of a sweep deletes.
    static constexpr size_t kSweepAt = 2048;
    static constexpr size_t kSweepMax = 1 << 18;
    static constexpr size_t kSweepSlice = 128;
    Store(Database& db, bool durable, size_t sweep_at = kSweepAt, size_t sweep_slice = kSweepSlice);

    // One transaction around everything a request changes; without commit() it rolls back.
    // Rows its writes replaced are retired only once it commits; then it deletes a slice of
    // retired rows, outside the request's own savepoint so that nothing the request does can
    // undo it.
    class Batch : public WriteBatch {
      public:
        explicit Batch(Store& s) : WriteBatch(s.db_, s.durable_), store_(s) {}
        ~Batch() {
            if (committed_) return;
            store_.replaced_.clear();
            store_.logged_ = 0;
        }
        Batch(const Batch&) = delete;
        Batch& operator=(const Batch&) = delete;
        void commit() {
            WriteBatch::commit();
            committed_ = true;
            store_.committed();
        }

      private:
        Store& store_;
        bool committed_ = false;
    };

    // Reads every table and item back at start-up.
    void load(const std::function<Table&(Table)>& add_table);
    int64_t next_table_id() const;
    void wipe();

    void put_table(const Table& t);
    void drop_table(const Table& t);
    // `old`: what the table holds under the key now. put_item returns the new value's row,
    // for the table to keep with it (0 in ephemeral mode).
    int64_t put_item(const Table& t, const KeyBytes& k, const json& item, const StoredItem* old);
    void drop_item(const Table& t, const KeyBytes& k, const StoredItem* old);

  private:
    struct Row {
        int64_t seq;
        int64_t table_id;
        KeyBytes key;  // checked on delete: a rolled-back write's row number comes back
    };
    // A sweep in progress: retired rows in row order, and how far the slices have got.
    struct Sweep {
        std::vector<Row> rows;
        size_t next = 0;
    };

    int64_t log_item(const Table& t, const KeyBytes& k, const std::string* item);
    // Row `row` now holds key k's value: the row that held `old` is retired with the batch.
    void replace(const Table& t, const KeyBytes& k, const StoredItem* old, int64_t row);
    // A batch committed: its replaced rows are retired, and the sweep takes a step.
    void committed();
    // Starts a sweep once enough rows are retired, deletes the next slice of one in progress
    // (at least twice `logged_now`, the rows the batch logged). Hold the database lock.
    void sweep_step(size_t logged_now);
    // The last statement deleted rows of the log.
    void forget_deleted_rows();

    Database& db_;
    bool durable_;
    size_t sweep_at_;
    size_t sweep_slice_;
    std::vector<Row> replaced_;  // by the open batch's writes
    std::vector<Row> retired_;   // by committed batches, not yet in a sweep
    std::optional<Sweep> sweep_;
    // Rows the log holds, as far as committed batches and sweeps tell: only the sweep's start
    // depends on it, so a lost group that leaves it off does no harm.
    size_t log_rows_ = 0;
    size_t logged_ = 0;  // rows the open batch logged
    // A lost group may have undone the write that replaced a retired row, or the delete of an
    // older row of a key whose removal row a later slice would delete. After one, nothing is
    // deleted until a restart retires rows afresh from what the log holds.
    uint64_t lost_at_open_ = 0;
    bool sweeping_off_ = false;
};

}  // namespace fogbank::dynamodb
