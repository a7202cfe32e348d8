// Group commit on a real SQLite file: which generation a request's writes land in, when they
// are durable, that one request's rollback spares the others in its group, and that writes no
// request waits for are committed by the fallback.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "emulator/database.hpp"

namespace fogbank {
namespace {

namespace fs = std::filesystem;

class GroupCommitTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() /
               ("fogbank-db-test-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
        path_ = (dir_ / "test.db").string();
        open();
        std::lock_guard lock(db_->mutex());
        db_->exec("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
    }
    void TearDown() override {
        db_.reset();
        fs::remove_all(dir_);
    }
    // The fallback committer is held off for the test's length, so that what the test leaves
    // open stays open; the fallback's own test shortens it.
    void open(std::chrono::milliseconds fallback = std::chrono::hours(1)) {
        db_ = std::make_unique<Database>(path_, fallback);
    }
    // Closes the database (as a restart would) and opens it again.
    void reopen() {
        db_.reset();
        open();
    }

    // One request's write in its own scope; returns the scope's ticket.
    uint64_t put(const std::string& k, const std::string& v) {
        db_->begin_scope();
        std::lock_guard lock(db_->mutex());
        Transaction tx(*db_);
        db_->prepare("INSERT OR REPLACE INTO t (k, v) VALUES (?, ?)").bind_all(k, v).run();
        tx.commit();
        return db_->scope_ticket();
    }
    int64_t pragma(const std::string& name) {
        std::lock_guard lock(db_->mutex());
        auto s = db_->prepare("PRAGMA " + name);
        s.step();
        return s.integer(0);
    }
    std::optional<std::string> get(const std::string& k) {
        std::lock_guard lock(db_->mutex());
        auto s = db_->prepare("SELECT v FROM t WHERE k=?");
        s.bind_all(k);
        if (!s.step()) return std::nullopt;
        return s.text(0);
    }

    fs::path dir_;
    std::string path_;
    std::unique_ptr<Database> db_;
};

TEST_F(GroupCommitTest, AWriteWaitsForItsGroupAndIsDurableOnceAnswered) {
    ASSERT_TRUE(db_->groups_commits());
    uint64_t ticket = put("a", "1");
    ASSERT_GT(ticket, 0u);
    EXPECT_FALSE(db_->settled(ticket));
    int calls = 0;
    bool ok = false;
    db_->when_committed(ticket, [&](bool committed) {
        ++calls;
        ok = committed;
    });
    EXPECT_EQ(calls, 0) << "answered before its commit";
    db_->commit_pending();
    EXPECT_EQ(calls, 1);
    EXPECT_TRUE(ok);
    EXPECT_TRUE(db_->settled(ticket));
    reopen();
    EXPECT_EQ(get("a"), "1");
}

TEST_F(GroupCommitTest, ConcurrentRequestsShareOneCommit) {
    uint64_t first = put("a", "1");
    uint64_t second = put("b", "2");
    EXPECT_EQ(first, second);
    int answered = 0;
    db_->when_committed(first, [&](bool ok) { answered += ok; });
    db_->when_committed(second, [&](bool ok) { answered += ok; });
    db_->commit_pending();
    EXPECT_EQ(answered, 2);
    // The next write opens the next generation.
    uint64_t third = put("c", "3");
    EXPECT_GT(third, first);
    // Asking after the commit answers at once.
    bool late = false;
    db_->when_committed(first, [&](bool ok) { late = ok; });
    EXPECT_TRUE(late);
}

TEST_F(GroupCommitTest, ARolledBackRequestSparesTheOthersInItsGroup) {
    uint64_t kept = put("kept", "1");
    {
        db_->begin_scope();
        std::lock_guard lock(db_->mutex());
        Transaction tx(*db_);
        db_->prepare("INSERT INTO t (k, v) VALUES (?, ?)").bind_all("undone", "x").run();
        // No commit(): the handler failed after writing.
    }
    EXPECT_EQ(db_->scope_ticket(), kept) << "it touched the same group";
    bool ok = false;
    db_->when_committed(kept, [&](bool committed) { ok = committed; });
    db_->commit_pending();
    EXPECT_TRUE(ok);
    reopen();
    EXPECT_EQ(get("kept"), "1");
    EXPECT_EQ(get("undone"), std::nullopt);
}

TEST_F(GroupCommitTest, AScopeThatOnlyReadsWaitsForNothing) {
    db_->begin_scope();
    EXPECT_EQ(get("nothing"), std::nullopt);
    EXPECT_EQ(db_->scope_ticket(), 0u);
}

TEST_F(GroupCommitTest, AReadOfAnUncommittedWriteWaitsForItsCommit) {
    uint64_t writer = put("a", "1");
    db_->begin_scope();
    EXPECT_EQ(get("a"), "1");
    EXPECT_EQ(db_->scope_ticket(), writer) << "it saw the group's write before its commit";
}

TEST_F(GroupCommitTest, WritesNoRequestWaitsForAreCommittedByTheFallback) {
    db_.reset();
    open(Database::kFallbackCommit);
    uint64_t ticket = put("background", "1");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!db_->settled(ticket) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_TRUE(db_->settled(ticket));
}

TEST_F(GroupCommitTest, ClosingCommitsWhatIsPending) {
    put("last", "1");
    reopen();
    EXPECT_EQ(get("last"), "1");
}

TEST_F(GroupCommitTest, OnlyOneCallerAtATimeArrangesTheCommit) {
    EXPECT_TRUE(db_->claim_commit());
    EXPECT_FALSE(db_->claim_commit());
    db_->commit_pending();
    EXPECT_TRUE(db_->claim_commit());
    db_->commit_pending();
}

TEST_F(GroupCommitTest, ManyThreadsWritingAreEachAnsweredOnceCommitted) {
    constexpr int kThreads = 4, kEach = 200;
    std::atomic<int> answered{0}, lost{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                uint64_t ticket = put(std::to_string(t) + "-" + std::to_string(i), "v");
                db_->when_committed(ticket, [&](bool ok) { ok ? ++answered : ++lost; });
                if (db_->claim_commit()) db_->commit_pending();
            }
        });
    for (auto& t : threads)
        t.join();
    db_->commit_pending();
    EXPECT_EQ(answered.load(), kThreads * kEach);
    EXPECT_EQ(lost.load(), 0);
    reopen();
    std::lock_guard lock(db_->mutex());
    auto s = db_->prepare("SELECT COUNT(*) FROM t");
    s.step();
    EXPECT_EQ(s.integer(0), kThreads * kEach);
}

