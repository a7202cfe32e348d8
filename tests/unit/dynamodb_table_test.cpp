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
        store.put_item(t, t.key_of_item(a), a);
        store.put_item(t, t.key_of_item(b), b);
        store.drop_item(t, t.key_of_item(b));
        store.put_item(t, t.key_of_item(b), b);
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

// Item writes go through the store's log and are folded into the item tree, a slice after each
// batch, once enough are logged. What loads back is the last write of every key, whether it was
// folded, is still in the log, or sits in the middle of a fold that a restart cut short.
TEST(DynamoTable, StoreLogFoldsInSlicesAndReplaysInWriteOrder) {
    Database db("");
    // A fold every 5 entries, 1 key per slice (at least twice the batch's 2 entries: 4).
    Store store(db, true, /*fold_at=*/5, /*fold_slice=*/1);
    Table t = faces_table();
    Table gone = faces_table();
    gone.id = 9;
    gone.name = "gone";
    auto face = [](int f, const char* person) {
        return item(("{\"c\": {\"S\": \"x\"}, \"f\": {\"N\": \"" + std::to_string(f) +
                     "\"}, \"person\": {\"S\": \"" + person + "\"}}")
                        .c_str());
    };
    std::map<int, json> expected;  // what t should hold, by f
    {
        Store::Batch batch(store);
        store.put_table(t);
        store.put_table(gone);
        batch.commit();
    }
    auto count = [&](const char* table) { return count_rows(db, table); };
    // What a restart now would load into t.
    auto check_reload = [&](int round) {
        Store reopened(db, true, 5, 1);
        std::vector<Table> loaded;
        loaded.reserve(2);
        reopened.load([&](Table x) -> Table& { return loaded.emplace_back(std::move(x)); });
        ASSERT_GE(loaded.size(), 1u);
        ASSERT_EQ(loaded[0].items.size(), expected.size()) << "round " << round;
        auto it = loaded[0].items.begin();
        for (auto& [f, a] : expected)
            EXPECT_EQ((it++)->second.item, a) << "round " << round << " f=" << f;
        // The index follows the replayed writes too.
        EXPECT_EQ(loaded[0].indexes[0].entries.size(), expected.size()) << "round " << round;
    };
    // 40 rounds of puts, overwrites and removals, each key written on both sides of a fold.
    int64_t most_logged = 0;
    int shrank = 0;
    for (int i = 0; i < 40; ++i) {
        int64_t before = count("dynamodb_item_log");
        {
            Store::Batch batch(store);
            int f = i % 7;
            if (i % 5 == 3) {
                store.drop_item(t, t.key_of_item(face(f, "any")));
                expected.erase(f);
            } else {
                json a = face(f, i % 2 ? "ann" : "bo");
                store.put_item(t, t.key_of_item(a), a);
                expected[f] = a;
            }
            store.put_item(gone, gone.key_of_item(face(i, "z")), face(i, "z"));
            batch.commit();
        }
        int64_t after = count("dynamodb_item_log");
        if (after < before + 2) ++shrank;
        most_logged = std::max(most_logged, after);
        check_reload(i);
    }
    // Folds happened, took several batches each (a fold of up to 14 keys, 4 keys a batch), and
    // kept the log short.
    EXPECT_GE(shrank, 4);
    EXPECT_GT(count("dynamodb_items"), 0);
    EXPECT_LE(most_logged, 5 + 2 * 4);
    {
        Store::Batch batch(store);
        store.drop_table(gone);
        batch.commit();
    }
    check_reload(40);
}

// A table dropped while a fold that holds its keys is under way, and a new table given the
// same id, get none of the old table's items back from the rest of the fold.
TEST(DynamoTable, StoreFoldForgetsADroppedTable) {
    Database db("");
    Store store(db, true, /*fold_at=*/4, /*fold_slice=*/1);
    Table t = faces_table();
    auto face = [](int f) {
        return item(("{\"c\": {\"S\": \"x\"}, \"f\": {\"N\": \"" + std::to_string(f) +
                     "\"}, \"person\": {\"S\": \"p\"}}")
                        .c_str());
    };
    {
        Store::Batch batch(store);
        store.put_table(t);
        batch.commit();
    }
    // One put a batch: the fourth starts a fold of 4 keys and folds 2 of them (twice the batch).
    for (int f = 0; f < 4; ++f) {
        Store::Batch batch(store);
        store.put_item(t, t.key_of_item(face(f)), face(f));
        batch.commit();
    }
    ASSERT_EQ(count_rows(db, "dynamodb_items"), 2);
    // Dropping the table empties the log, so the new table's entries get the old sequence
    // numbers back.
    {
        Store::Batch batch(store);
        store.drop_table(t);
        store.put_table(t);  // the same id, empty
        json a = face(100);
        store.put_item(t, t.key_of_item(a), a);
        batch.commit();
    }
    for (int f = 200; f < 204; ++f) {
        Store::Batch batch(store);
        store.put_item(t, t.key_of_item(face(f)), face(f));
        batch.commit();
    }
    Store reopened(db, true);
    std::vector<Table> loaded;
    reopened.load([&](Table x) -> Table& { return loaded.emplace_back(std::move(x)); });
    ASSERT_EQ(loaded.size(), 1u);
    std::vector<std::string> fs;
    for (auto& [k, stored] : loaded[0].items)
        fs.push_back(stored.item["f"]["N"].get<std::string>());
    EXPECT_EQ(fs, (std::vector<std::string>{"100", "200", "201", "202", "203"}));
}
