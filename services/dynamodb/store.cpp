#include "services/dynamodb/store.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "emulator/json_writer.hpp"

namespace fogbank::dynamodb {

Store::Store(Database& db, bool durable, int64_t fold_at, int64_t fold_slice)
    : db_(db), durable_(durable), fold_at_(fold_at), fold_slice_(fold_slice) {
    if (!durable_) return;
    std::lock_guard lock(db_.mutex());
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
    count_log();
}

void Store::count_log() {
    auto n = db_.prepare("SELECT COUNT(*) FROM dynamodb_item_log");
    n.step();
    logged_ = n.integer(0);
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
    // What was written since the last fold, in the order it was written.
    auto ls = db_.prepare(
        "SELECT table_id, hash_key, range_key, item FROM dynamodb_item_log ORDER BY seq");
    while (ls.step()) {
        auto t = by_id.find(ls.integer(0));
        if (t == by_id.end()) continue;  // dropped with its table (drop_table clears its log)
        KeyBytes k{ls.blob(1), ls.blob(2)};
        if (ls.is_null(3))
            t->second->erase(k);
        else
            t->second->put(k, json::parse(ls.text(3)));
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
    logged_ = 0;
    since_slice_ = 0;
    fold_.reset();
}

void Store::put_table(const Table& t) {
    if (!durable_) return;
    db_.prepare("INSERT OR REPLACE INTO dynamodb_tables (id, meta) VALUES (?, ?)")
        .bind_all(t.id, t.meta().dump())
        .run();
}

void Store::drop_table(const Table& t) {
    if (!durable_) return;
    // The fold's plan may hold keys of this table; the next fold starts over without them. The
    // table's id may be given to a new table, whose log entries the old plan knows nothing of.
    fold_.reset();
    db_.prepare("DELETE FROM dynamodb_item_log WHERE table_id=?").bind_all(t.id).run();
    db_.prepare("DELETE FROM dynamodb_items WHERE table_id=?").bind_all(t.id).run();
    db_.prepare("DELETE FROM dynamodb_tables WHERE id=?").bind_all(t.id).run();
}

void Store::put_item(const Table& t, const KeyBytes& k, const json& item) {
    if (!durable_) return;
    std::string text = json_text(item);
    log_item(t, k, &text);
}

void Store::drop_item(const Table& t, const KeyBytes& k) {
    if (!durable_) return;
    log_item(t, k, nullptr);
}

void Store::log_item(const Table& t, const KeyBytes& k, const std::string* item) {
    auto s = db_.prepare(
        "INSERT INTO dynamodb_item_log (table_id, hash_key, range_key, item) VALUES (?,?,?,?)");
    s.bind(1, t.id).bind_blob(2, k.first).bind_blob(3, k.second);
    if (item)
        s.bind(4, *item);
    else
        s.bind_null(4);
    s.run();
    ++logged_;
    ++since_slice_;
}

void Store::fold_step() {
    if (!durable_) return;
    int64_t logged_now = std::exchange(since_slice_, 0);
    // A lost group may have taken slices, or log entries the plan holds, with it: start over
    // from what the log holds now (it still holds everything the folded items came from).
    if (fold_ && db_.generations_lost() != fold_->lost_at_start) {
        fold_.reset();
        count_log();
    }
    if (!fold_ && logged_ < fold_at_) return;
    // The request's writes are already part of the group: a failure here must neither undo
    // them nor fail the request, so the slice has a savepoint of its own and errors stay here.
    try {
        db_.exec("SAVEPOINT fold");
        try {
            if (!fold_) start_fold();
            Fold& f = *fold_;
            size_t n = static_cast<size_t>(std::max(fold_slice_, 2 * logged_now));
            size_t end = std::min(f.plan.size(), f.next + n);
            for (; f.next < end; ++f.next)
                fold_entry(f.plan[f.next]);
            if (f.next == f.plan.size()) {
                db_.prepare("DELETE FROM dynamodb_item_log WHERE seq <= ?")
                    .bind_all(f.last_seq)
                    .run();
                logged_ -= f.rows;
                fold_.reset();
            }
            db_.exec("RELEASE fold");
        } catch (...) {
            db_.exec("ROLLBACK TO fold; RELEASE fold");
            throw;
        }
    } catch (...) {
        fold_.reset();  // the next batch starts over
    }
}

void Store::start_fold() {
    // The last entry of each key is what counts. Keys only (an item may be 400 KB; keys are
    // small); each slice reads its items by sequence number.
    Fold f;
    f.lost_at_start = db_.generations_lost();
    std::map<std::pair<int64_t, KeyBytes>, std::pair<int64_t, bool>> last;
    auto ks = db_.prepare(
        "SELECT seq, table_id, hash_key, range_key, item IS NULL FROM dynamodb_item_log");
    while (ks.step()) {
        int64_t seq = ks.integer(0);
        auto& kept = last[{ks.integer(1), {ks.blob(2), ks.blob(3)}}];
        if (seq > kept.first) kept = {seq, ks.integer(4) != 0};
        f.last_seq = std::max(f.last_seq, seq);
        ++f.rows;
    }
    f.plan.reserve(last.size());
    for (auto& [key, last_write] : last)
        f.plan.push_back({key.first, key.second, last_write.first, last_write.second});
    fold_ = std::move(f);
}

void Store::fold_entry(const Fold::Entry& e) {
    if (e.removed) {
        db_.prepare("DELETE FROM dynamodb_items WHERE table_id=? AND hash_key=? AND range_key=?")
            .bind(1, e.table_id)
            .bind_blob(2, e.key.first)
            .bind_blob(3, e.key.second)
            .run();
        return;
    }
    // Straight from the log row: the item never leaves SQLite. The key is checked too, since
    // sequence numbers are reused once the log's last entries are gone.
    db_.prepare(
           "INSERT OR REPLACE INTO dynamodb_items (table_id, hash_key, range_key, item) "
           "SELECT table_id, hash_key, range_key, item FROM dynamodb_item_log "
           "WHERE seq=? AND table_id=? AND hash_key=? AND range_key=? AND item IS NOT NULL")
        .bind(1, e.seq)
        .bind(2, e.table_id)
        .bind_blob(3, e.key.first)
        .bind_blob(4, e.key.second)
        .run();
}

}  // namespace fogbank::dynamodb
