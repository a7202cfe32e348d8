// Tables in memory and in SQLite: index entries and sizes follow every write, key checks give
// DynamoDB's messages, and what the store writes reads back the same.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "emulator/aws_error.hpp"
#include "emulator/database.hpp"
#include "services/dynamodb/attribute_value.hpp"
#include "services/dynamodb/store.hpp"
#include "services/dynamodb/table.hpp"

using nlohmann::json;
using namespace fogbank;
using namespace fogbank::dynamodb;

namespace {

int64_t count_rows(Database& db, const std::string& table) {
    std::lock_guard lock(db.mutex());
    auto s = db.prepare("SELECT COUNT(*) FROM " + table);
    s.step();
    return s.integer(0);
}

// Writes through the store as the service does: the table keeps each value's log row.
void write(Store& store, Table& t, const json& a) {
    KeyBytes k = t.key_of_item(a);
    int64_t row = store.put_item(t, k, a, t.find_stored(k));
    t.put(k, a, row);
}

void remove(Store& store, Table& t, const KeyBytes& k) {
    store.drop_item(t, k, t.find_stored(k));
    t.erase(k);
}

Table faces_table() {
    json defs = json::parse(R"([{"AttributeName": "c", "AttributeType": "S"},
                               {"AttributeName": "f", "AttributeType": "N"},
                               {"AttributeName": "person", "AttributeType": "S"}])");
    Table t;
    t.id = 7;
    t.account = "000000000000";
    t.region = "us-east-1";
    t.name = "faces";
    t.arn = "arn:aws:dynamodb:us-east-1:000000000000:table/faces";
    t.table_id = "id";
    t.attribute_definitions = defs;
    t.key = parse_key_schema(json::parse(R"([{"AttributeName": "c", "KeyType": "HASH"},
                                            {"AttributeName": "f", "KeyType": "RANGE"}])"),
                             defs);
    Index ix;
    ix.name = "byPerson";
    ix.key =
        parse_key_schema(json::parse(R"([{"AttributeName": "person", "KeyType": "HASH"}])"), defs);
    ix.projection_type = "KEYS_ONLY";
    t.indexes.push_back(ix);
    return t;
}

json item(const char* text) {
    json j = json::parse(text);
    validate_item(j);
    return j;
}

// An item of faces_table: c "x", f `f`, person `person`.
json face(int f, const char* person) {
    return item(("{\"c\": {\"S\": \"x\"}, \"f\": {\"N\": \"" + std::to_string(f) +
                 "\"}, \"person\": {\"S\": \"" + person + "\"}}")
                    .c_str());
}