TEST(DatabaseInMemory, CommitsEachTransactionAtOnceAndHasNothingToWaitFor) {
    Database db("");
    EXPECT_FALSE(db.groups_commits());
    std::lock_guard lock(db.mutex());
    db.exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
    db.begin_scope();
    {
        Transaction tx(db);
        db.prepare("INSERT INTO t (k) VALUES ('a')").run();
        tx.commit();
    }
    {
        Transaction tx(db);
        db.prepare("INSERT INTO t (k) VALUES ('b')").run();
    }
    EXPECT_EQ(db.scope_ticket(), 0u);
    auto s = db.prepare("SELECT COUNT(*) FROM t");
    s.step();
    EXPECT_EQ(s.integer(0), 1);
}

}  // namespace
}  // namespace fogbank

namespace fogbank {
namespace {

// A full disk, as SQLite sees one: a page limit the group's writes exceed.
TEST_F(GroupCommitTest, AGroupThatCannotCommitFailsItsWaitersAndLosesItsWrites) {
    uint64_t before = put("before", "1");
    db_->commit_pending();
    ASSERT_TRUE(db_->settled(before));
    {
        std::lock_guard lock(db_->mutex());
        auto s = db_->prepare("PRAGMA page_count");
        s.step();
        db_->exec("PRAGMA max_page_count=" + std::to_string(s.integer(0) + 2));
    }
    uint64_t small = put("small", "1");
    bool threw = false;
    try {
        put("big", std::string(64 * 1024, 'x'));
    } catch (const std::exception&) {
        threw = true;
    }
    EXPECT_TRUE(threw);
    std::optional<bool> outcome;
    db_->when_committed(small, [&](bool ok) { outcome = ok; });
    db_->commit_pending();
    ASSERT_TRUE(outcome.has_value());
    // SQLite rolls the whole shared transaction back on SQLITE_FULL: the small write that shared
    // it is gone too, so its request must not be told it is durable.
    EXPECT_FALSE(*outcome);
    EXPECT_FALSE(db_->settled(small));
    reopen();
    EXPECT_EQ(get("before"), "1");
    EXPECT_EQ(get("small"), std::nullopt);
    uint64_t after = put("after", "1");
    bool ok = false;
    db_->when_committed(after, [&](bool committed) { ok = committed; });
    db_->commit_pending();
    EXPECT_TRUE(ok);
}

// An S3 object's row holds up to a few KiB of body (WITHOUT ROWID, as s3_objects is): at
// 1.5 KiB, rows must stay in their leaves rather than each spill into an overflow page.
TEST_F(GroupCommitTest, ANewDatabaseKeepsRowsOfAFewKiBInTheirLeaves) {
    EXPECT_EQ(pragma("page_size"), 8192);
    {
        std::lock_guard lock(db_->mutex());
        db_->exec("CREATE TABLE w (k TEXT PRIMARY KEY, v BLOB NOT NULL) WITHOUT ROWID");
    }
    for (int i = 0; i < 100; ++i) {
        db_->begin_scope();
        std::lock_guard lock(db_->mutex());
        Transaction tx(*db_);
        db_->prepare("INSERT INTO w (k, v) VALUES (?, ?)")
            .bind(1, "key-" + std::to_string(i))
            .bind_blob(2, std::string(1536, 'b'))
            .run();
        tx.commit();
    }
    db_->commit_pending();
    // 150 KiB of rows: about 20 pages in leaves, over 100 with an overflow page per row.
    EXPECT_LT(pragma("page_count"), 50);
    // The WAL is checkpointed at 32 MiB whatever the page size.
    EXPECT_EQ(pragma("wal_autocheckpoint"), (32 << 20) / 8192);
}

// A data directory from before keeps its 4 KiB pages: SQLite cannot change the page size of a
// WAL database, and what it holds must still open and take writes.
TEST_F(GroupCommitTest, AnExistingDatabaseKeepsItsPageSize) {
    db_.reset();
    fs::remove(path_);
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw,
                           "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; CREATE TABLE t (k TEXT "
                           "PRIMARY KEY, v TEXT NOT NULL); INSERT INTO t VALUES ('old', '1');",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
    open();
    EXPECT_EQ(pragma("page_size"), 4096);
    EXPECT_EQ(pragma("wal_autocheckpoint"), (32 << 20) / 4096);
    EXPECT_EQ(get("old"), "1");
    put("new", "2");
    reopen();
    EXPECT_EQ(get("new"), "2");
    EXPECT_EQ(pragma("page_size"), 4096);
}

}  // namespace
}  // namespace fogbank
