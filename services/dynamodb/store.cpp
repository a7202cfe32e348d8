#include "services/dynamodb/store.hpp"

#include "emulator/json_writer.hpp"

namespace fogbank::dynamodb {

Store::Store(Database& db, bool durable) : db_(db), durable_(durable) {
    if (!durable_) return;
    std::lock_guard lock(db_.mutex());
    db_.exec(R"(
        CREATE TABLE IF NOT EXISTS dynamodb_tables (
            id INTEGER PRIMARY KEY, meta TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS dynamodb_items (
            table_id INTEGER NOT NULL, hash_key BLOB NOT NULL, range_key BLOB NOT NULL,
            item TEXT NOT NULL,
            PRIMARY KEY (table_id, hash_key, range_key)) WITHOUT ROWID;
    )");
}

void Store::load(const std::function<Table&(Table)>& add_table) {
    if (!durable_) return;
    std::lock_guard lock(db_.mutex());
    auto ts = db_.prepare("SELECT meta FROM dynamodb_tables ORDER BY id");
    while (ts.step()) {
        Table& t = add_table(Table::from_meta(json::parse(ts.text(0))));
        auto is = db_.prepare(
            "SELECT hash_key, range_key, item FROM dynamodb_items WHERE table_id=? "
            "ORDER BY hash_key, range_key");
        is.bind_all(t.id);
        while (is.step())
            t.put({is.blob(0), is.blob(1)}, json::parse(is.text(2)));
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
    db_.exec("DELETE FROM dynamodb_items; DELETE FROM dynamodb_tables;");
}

void Store::put_table(const Table& t) {
    if (!durable_) return;
    db_.prepare("INSERT OR REPLACE INTO dynamodb_tables (id, meta) VALUES (?, ?)")
        .bind_all(t.id, t.meta().dump())
        .run();
}

void Store::drop_table(const Table& t) {
    if (!durable_) return;
    db_.prepare("DELETE FROM dynamodb_items WHERE table_id=?").bind_all(t.id).run();
    db_.prepare("DELETE FROM dynamodb_tables WHERE id=?").bind_all(t.id).run();
}

void Store::put_item(const Table& t, const KeyBytes& k, const json& item) {
    if (!durable_) return;
    db_.prepare(
           "INSERT OR REPLACE INTO dynamodb_items (table_id, hash_key, range_key, item) "
           "VALUES (?, ?, ?, ?)")
        .bind(1, t.id)
        .bind_blob(2, k.first)
        .bind_blob(3, k.second)
        .bind(4, json_text(item))
        .run();
}

void Store::drop_item(const Table& t, const KeyBytes& k) {
    if (!durable_) return;
    db_.prepare("DELETE FROM dynamodb_items WHERE table_id=? AND hash_key=? AND range_key=?")
        .bind(1, t.id)
        .bind_blob(2, k.first)
        .bind_blob(3, k.second)
        .run();
}

}  // namespace fogbank::dynamodb