// What a loaded table holds, as person then f, in key order.
std::vector<std::string> people_of(const Table& t) {
    std::vector<std::string> out;
    for (auto& [k, stored] : t.items)
        out.push_back(stored.item["person"]["S"].get<std::string>() +
                      stored.item["f"]["N"].get<std::string>());
    return out;
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const AwsError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(DynamoTable, IndexesFollowWrites) {
    Table t = faces_table();
    json a = item(
        R"({"c": {"S": "x"}, "f": {"N": "1"}, "person": {"S": "ann"}, "big": {"S": "0123456789"}})");
    json b = item(R"({"c": {"S": "x"}, "f": {"N": "2"}})");  // no person: not in the index
    t.put(t.key_of_item(a), a);
    t.put(t.key_of_item(b), b);
    EXPECT_EQ(t.items.size(), 2u);
    EXPECT_EQ(t.indexes[0].entries.size(), 1u);
    EXPECT_EQ(t.bytes, item_size(a) + item_size(b));
    EXPECT_EQ(t.indexes[0].bytes, item_size(t.project_for(t.indexes[0], a)));
    json a2 = item(R"({"c": {"S": "x"}, "f": {"N": "1.0"}, "person": {"S": "bob"}})");
    EXPECT_EQ(t.key_of_item(a2), t.key_of_item(a));  // 1.0 and 1 are the same key
    t.put(t.key_of_item(a2), a2);
    ASSERT_EQ(t.indexes[0].entries.size(), 1u);
    EXPECT_EQ(t.indexes[0].entries.begin()->first.first, "bob");
    t.erase(t.key_of_item(a2));
    t.erase(t.key_of_item(b));
    EXPECT_TRUE(t.items.empty());
    EXPECT_TRUE(t.indexes[0].entries.empty());
    EXPECT_EQ(t.bytes, 0u);
    EXPECT_EQ(t.indexes[0].bytes, 0u);
}

TEST(DynamoTable, KeyChecksSpeakDynamoDb) {
    Table t = faces_table();
    struct Case {
        const char* item;
        const char* message;
    };
    const Case cases[] = {
        {R"({"f": {"N": "1"}})",
         "One or more parameter values were invalid: Missing the key c in the item"},
        {R"({"c": {"N": "1"}, "f": {"N": "1"}})",
         "One or more parameter values were invalid: Type mismatch for key c expected: S actual: "
         "N"},
        {R"({"c": {"S": ""}, "f": {"N": "1"}})",
         "One or more parameter values are not valid. The AttributeValue for a key attribute "
         "cannot contain an empty string value. Key: c"},
        {R"({"c": {"S": "x"}, "f": {"N": "1"}, "person": {"N": "3"}})",
         "One or more parameter values were invalid: Type mismatch for Index Key person "
         "Expected: S Actual: N IndexName: byPerson"},
    };
    for (auto& c : cases)
        EXPECT_EQ(message_of([&] { t.key_of_item(item(c.item)); }), c.message) << c.item;
    EXPECT_EQ(message_of([&] { t.key_of_request(item(R"({"c": {"S": "x"}})")); }),
              "The provided key element does not match the schema");
    EXPECT_EQ(message_of([&] {
                  t.key_of_request(item(R"({"c": {"S": "x"}, "f": {"N": "1"}, "z": {"S": "q"}})"));
              }),
              "The provided key element does not match the schema");
}

TEST(DynamoTable, StoreRoundTrip) {
    Database db("");
    Store store(db, true);
    Table t = faces_table();
    t.tags = {{"team", "vision"}};
    t.ttl_attribute = "expires";
    json a = item(R"({"c": {"S": "x"}, "f": {"N": "-2.5"}, "person": {"S": "ann"}})");
    json b = item(R"({"c": {"S": "x"}, "f": {"N": "10"}, "l": {"L": [{"B": "AAE="}]}})");
    {
        Store::Batch batch(store);
        store.put_table(t);
        write(store, t, a);
        write(store, t, b);
        remove(store, t, t.key_of_item(b));
        write(store, t, b);
        batch.commit();
    }
    std::vector<Table> loaded;
    loaded.reserve(1);
    store.load([&](Table x) -> Table& { return loaded.emplace_back(std::move(x)); });
    ASSERT_EQ(loaded.size(), 1u);
    const Table& r = loaded[0];
    EXPECT_EQ(r.meta(), t.meta());
    ASSERT_EQ(r.items.size(), 2u);
    EXPECT_EQ(r.items.begin()->second.item, a);  // -2.5 sorts before 10
    EXPECT_EQ(r.items.rbegin()->second.item, b);
    EXPECT_EQ(r.indexes[0].entries.size(), 1u);
    EXPECT_EQ(store.next_table_id(), 8);
    // A batch that is not committed leaves nothing behind.
    {
        Store::Batch batch(store);
        store.drop_table(t);
    }
    loaded.clear();
    store.load([&](Table x) -> Table& { return loaded.emplace_back(std::move(x)); });
    EXPECT_EQ(loaded.size(), 1u);
}

// Item writes go to the store's log; rows that later writes replaced are deleted, a slice
// after each batch, once enough are retired. What loads back after any batch is the last write
// of every key, however far a sweep has got.
TEST(DynamoTable, StoreLogSweepsReplacedRowsAndReplaysInWriteOrder) {
    Database db("");
    // A sweep once 5 rows are retired, 1 row a slice (at least twice the batch's 2 rows: 4).
    Store store(db, true, /*sweep_at=*/5, /*sweep_slice=*/1);
    Table t = faces_table();
    Table other = faces_table();
    other.id = 9;
    other.name = "other";
    {
        Store::Batch batch(store);
        store.put_table(t);
        store.put_table(other);
        batch.commit();
    }
    // What the service holds: the tables as it keeps them (with each value's log row).
    std::map<int, json> expected;  // what t should hold, by f
    auto check_reload = [&](int round) {
        Store reopened(db, true, 5, 1);
        std::vector<Table> loaded;
        loaded.reserve(2);
        reopened.load([&](Table x) -> Table& { return loaded.emplace_back(std::move(x)); });
        ASSERT_EQ(loaded.size(), 2u);
        ASSERT_EQ(loaded[0].items.size(), expected.size()) << "round " << round;
        auto it = loaded[0].items.begin();
        for (auto& [f, a] : expected)
            EXPECT_EQ((it++)->second.item, a) << "round " << round << " f=" << f;
        // The index follows the replayed writes too.
        EXPECT_EQ(loaded[0].indexes[0].entries.size(), expected.size()) << "round " << round;
        EXPECT_EQ(loaded[1].items.size(), 1u) << "round " << round;
    };
    // 60 rounds of puts, overwrites and removals of 7 keys, and an overwrite of one key of
    // the other table.
    int64_t most_logged = 0;
    for (int i = 0; i < 60; ++i) {
        {
            Store::Batch batch(store);
            int f = i % 7;
            if (i % 5 == 3) {
                remove(store, t, t.key_of_item(face(f, "any")));
                expected.erase(f);
            } else {
                write(store, t, face(f, i % 2 ? "ann" : "bo"));
                expected[f] = face(f, i % 2 ? "ann" : "bo");
            }
            write(store, other, face(0, i % 2 ? "ann" : "bo"));
            batch.commit();
        }
        most_logged = std::max(most_logged, count_rows(db, "dynamodb_item_log"));
        check_reload(i);
    }
    // Without sweeps the log would hold all 120 + removals; live rows are at most 8, retired
    // ones at most 5 waiting plus a sweep's.
    EXPECT_LE(most_logged, 8 + 5 + 2 * 4 + 4);
    // A batch that is not committed retires nothing: its rows roll back with it.
    {
        Store::Batch batch(store);
        write(store, t, face(1, "rolled back"));
    }
    check_reload(60);
}

// A sweep waits until half the log is retired: deleting a few rows scattered among many live
// ones would dirty a page per row.
TEST(DynamoTable, StoreSweepWaitsForHalfTheLog) {
    Database db("");
    Store store(db, true, /*sweep_at=*/2, /*sweep_slice=*/1);
    Table t = faces_table();
    {
        Store::Batch batch(store);
        store.put_table(t);
        for (int f = 0; f < 40; ++f)
            write(store, t, face(f, "ann"));
        batch.commit();
    }
    auto overwrite = [&](int f) {
        Store::Batch batch(store);
        write(store, t, face(f, "bo"));
        batch.commit();
    };
    // 39 overwrites: 79 rows, 39 of them retired, fewer than half.
    for (int f = 0; f < 39; ++f)
        overwrite(f);
    EXPECT_EQ(count_rows(db, "dynamodb_item_log"), 79);
    // The 40th makes half: the sweep starts and its first slice deletes 2 rows (twice the
    // batch's one).
    overwrite(39);
    EXPECT_EQ(count_rows(db, "dynamodb_item_log"), 78);
    // Each later batch logs one row and deletes two, until the 40 retired rows are gone.
    for (int f = 0; f < 20; ++f)
        overwrite(f);
    EXPECT_EQ(count_rows(db, "dynamodb_item_log"), 40 + 20);
    std::vector<Table> loaded;
    loaded.reserve(1);
    Store(db, true).load([&](Table x) -> Table& { return loaded.emplace_back(std::move(x)); });
    ASSERT_EQ(loaded.size(), 1u);
    std::vector<std::string> want;
    for (int f = 0; f < 40; ++f)
        want.push_back("bo" + std::to_string(f));
    std::vector<std::string> got = people_of(loaded[0]);
    std::sort(got.begin(), got.end());
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want);
}

