// SQLite underneath every service. One connection, serialised by a mutex: SQLite runs a
// statement in microseconds, and one writer is what WAL allows anyway. In persistent mode a
// write is acknowledged only after its transaction commits.
//
// Group commit (persistent mode). A commit writes every page the transaction touched to the
// WAL, so one transaction per request made small writes pay a commit each. Instead the first
// write opens a shared transaction that the writes of concurrent requests join (each inside a
// savepoint of its own, so one request's failure undoes only its writes); the server holds
// every request that touched it until it commits, then answers them all. Acknowledged still
// means committed. Generations number the shared transactions: a request waits for the one it
// touched. The commit runs on the event loop of a waiting request, after the requests that loop
// already has in hand, so a group is whatever arrived while the last commit ran. Writes no
// request waits for (background work: TTL sweeps, event sources) are committed by a fallback
// thread within kFallbackCommit.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

namespace fogbank {

class Database;

class Statement {
  public:
    Statement(sqlite3* db, std::string_view sql);
    // A statement from the database's cache: reset, not finalised, when done.
    Statement(sqlite3* db, sqlite3_stmt* cached, bool* in_use);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int idx, std::string_view v);
    Statement& bind(int idx, int64_t v);
    Statement& bind_null(int idx);
    Statement& bind_blob(int idx, std::string_view bytes);
    // Binds parameters 1..n in order.
    template <typename... Ts>
    Statement& bind_all(const Ts&... vs) {
        int i = 1;
        (bind_one(i++, vs), ...);
        return *this;
    }

    bool step();  // true while a row is available
    void run();   // steps to completion
    std::string text(int col) const;
    std::string blob(int col) const;
    int64_t integer(int col) const;
    bool is_null(int col) const;

  private:
    void bind_one(int i, std::string_view v) { bind(i, v); }
    void bind_one(int i, const std::string& v) { bind(i, std::string_view(v)); }
    void bind_one(int i, const char* v) { bind(i, std::string_view(v)); }
    void bind_one(int i, int64_t v) { bind(i, v); }
    void bind_one(int i, int v) { bind(i, static_cast<int64_t>(v)); }
    void bind_one(int i, uint64_t v) { bind(i, static_cast<int64_t>(v)); }
    void bind_one(int i, const std::optional<std::string>& v) {
        if (v)
            bind(i, std::string_view(*v));
        else
            bind_null(i);
    }

    sqlite3* db_;
    sqlite3_stmt* stmt_ = nullptr;
    bool* in_use_ = nullptr;  // set for cached statements
};

class Database {
  public:
    static constexpr std::chrono::milliseconds kFallbackCommit{20};
    // path empty: in-memory database (ephemeral mode). `fallback_commit`: how long a shared
    // transaction no request waits for stays open (tests lengthen it to see it open).
    explicit Database(const std::string& path,
                      std::chrono::milliseconds fallback_commit = kFallbackCommit);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(std::string_view sql);
    // Statements are compiled once and kept: services run the same few dozen SQL texts, and
    // compiling costs as much as running them. A text already in use (nested) gets a fresh one.
    // With group commit, a statement that writes opens the shared transaction if none is open.
    Statement prepare(std::string_view sql);
    int64_t changes() const { return sqlite3_changes64(db_); }
    int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
    // Rows inserted, updated or deleted through this database since it opened, by any service:
    // unchanged means nothing read since has been changed. Hold mutex().
    int64_t total_changes() const { return sqlite3_total_changes64(db_); }
    // Whether any transaction is open (a group's, or a service's own): what a read sees now
    // may yet be rolled back. Hold mutex().
    bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
    std::mutex& mutex() { return mutex_; }

