// SQLite underneath every service. One connection, serialised by a mutex: SQLite runs a
// statement in microseconds, and one writer is what WAL allows anyway. In persistent mode a
// write is acknowledged only after its transaction commits.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

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
    // path empty: in-memory database (ephemeral mode).
    explicit Database(const std::string& path);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(std::string_view sql);
    // Statements are compiled once and kept: services run the same few dozen SQL texts, and
    // compiling costs as much as running them. A text already in use (nested) gets a fresh one.
    Statement prepare(std::string_view sql);
    int64_t changes() const { return sqlite3_changes64(db_); }
    std::mutex& mutex() { return mutex_; }

  private:
    struct Cached {
        sqlite3_stmt* stmt = nullptr;
        bool in_use = false;
    };
    sqlite3* db_ = nullptr;
    std::mutex mutex_;
    std::unordered_map<std::string, Cached> cache_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back if not committed. Hold Database::mutex() around it.
class Transaction {
  public:
    explicit Transaction(Database& db) : db_(db) { db_.prepare("BEGIN IMMEDIATE").run(); }
    ~Transaction() {
        if (!done_) {
            try {
                db_.exec("ROLLBACK");
            } catch (...) {
            }
        }
    }
    void commit() {
        db_.prepare("COMMIT").run();
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