// A table dropped while a sweep that holds its rows is under way, and a new table given the
// same id and keys, keep every row of the new table.
TEST(DynamoTable, StoreSweepForgetsADroppedTable) {
    Database db("");
    Store store(db, true, /*sweep_at=*/4, /*sweep_slice=*/1);
    Table t = faces_table();
    auto write_one = [&](Table& x, const json& a) {
        Store::Batch batch(store);
        write(store, x, a);
        batch.commit();
    };
    {
        Store::Batch batch(store);
        store.put_table(t);
        batch.commit();
    }
    // Rows 1-4, then overwrites 5-8 retire 1-4 and start a sweep that deletes 2 rows a batch.
    for (int f = 0; f < 4; ++f)
        write_one(t, face(f, "a"));
    for (int f = 0; f < 4; ++f)
        write_one(t, face(f, "b"));
    ASSERT_EQ(count_rows(db, "dynamodb_item_log"), 6);  // 1 and 2 deleted; 3 and 4 to go
    // Dropping the table empties the log, so the new table's rows get numbers 1, 2, 3... back,
    // under the same keys; the batch's slice comes after them.
    Table fresh = t;
    fresh.items.clear();
    for (auto& ix : fresh.indexes)
        ix.entries.clear();
    {
        Store::Batch batch(store);
        store.drop_table(t);
        store.put_table(fresh);
        for (int f = 0; f < 4; ++f)
            write(store, fresh, face(f, "c"));
        batch.commit();
    }
    Store reopened(db, true);
    std::vector<Table> loaded;
    reopened.load([&](Table x) -> Table& { return loaded.emplace_back(std::move(x)); });
    ASSERT_EQ(loaded.size(), 1u);
    EXPECT_EQ(people_of(loaded[0]), (std::vector<std::string>{"c0", "c1", "c2", "c3"}));
}

