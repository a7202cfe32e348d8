// The S3 store on a real (in-memory) SQLite database and a temporary blob directory.
#include "services/s3/store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "emulator/aws_error.hpp"

using namespace fogbank;
using namespace fogbank::s3;

namespace {
struct StoreTest : ::testing::Test {
    Database db{""};
    BlobStore blobs{{}};
    Store store{db, blobs};

    std::string blob_with(const std::string& content) {
        auto spool = blobs.spool_dir() / ("t" + std::to_string(counter++));
        std::ofstream(spool) << content;
        return blobs.adopt(spool);
    }
    ObjectRecord object(const std::string& key, const std::string& content) {
        ObjectRecord o;
        o.bucket = "b";
        o.key = key;
        o.blob_id = blob_with(content);
        o.size = content.size();
        o.etag = "e";
        return o;
    }
    void SetUp() override {
        BucketRecord b;
        b.name = "b";
        b.account = "1";
        b.region = "us-east-1";
        ASSERT_TRUE(store.create_bucket(b));
        ASSERT_FALSE(store.create_bucket(b));
    }
    int counter = 0;
};
}  // namespace

TEST_F(StoreTest, ListsInUtf8ByteOrderWithinPrefix) {
    for (auto k : {"b", "a/2", "\xc3\xa9", "a/1", "~", "A", "a/10", "ab"})
        store.put_object(object(k, "x"));
    std::vector<std::string> keys;
    for (auto& o : store.list_objects("b", "", "", 100))
        keys.push_back(o.key);
    EXPECT_EQ(keys,
              (std::vector<std::string>{"A", "a/1", "a/10", "a/2", "ab", "b", "~", "\xc3\xa9"}));
    keys.clear();
    for (auto& o : store.list_objects("b", "a/", "", 100))
        keys.push_back(o.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"a/1", "a/10", "a/2"}));
    keys.clear();
    for (auto& o : store.list_objects("b", "a/", "a/1", 100))
        keys.push_back(o.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"a/10", "a/2"}));
    EXPECT_EQ(store.list_objects("b", "", "", 2).size(), 2u);
}

TEST_F(StoreTest, OverwriteRemovesOldBlobAndOpenSeesNewBytes) {
    auto first = object("k", "one");
    store.put_object(first);
    auto second = object("k", "two!");
    store.put_object(second);
    EXPECT_FALSE(std::filesystem::exists(blobs.path_for(first.blob_id)));
    auto opened = store.open_object("b", "k");
    ASSERT_TRUE(opened);
    char buf[8] = {};
    EXPECT_EQ(::pread(opened->fd, buf, sizeof buf, 0), 4);
    ::close(opened->fd);
    EXPECT_EQ(std::string(buf), "two!");
}

TEST_F(StoreTest, PreconditionRunsInsideTheWrite) {
    store.put_object(object("k", "one"));
    auto refused = object("k", "two");
    EXPECT_THROW(store.put_object(refused,
                                  [](const std::optional<ObjectRecord>& cur) {
                                      if (cur) throw AwsError("PreconditionFailed", "exists", 412);
                                  }),
                 AwsError);
    EXPECT_EQ(store.object("b", "k")->size, 3u);
}

TEST_F(StoreTest, PutIntoMissingBucketFails) {
    auto o = object("k", "x");
    o.bucket = "missing";
    try {
        store.put_object(o);
        FAIL();
    } catch (const AwsError& e) {
        EXPECT_EQ(e.code(), "NoSuchBucket");
    }
}

TEST_F(StoreTest, DeleteBucketRules) {
    store.put_object(object("k", "x"));
    EXPECT_EQ(store.delete_bucket("b"), Store::DeleteBucketResult::not_empty);
    EXPECT_TRUE(store.delete_object("b", "k").removed);
    EXPECT_FALSE(store.delete_object("b", "k").removed);
    EXPECT_EQ(store.delete_bucket("b"), Store::DeleteBucketResult::deleted);
    EXPECT_EQ(store.delete_bucket("b"), Store::DeleteBucketResult::missing);
}

TEST_F(StoreTest, MultipartLifecycle) {
    UploadRecord u;
    u.upload_id = "u1";
    u.bucket = "b";
    u.key = "k";
    u.object.metadata = {{"a", "1"}};
    store.create_upload(u);
    PartRecord p;
    p.part_number = 1;
    p.blob_id = blob_with("first");
    p.size = 5;
    p.etag = "x";
    ASSERT_TRUE(store.put_part("u1", p));
    auto replaced = p.blob_id;
    p.blob_id = blob_with("again");
    ASSERT_TRUE(store.put_part("u1", p));
    EXPECT_FALSE(std::filesystem::exists(blobs.path_for(replaced)));
    EXPECT_EQ(store.parts("u1").size(), 1u);
    EXPECT_EQ(store.upload("u1")->object.metadata["a"], "1");
    EXPECT_FALSE(store.put_part("nope", p));

    auto o = object("k", "again");
    store.complete_upload("u1", o, {});
    EXPECT_FALSE(store.upload("u1"));
    EXPECT_FALSE(std::filesystem::exists(blobs.path_for(p.blob_id)));
    EXPECT_EQ(store.object("b", "k")->blob_id, o.blob_id);
    EXPECT_THROW(store.complete_upload("u1", o, {}), AwsError);
}

