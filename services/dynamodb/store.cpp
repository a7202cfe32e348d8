#include "services/dynamodb/store.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "emulator/json_writer.hpp"

namespace fogbank::dynamodb {

Store::Store(Database& db, bool durable, int64_t fold_at)
    : db_(db), durable_(durable), fold_at_(fold_at) {
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
}

void Store::put_table(const Table& t) {
    if (!durable_) return;
    db_.prepare("INSERT OR REPLACE INTO dynamodb_tables (id, meta) VALUES (?, ?)")
        .bind_all(t.id, t.meta().dump())
        .run();
}

void Store::drop_table(const Table& t) {
    if (!durable_) return;
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
    if (++logged_ >= fold_at_) fold();
}

void Store::fold() {
    // The last entry of each key is what counts. Keys first (an item may be 400 KB; keys are
    // small), then the items one by one in key order, so each page of the item tree is written
    // once.
    std::map<std::pair<int64_t, KeyBytes>, int64_t> last;
    auto ks = db_.prepare("SELECT seq, table_id, hash_key, range_key FROM dynamodb_item_log");
    while (ks.step()) {
        int64_t& seq = last[{ks.integer(1), {ks.blob(2), ks.blob(3)}}];
        seq = std::max(seq, ks.integer(0));
    }
    for (auto& [key, seq] : last) {
        auto& [table_id, k] = key;
        auto is = db_.prepare("SELECT item FROM dynamodb_item_log WHERE seq=?");
        is.bind_all(seq);
        is.step();
        if (is.is_null(0)) {
            db_.prepare(
                   "DELETE FROM dynamodb_items WHERE table_id=? AND hash_key=? AND range_key=?")
                .bind(1, table_id)
                .bind_blob(2, k.first)
                .bind_blob(3, k.second)
                .run();
        } else {
            db_.prepare(
                   "INSERT OR REPLACE INTO dynamodb_items (table_id, hash_key, range_key, item) "
                   "VALUES (?, ?, ?, ?)")
                .bind(1, table_id)
                .bind_blob(2, k.first)
                .bind_blob(3, k.second)
                .bind(4, is.text(0))
                .run();
        }
    }
    db_.exec("DELETE FROM dynamodb_item_log");
    logged_ = 0;
}

}  // namespace fogbank::dynamodb