// Items an older version folded into dynamodb_items load, are replaced by later writes and
// stay removed once removed.
TEST(DynamoTable, StoreReadsItemsFoldedByOlderVersions) {
    Database db("");
    Table t = faces_table();
    {
        Store store(db, true);
        {
            Store::Batch batch(store);
            store.put_table(t);
            batch.commit();
        }
        std::lock_guard lock(db.mutex());
        for (int f = 0; f < 3; ++f) {
            KeyBytes k = t.key_of_item(face(f, "old"));
            db.prepare("INSERT INTO dynamodb_items VALUES (?, ?, ?, ?)")
                .bind(1, t.id)
                .bind_blob(2, k.first)
                .bind_blob(3, k.second)
                .bind(4, face(f, "old").dump())
                .run();
        }
    }
    auto reload = [&] {
        auto store = std::make_unique<Store>(db, true);
        std::vector<Table> loaded;
        loaded.reserve(1);
        store->load([&](Table x) -> Table& { return loaded.emplace_back(std::move(x)); });
        return std::pair(std::move(store), std::move(loaded));
    };
    auto [store, loaded] = reload();
    ASSERT_EQ(loaded.size(), 1u);
    Table& x = loaded[0];
    ASSERT_EQ(x.items.size(), 3u);
    {
        Store::Batch batch(*store);
        write(*store, x, face(0, "new"));
        remove(*store, x, x.key_of_item(face(1, "any")));
        batch.commit();
    }
    auto [again, back] = reload();
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(people_of(back[0]), (std::vector<std::string>{"new0", "old2"}));
}