TEST_F(StoreTest, InlineBodiesLiveInTheRow) {
    ObjectRecord o;
    o.bucket = "b";
    o.key = "small";
    o.inline_body = std::string("\0tiny", 5);
    o.size = 5;
    store.put_object(o);
    auto opened = store.open_object("b", "small");
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->fd, -1);
    EXPECT_EQ(*opened->record->inline_body, std::string("\0tiny", 5));
    // Listings don't carry bodies.
    EXPECT_FALSE(store.list_objects("b", "", "", 10).at(0).inline_body);
    // Replacing an inline object with a file-backed one (and back) leaves no stray blob.
    auto file = object("small", "now a file");
    store.put_object(file);
    EXPECT_EQ(store.open_object("b", "small")->record->inline_body, std::nullopt);
    store.put_object(o);
    EXPECT_FALSE(std::filesystem::exists(blobs.path_for(file.blob_id)));
    ObjectRecord empty_body = o;
    empty_body.key = "empty";
    empty_body.inline_body = "";
    store.put_object(empty_body);
    EXPECT_EQ(store.open_object("b", "empty")->record->inline_body, "");
}

// Bucket rows are kept in memory once read: every change must show in the next read.
TEST_F(StoreTest, ABucketReadAfterAChangeSeesTheChange) {
    ASSERT_TRUE(store.bucket("b").has_value());  // now kept
    store.set_bucket_tags("b", nlohmann::json{{"k", "v"}});
    EXPECT_EQ(store.bucket("b")->tags, (nlohmann::json{{"k", "v"}}));
    store.set_bucket_versioning("b", "Enabled");
    EXPECT_EQ(store.bucket("b")->versioning, "Enabled");
    store.set_bucket_cors("b", "<CORSConfiguration/>");
    EXPECT_EQ(store.bucket("b")->cors_xml, "<CORSConfiguration/>");
    EXPECT_EQ(store.delete_bucket("b"), Store::DeleteBucketResult::deleted);
    EXPECT_FALSE(store.bucket("b").has_value());
    BucketRecord again;
    again.name = "b";
    again.account = "2";
    again.region = "eu-west-1";
    ASSERT_TRUE(store.create_bucket(again));
    EXPECT_EQ(store.bucket("b")->account, "2");
    store.reset();
    EXPECT_FALSE(store.bucket("b").has_value());
}

// GETs of current objects are kept in memory while the database changes nothing: every write,
// by any path (and by other services), must show in the next read, and a row read inside a
// transaction that is then rolled back must not be kept.
TEST_F(StoreTest, AnObjectReadAfterAnyChangeSeesTheChange) {
    ObjectRecord o;
    o.bucket = "b";
    o.key = "k";
    o.inline_body = "first";
    o.size = 5;
    store.put_object(o);
    EXPECT_EQ(*store.open_object("b", "k")->record->inline_body, "first");
    EXPECT_EQ(*store.open_object("b", "k")->record->inline_body, "first");  // now kept
    o.inline_body = "second";
    o.size = 6;
    store.put_object(o);
    EXPECT_EQ(*store.open_object("b", "k")->record->inline_body, "second");
    ASSERT_TRUE(store.set_object_tags("b", "k", nlohmann::json{{"t", "v"}}));
    EXPECT_EQ(store.open_object("b", "k")->record->tags, (nlohmann::json{{"t", "v"}}));
    ASSERT_TRUE(store.set_object_acl("b", "k", "", R"({"grants":[]})"));
    EXPECT_EQ(store.open_object("b", "k")->record->acl, R"({"grants":[]})");
    ASSERT_TRUE(store.set_object_headers("b", "k", "", nlohmann::json{{"cache-control", "no"}}));
    EXPECT_EQ(store.open_object("b", "k")->record->headers,
              (nlohmann::json{{"cache-control", "no"}}));
    // A file-backed object kept opens its blob again at each read.
    auto file = object("f", "file bytes");
    store.put_object(file);
    for (int i = 0; i < 2; ++i) {
        auto opened = store.open_object("b", "f");
        ASSERT_TRUE(opened);
        FileSlice guard(opened->fd, 0, opened->record->size);
        char buf[16] = {};
        ASSERT_EQ(::pread(opened->fd, buf, sizeof buf, 0), 10);
        EXPECT_EQ(std::string(buf, 10), "file bytes");
    }
    // A write the S3 store never sees (another service's, in the same database).
    ASSERT_TRUE(store.open_object("b", "k"));
    {
        std::lock_guard lock(db.mutex());
        db.exec("UPDATE s3_objects SET body = 'by sql' WHERE key = 'k'");
    }
    EXPECT_EQ(*store.open_object("b", "k")->record->inline_body, "by sql");
    // Read inside a transaction whose write is then rolled back.
    {
        std::lock_guard lock(db.mutex());
        db.exec("BEGIN");
        db.exec("UPDATE s3_objects SET body = 'rolled back' WHERE key = 'k'");
    }
    EXPECT_EQ(*store.open_object("b", "k")->record->inline_body, "rolled back");
    {
        std::lock_guard lock(db.mutex());
        db.exec("ROLLBACK");
    }
    EXPECT_EQ(*store.open_object("b", "k")->record->inline_body, "by sql");
    EXPECT_TRUE(store.delete_object("b", "k").removed);
    EXPECT_FALSE(store.open_object("b", "k"));
    store.put_object(o);
    ASSERT_TRUE(store.open_object("b", "k"));
    store.reset();
    EXPECT_FALSE(store.open_object("b", "k"));
}
