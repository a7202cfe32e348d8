// The versioned half of the S3 store: which rows a write or delete leaves, which blobs it frees,
// and what becomes current when a version is removed for good.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "emulator/aws_error.hpp"
#include "services/s3/store.hpp"

using namespace fogbank;
using namespace fogbank::s3;

namespace {
struct VersionsTest : ::testing::Test {
    Database db{""};
    BlobStore blobs{{}};
    Store store{db, blobs};
    int counter = 0;

    ObjectRecord object(const std::string& key, const std::string& content) {
        auto spool = blobs.spool_dir() / ("v" + std::to_string(counter++));
        std::ofstream(spool) << content;
        ObjectRecord o;
        o.bucket = "b";
        o.key = key;
        o.blob_id = blobs.adopt(spool);
        o.size = content.size();
        o.etag = content;
        o.last_modified_ms = 1000 + counter;
        return o;
    }
    bool blob_exists(const ObjectRecord& o) {
        return std::filesystem::exists(blobs.path_for(o.blob_id));
    }
    // (version id, delete marker, latest) of every version of the bucket, in listing order.
    std::vector<std::tuple<std::string, bool, bool>> versions(const std::string& key) {
        std::vector<std::tuple<std::string, bool, bool>> out;
        for (auto& v : store.list_versions("b", key, std::nullopt, -1, 100))
            out.emplace_back(wire_version_id(v.version_id), v.delete_marker, v.is_latest());
        return out;
    }
    void SetUp() override {
        BucketRecord b;
        b.name = "b";
        b.account = "1";
        b.region = "us-east-1";
        ASSERT_TRUE(store.create_bucket(b));
    }
};
}  // namespace

TEST_F(VersionsTest, UnversionedBucketsReportNoVersion) {
    EXPECT_EQ(store.put_object(object("k", "one")), "");
    auto d = store.delete_object("b", "k");
    EXPECT_TRUE(d.removed);
    EXPECT_FALSE(d.delete_marker);
    EXPECT_EQ(d.version_id, "");
    EXPECT_TRUE(versions("k").empty());
}

TEST_F(VersionsTest, EnabledKeepsEveryVersionAndItsBlob) {
    auto before = object("k", "null-one");
    store.put_object(before);  // written before versioning: the null version
    store.set_bucket_versioning("b", "Enabled");
    auto second = object("k", "two");
    auto v2 = store.put_object(second);
    ASSERT_EQ(v2.size(), 32u);
    EXPECT_TRUE(blob_exists(before));
    EXPECT_EQ(store.object("b", "k")->etag, "two");
    EXPECT_EQ(store.object_version("b", "k", "")->etag, "null-one");
    EXPECT_EQ(versions("k"), (std::vector<std::tuple<std::string, bool, bool>>{
                                 {v2, false, true}, {"null", false, false}}));

    auto marker = store.delete_object("b", "k");
    EXPECT_TRUE(marker.delete_marker);
    EXPECT_FALSE(store.object("b", "k"));
    EXPECT_TRUE(store.latest_version("b", "k")->delete_marker);
    EXPECT_TRUE(blob_exists(second));

    // Removing the marker brings the newest version back.
    auto undone = store.delete_version("b", "k", marker.version_id);
    EXPECT_TRUE(undone.removed);
    EXPECT_TRUE(undone.delete_marker);
    EXPECT_EQ(store.object("b", "k")->etag, "two");

    // Removing the current version for good frees its blob; the older one becomes current.
    EXPECT_TRUE(store.delete_version("b", "k", v2).removed);
    EXPECT_FALSE(blob_exists(second));
    EXPECT_EQ(store.object("b", "k")->etag, "null-one");
    EXPECT_EQ(versions("k"),
              (std::vector<std::tuple<std::string, bool, bool>>{{"null", false, true}}));
    EXPECT_FALSE(store.delete_version("b", "k", v2).removed);  // already gone: not an error

    EXPECT_TRUE(store.delete_version("b", "k", "").removed);
    EXPECT_FALSE(blob_exists(before));
    EXPECT_TRUE(versions("k").empty());
    EXPECT_EQ(store.delete_bucket("b"), Store::DeleteBucketResult::deleted);
}

TEST_F(VersionsTest, ADeleteMarkerAloneKeepsTheBucketAndListsAsLatest) {
    store.set_bucket_versioning("b", "Enabled");
    auto d = store.delete_object("b", "ghost");  // no object: S3 still makes a marker
    EXPECT_TRUE(d.removed && d.delete_marker);
    EXPECT_EQ(store.delete_bucket("b"), Store::DeleteBucketResult::not_empty);
    EXPECT_EQ(versions("ghost"),
              (std::vector<std::tuple<std::string, bool, bool>>{{d.version_id, true, true}}));
    auto d2 = store.delete_object("b", "ghost");
    EXPECT_EQ(versions("ghost"), (std::vector<std::tuple<std::string, bool, bool>>{
                                     {d2.version_id, true, true}, {d.version_id, true, false}}));
    // The older marker removed: the newer stays latest.
    store.delete_version("b", "ghost", d.version_id);
    EXPECT_TRUE(store.latest_version("b", "ghost")->is_latest());
}

