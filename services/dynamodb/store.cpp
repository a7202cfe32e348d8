#include "services/dynamodb/store.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "emulator/json_writer.hpp"

namespace fogbank::dynamodb {

Store::Store(Database& db, bool durable, size_t sweep_at, size_t sweep_slice)
    : db_(db), durable_(durable), sweep_at_(sweep_at), sweep_slice_(sweep_slice) {
    if (!durable_) return;
    std::lock_guard lock(db_.mutex());
    lost_at_open_ = db_.generations_lost();
    db_.exec(R"(
        CREATE TABLE IF NOT EXISTS dynamodb_tables (
            id INTEGER PRIMARY KEY, meta TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS dynamodb_items (
            table_id INTEGER NOT NULL, hash_key BLOB NOT NULL, range_key BLOB NOT NULL,
            item TEXT NOT NULL,
            PRIMARY KEY (table_id, hash_key, range_key)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS dynamodb_item_log (
            seq INTEGER PRIMARY KEY, table_id INTEGER NOT NULL, hash_key BLOB NOT NULL,
            range_key BLOB NOT NULL, item TEXT);
    )");
}

void Store::load(const std::function<Table&(Table)>& add_table) {
    if (!durable_) return;
    std::lock_guard lock(db_.mutex());
    std::map<int64_t, Table*> by_id;
    auto ts = db_.prepare("SELECT meta FROM dynamodb_tables ORDER BY id");
    while (ts.step()) {
        Table& t = add_table(Table::from_meta(json::parse(ts.text(0))));
        by_id[t.id] = &t;
        auto is = db_.prepare(
            "SELECT hash_key, range_key, item FROM dynamodb_items WHERE table_id=? "
            "ORDER BY hash_key, range_key");
        is.bind_all(t.id);
        while (is.step())
            t.put({is.blob(0), is.blob(1)}, json::parse(is.text(2)));
    }
    // The log in the order it was written; every row a later one replaces is retired again.
    // A removal's row is retired at once: the rows it must outlive are older, so a sweep,
    // which deletes in row order, reaches them first.
    auto ls = db_.prepare(
        "SELECT seq, table_id, hash_key, range_key, item FROM dynamodb_item_log ORDER BY seq");
    while (ls.step()) {
        ++log_rows_;
        int64_t seq = ls.integer(0);
        int64_t table_id = ls.integer(1);
        auto t = by_id.find(table_id);
        if (t == by_id.end()) continue;  // dropped with its table (drop_table clears its log)
        KeyBytes k{ls.blob(2), ls.blob(3)};
        if (const StoredItem* old = t->second->find_stored(k); old && old->row)
            retired_.push_back({old->row, table_id, k});
        if (ls.is_null(4)) {
            t->second->erase(k);
            retired_.push_back({seq, table_id, std::move(k)});
        } else {
            t->second->put(k, json::parse(ls.text(4)), seq);
        }
    }
}

int64_t Store::next_table_id() const {
    if (!durable_) return 1;
    std::lock_guard lock(db_.mutex());
    auto s = db_.prepare("SELECT COALESCE(MAX(id), 0) + 1 FROM dynamodb_tables");
    s.step();
    return s.integer(0);
}

void Store::wipe() {
    if (!durable_) return;
    std::lock_guard lock(db_.mutex());
    db_.exec(
        "DELETE FROM dynamodb_item_log; DELETE FROM dynamodb_items; DELETE FROM dynamodb_tables;");
    replaced_.clear();
    retired_.clear();
    sweep_.reset();
    log_rows_ = 0;
}

void Store::put_table(const Table& t) {
    if (!durable_) return;
    db_.prepare("INSERT OR REPLACE INTO dynamodb_tables (id, meta) VALUES (?, ?)")
        .bind_all(t.id, t.meta().dump())
        .run();
}

void Store::drop_table(const Table& t) {
    if (!durable_) return;
    // Its rows go now; the numbers of those still to be deleted may come back for a new table
    // given the same id, under the same keys.
    auto of_table = [&](const Row& r) { return r.table_id == t.id; };
    std::erase_if(replaced_, of_table);
    std::erase_if(retired_, of_table);
    if (sweep_) {
        auto& rows = sweep_->rows;
        rows.erase(std::remove_if(rows.begin() + static_cast<ptrdiff_t>(sweep_->next), rows.end(),
                                  of_table),
                   rows.end());
    }
    db_.prepare("DELETE FROM dynamodb_item_log WHERE table_id=?").bind_all(t.id).run();
    forget_deleted_rows();
    db_.prepare("DELETE FROM dynamodb_items WHERE table_id=?").bind_all(t.id).run();
    db_.prepare("DELETE FROM dynamodb_tables WHERE id=?").bind_all(t.id).run();
}

int64_t Store::put_item(const Table& t, const KeyBytes& k, const json& item,
                        const StoredItem* old) {
    if (!durable_) return 0;
    std::string text = json_text(item);
    int64_t row = log_item(t, k, &text);
    replace(t, k, old, row);
    return row;
}

void Store::drop_item(const Table& t, const KeyBytes& k, const StoredItem* old) {
    if (!durable_ || !old) return;  // no value now: the key's last row, if any, says so
    db_.prepare("DELETE FROM dynamodb_items WHERE table_id=? AND hash_key=? AND range_key=?")
        .bind(1, t.id)
        .bind_blob(2, k.first)
        .bind_blob(3, k.second)
        .run();
    int64_t row = log_item(t, k, nullptr);
    replace(t, k, old, row);
    replaced_.push_back({row, t.id, k});
}

void Store::replace(const Table& t, const KeyBytes& k, const StoredItem* old, int64_t row) {
    // A row number equal to the old one means the old row's write was rolled back and its
    // number reused: there is nothing to retire.
    if (old && old->row && old->row != row) replaced_.push_back({old->row, t.id, k});
}

int64_t Store::log_item(const Table& t, const KeyBytes& k, const std::string* item) {
    auto s = db_.prepare(
        "INSERT INTO dynamodb_item_log (table_id, hash_key, range_key, item) VALUES (?,?,?,?)");
    s.bind(1, t.id).bind_blob(2, k.first).bind_blob(3, k.second);
    if (item)
        s.bind(4, *item);
    else
        s.bind_null(4);
    s.run();
    ++logged_;
    return db_.last_insert_rowid();
}

void Store::committed() {
    if (!durable_) return;
    retired_.insert(retired_.end(), std::make_move_iterator(replaced_.begin()),
                    std::make_move_iterator(replaced_.end()));
    replaced_.clear();
    size_t logged = std::exchange(logged_, 0);
    log_rows_ += logged;
    sweep_step(logged);
}

void Store::forget_deleted_rows() {
    log_rows_ -= std::min(log_rows_, static_cast<size_t>(db_.changes()));
}

void Store::sweep_step(size_t logged_now) {
    if (sweeping_off_ || db_.generations_lost() != lost_at_open_) {
        sweeping_off_ = true;
        retired_.clear();
        sweep_.reset();
        return;
    }
    if (!sweep_) {
        size_t n = retired_.size();
        if (n < sweep_at_ || (n < kSweepMax && 2 * n < log_rows_)) return;
        Sweep s;
        s.rows = std::move(retired_);
        retired_.clear();
        std::sort(s.rows.begin(), s.rows.end(),
                  [](const Row& a, const Row& b) { return a.seq < b.seq; });
        sweep_ = std::move(s);
    }
    // The request's writes are already part of the group: a failure here must neither undo
    // them nor fail the request, so the slice has a savepoint of its own and errors stay here.
    // A slice deletes at least twice what the batch logged, so that batches of many writes
    // cannot outrun the sweep.
    try {
        db_.exec("SAVEPOINT sweep");
        try {
            Sweep& s = *sweep_;
            size_t end = std::min(s.rows.size(), s.next + std::max(sweep_slice_, 2 * logged_now));
            for (size_t i = s.next; i < end; ++i) {
                const Row& r = s.rows[i];
                db_.prepare(
                       "DELETE FROM dynamodb_item_log WHERE seq=? AND table_id=? AND hash_key=? "
                       "AND range_key=?")
                    .bind(1, r.seq)
                    .bind(2, r.table_id)
                    .bind_blob(3, r.key.first)
                    .bind_blob(4, r.key.second)
                    .run();
                forget_deleted_rows();
            }
            db_.exec("RELEASE sweep");
            s.next = end;
            if (s.next == s.rows.size()) sweep_.reset();
        } catch (...) {
            db_.exec("ROLLBACK TO sweep; RELEASE sweep");
            throw;
        }
    } catch (...) {
        // What is left stays in the log: harmless, since the log's last row of each key is
        // still its value. Sweeping on could delete a removal's row before an older row of its
        // key that this sweep still held; a restart retires them all again.
        sweeping_off_ = true;
        retired_.clear();
        sweep_.reset();
    }
}

}  // namespace fogbank::dynamodb