    // --- Group commit (persistent mode only; all of it is a no-op in memory) ---
    bool groups_commits() const { return grouped_; }
    // Whether a shared transaction is open: what a read sees now may not have committed.
    bool group_open() const { return open_.load() != 0; }
    // Opens the shared transaction if none is open. Hold mutex().
    void join_group();
    // The calling thread's request scope: begin_scope() forgets what the thread touched before;
    // scope_ticket() is the generation it has touched since (0: none), which must commit before
    // the request is answered. A scope is one synchronous stretch of a handler on one thread.
    void begin_scope();
    uint64_t scope_ticket() const;
    // True when `ticket` has committed (false may also mean only "ask when_committed").
    bool settled(uint64_t ticket) const { return ticket <= resolved_.load() && !any_lost_.load(); }
    // Calls done(ok) once generation `ticket` has committed (ok) or was lost (false): at once
    // when it already has, else on the thread that commits it. `done` must not block or use the
    // database.
    void when_committed(uint64_t ticket, std::function<void(bool ok)> done);
    // How many shared transactions have been lost since the database opened: unchanged means
    // every generation ended since it was last read has committed.
    uint64_t generations_lost() const { return lost_count_.load(); }
    // How many requests wait for a group commit now.
    size_t waiting() const { return waiting_.load(); }
    // True for the one caller that must now arrange for commit_pending() to run; false while one
    // is arranged and has not started.
    bool claim_commit() { return !commit_claimed_.exchange(true); }
    // Commits the shared transaction, if one is open, and calls its waiters.
    void commit_pending();

  private:
    struct Cached {
        sqlite3_stmt* stmt = nullptr;
        bool in_use = false;
        bool read_only = true;
    };
    struct Waiter {
        uint64_t generation;
        std::function<void(bool)> done;
    };
    // Marks the open generation touched by this thread; notices a transaction SQLite rolled
    // back by itself (after an I/O or disk-full error) and fails its generation. Hold mutex().
    void touch_open();
    // Ends generation `g` as committed or lost and calls its waiters. Hold mutex().
    void resolve(uint64_t g, bool ok);
    void fallback_loop();

    sqlite3* db_ = nullptr;
    std::mutex mutex_;
    std::unordered_map<std::string, Cached> cache_;

    bool grouped_ = false;
    std::atomic<uint64_t> open_{0};      // the open shared transaction's generation, 0: none
    uint64_t last_opened_ = 0;           // under mutex_
    std::atomic<uint64_t> resolved_{0};  // every generation up to this one has ended
    std::atomic<bool> commit_claimed_{false};
    std::mutex waiters_mu_;
    std::vector<Waiter> waiters_;
    std::atomic<size_t> waiting_{0};
    std::vector<uint64_t> lost_;  // generations that did not commit (rare: disk full, I/O error)
    std::atomic<bool> any_lost_{false};
    std::atomic<uint64_t> lost_count_{0};
    // The fallback committer, started with the first shared transaction.
    std::thread fallback_;
    std::mutex fallback_mu_;
    std::condition_variable fallback_cv_;
    std::atomic<bool> fallback_idle_{false};
    bool stopping_ = false;  // under fallback_mu_
    std::chrono::milliseconds fallback_after_;
};

// All or nothing, rolled back if not committed. Hold Database::mutex() around it. In memory it
// is BEGIN IMMEDIATE ... COMMIT; with group commit, a savepoint inside the shared transaction,
// whose commit() makes it part of the group (durable when the group commits).
class Transaction {
  public:
    explicit Transaction(Database& db) : db_(db) {
        if (db_.groups_commits()) {
            db_.join_group();
            db_.prepare("SAVEPOINT request").run();
        } else {
            db_.prepare("BEGIN IMMEDIATE").run();
        }
    }
    ~Transaction() {
        if (!done_) {
            try {
                db_.exec(db_.groups_commits() ? "ROLLBACK TO request; RELEASE request"
                                              : "ROLLBACK");
            } catch (...) {
            }
        }
    }
    void commit() {
        db_.prepare(db_.groups_commits() ? "RELEASE request" : "COMMIT").run();
        done_ = true;
    }

  private:
    Database& db_;
    bool done_ = false;
};

// What a service writes for one request: one transaction, under the database lock, when its
// state is durable; nothing at all in ephemeral mode. Without commit() it rolls back.
class WriteBatch {
  public:
    WriteBatch(Database& db, bool durable) {
        if (!durable) return;
        lock_.emplace(db.mutex());
        tx_.emplace(db);
    }
    void commit() {
        if (tx_) tx_->commit();
    }

  private:
    std::optional<std::unique_lock<std::mutex>> lock_;  // released after tx_ ends
    std::optional<Transaction> tx_;
};

}  // namespace fogbank