TEST_F(VersionsTest, SuspendedOverwritesOnlyTheNullVersion) {
    store.set_bucket_versioning("b", "Enabled");
    auto kept = object("k", "kept");
    auto id = store.put_object(kept);
    store.set_bucket_versioning("b", "Suspended");
    auto n1 = object("k", "null-1");
    EXPECT_EQ(store.put_object(n1), "null");
    auto n2 = object("k", "null-2");
    store.put_object(n2);
    EXPECT_FALSE(blob_exists(n1));  // the null version was overwritten
    EXPECT_TRUE(blob_exists(kept));
    EXPECT_EQ(versions("k"), (std::vector<std::tuple<std::string, bool, bool>>{
                                 {"null", false, true}, {id, false, false}}));
    // A suspended DELETE replaces the null version with a null delete marker.
    auto d = store.delete_object("b", "k");
    EXPECT_EQ(d.version_id, "null");
    EXPECT_TRUE(d.delete_marker);
    EXPECT_FALSE(blob_exists(n2));
    EXPECT_EQ(versions("k"), (std::vector<std::tuple<std::string, bool, bool>>{
                                 {"null", true, true}, {id, false, false}}));
    // And a later null write replaces that marker.
    store.put_object(object("k", "null-3"));
    EXPECT_EQ(versions("k"), (std::vector<std::tuple<std::string, bool, bool>>{
                                 {"null", false, true}, {id, false, false}}));
}

TEST_F(VersionsTest, ListingPagesByKeyAndSeq) {
    store.set_bucket_versioning("b", "Enabled");
    std::vector<std::string> ids;
    for (int i = 0; i < 3; ++i)
        ids.push_back(store.put_object(object("a", "a" + std::to_string(i))));
    store.put_object(object("b", "b0"));
    auto page = store.list_versions("b", "", std::nullopt, -1, 2);
    ASSERT_EQ(page.size(), 2u);
    EXPECT_EQ(page[0].version_id, ids[2]);
    EXPECT_EQ(page[1].version_id, ids[1]);
    auto rest = store.list_versions("b", "", page[1].key, page[1].seq, 10);
    ASSERT_EQ(rest.size(), 2u);
    EXPECT_EQ(rest[0].version_id, ids[0]);
    EXPECT_EQ(rest[1].key, "b");
    // Only noncurrent rows, for lifecycle.
    EXPECT_EQ(store.list_versions("b", "", std::nullopt, -1, 10, true).size(), 2u);
    // A key marker alone skips every version of that key.
    EXPECT_EQ(store.list_versions("b", "", std::string("a"), -1, 10).size(), 1u);
}

TEST_F(VersionsTest, TagsAndBodiesByVersion) {
    store.set_bucket_versioning("b", "Enabled");
    auto old_id = store.put_object(object("k", "old"));
    store.put_object(object("k", "new"));
    EXPECT_TRUE(store.set_object_tags("b", "k", {{"t", "1"}}, &old_id));
    EXPECT_EQ(store.object_version("b", "k", old_id)->tags, (nlohmann::json{{"t", "1"}}));
    EXPECT_EQ(store.object("b", "k")->tags, nlohmann::json::object());
    auto opened = store.open_object("b", "k", &old_id);
    ASSERT_TRUE(opened);
    char buf[4] = {};
    EXPECT_EQ(::pread(opened->fd, buf, 3, 0), 3);
    ::close(opened->fd);
    EXPECT_EQ(std::string(buf), "old");
    std::string missing(32, 'x');
    EXPECT_FALSE(store.open_object("b", "k", &missing));
}

// A data directory written before versioning existed gets the new columns on open.
TEST(VersionsSchema, OlderObjectTablesGainVersionColumns) {
    auto dir =
        std::filesystem::temp_directory_path() / ("fogbank-vschema-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    {
        Database db((dir / "s3.db").string());
        db.exec(
            "CREATE TABLE s3_buckets (name TEXT PRIMARY KEY, account TEXT NOT NULL, region TEXT "
            "NOT NULL, created INTEGER NOT NULL, tags TEXT NOT NULL DEFAULT '{}', cors TEXT NOT "
            "NULL DEFAULT '', versioning TEXT NOT NULL DEFAULT '');"
            "CREATE TABLE s3_objects (bucket TEXT NOT NULL, key TEXT NOT NULL, blob_id TEXT NOT "
            "NULL, size INTEGER NOT NULL, etag TEXT NOT NULL, last_modified INTEGER NOT NULL, "
            "content_type TEXT NOT NULL, headers TEXT NOT NULL, metadata TEXT NOT NULL, tags TEXT "
            "NOT NULL, checksums TEXT NOT NULL, part_sizes TEXT NOT NULL, storage_class TEXT NOT "
            "NULL, body BLOB, PRIMARY KEY (bucket, key)) WITHOUT ROWID;"
            "INSERT INTO s3_buckets VALUES ('b','1','us-east-1',0,'{}','','');"
            "INSERT INTO s3_objects VALUES ('b','k','',3,'e',0,'t','{}','{}','{}','{}','[]',"
            "'STANDARD','abc');");
    }
    {
        Database db((dir / "s3.db").string());
        BlobStore blobs{dir / "blobs"};
        Store store{db, blobs};
        auto o = store.object("b", "k");
        ASSERT_TRUE(o);
        EXPECT_EQ(o->version_id, "");
        store.set_bucket_versioning("b", "Enabled");
        ObjectRecord next = *o;
        next.inline_body = "xyz";
        EXPECT_EQ(store.put_object(next).size(), 32u);
        EXPECT_EQ(*store.open_object("b", "k", nullptr)->record->inline_body, "xyz");
        std::string null_id;
        EXPECT_EQ(*store.open_object("b", "k", &null_id)->record->inline_body, "abc");
    }
    std::filesystem::remove_all(dir);
}
