#include "emulator/database.hpp"

#include <algorithm>
#include <stdexcept>

namespace fogbank {

namespace {
[[noreturn]] void fail(sqlite3* db, std::string_view what) {
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

// The generation the calling thread's current request scope has touched, and in which database.
struct ScopeMark {
    const Database* db = nullptr;
    uint64_t generation = 0;
};
thread_local ScopeMark scope_mark;

constexpr size_t kLostKept = 1024;

// SQLite counts every allocation it makes under a global mutex, for sqlite3_memory_used(),
// which fogbank never asks. Off, a malloc is a malloc. It must be set before SQLite
// initialises, i.e. before the first database opens.
void configure_sqlite_once() {
    static const bool configured = [] {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        return true;
    }();
    (void)configured;
}
}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK)
        fail(db, "prepare");
}

Statement::Statement(sqlite3* db, sqlite3_stmt* cached, bool* in_use)
    : db_(db), stmt_(cached), in_use_(in_use) {
    *in_use_ = true;
}

Statement::~Statement() {
    if (in_use_) {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
        *in_use_ = false;
    } else {
        sqlite3_finalize(stmt_);
    }
}

Statement& Statement::bind(int idx, std::string_view v) {
    if (sqlite3_bind_text(stmt_, idx, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT) !=
        SQLITE_OK)
        fail(db_, "bind");
    return *this;
}

Statement& Statement::bind(int idx, int64_t v) {
    if (sqlite3_bind_int64(stmt_, idx, v) != SQLITE_OK) fail(db_, "bind");
    return *this;
}

Statement& Statement::bind_blob(int idx, std::string_view v) {
    if (sqlite3_bind_blob64(stmt_, idx, v.data(), v.size(), SQLITE_TRANSIENT) != SQLITE_OK)
        fail(db_, "bind");
    return *this;
}

Statement& Statement::bind_null(int idx) {
    if (sqlite3_bind_null(stmt_, idx) != SQLITE_OK) fail(db_, "bind");
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail(db_, "step");
}

void Statement::run() {
    while (step()) {
    }
}

std::string Statement::text(int col) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string{};
}

std::string Statement::blob(int col) const {
    auto p = static_cast<const char*>(sqlite3_column_blob(stmt_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string{};
}

int64_t Statement::integer(int col) const {
    return sqlite3_column_int64(stmt_, col);
}

bool Statement::is_null(int col) const {
    return sqlite3_column_type(stmt_, col) == SQLITE_NULL;
}

Database::Database(const std::string& path, std::chrono::milliseconds fallback_commit)
    : fallback_after_(fallback_commit) {
    configure_sqlite_once();
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.empty() ? ":memory:" : path.c_str(), &db_, flags, nullptr) !=
        SQLITE_OK)
        fail(db_, "open");
    if (!path.empty()) {
        // A new database gets 8 KiB pages (an existing one keeps its own). An index B-tree
        // page, which a WITHOUT ROWID row lives in, holds a row of up to a quarter of the page
        // before the rest spills into overflow pages; with 4 KiB pages a 1 KiB S3 object's row
        // spilled, and every PUT then wrote three pages (the leaf, a fresh overflow page and
        // the free list) where it now writes one.
        exec("PRAGMA page_size=8192");
        // WAL + NORMAL: a commit is in the OS before we answer, so a killed process loses
        // nothing it acknowledged.
        // One fogbank owns its data directory: an exclusive lock keeps a second process out and
        // spares SQLite a pair of fcntl() lock calls per transaction.
        exec("PRAGMA locking_mode=EXCLUSIVE");
        try {
            exec("PRAGMA journal_mode=WAL");
        } catch (const std::exception&) {
            throw std::runtime_error("database " + path + " is in use by another fogbank process");
        }
        exec("PRAGMA synchronous=NORMAL");
        // A checkpoint copies the WAL into the database and syncs both; small group commits
        // rewrite the same few pages, so a longer WAL (up to 32 MiB) copies each page once
        // for many commits.
        constexpr int64_t kWalBytes = 32 << 20;
        Statement page_size(db_, "PRAGMA page_size");  // once: not worth a cache entry
        page_size.step();
        exec("PRAGMA wal_autocheckpoint=" + std::to_string(kWalBytes / page_size.integer(0)));
        // Each request's savepoint keeps the pages it changes in a sub-journal. SQLite moves
        // that to a temporary file once it outgrows 64 KiB and keeps the file until the shared
        // transaction ends, so after one large request every small one paid a pwrite() per
        // page. In memory it stays, bounded by what one request writes.
        exec("PRAGMA temp_store=MEMORY");
    }
    exec("PRAGMA foreign_keys=ON");
    sqlite3_busy_timeout(db_, 5000);
    grouped_ = !path.empty();
}

Database::~Database() {
    if (grouped_) {
        {
            std::lock_guard lock(fallback_mu_);
            stopping_ = true;
        }
        fallback_cv_.notify_all();
        if (fallback_.joinable()) fallback_.join();
        commit_pending();  // what background work wrote last
    }
    for (auto& [_, c] : cache_)
        sqlite3_finalize(c.stmt);
    sqlite3_close_v2(db_);
}

Statement Database::prepare(std::string_view sql) {
    auto it = cache_.find(std::string(sql));
    if (it == cache_.end()) {
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                               SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK)
            fail(db_, "prepare");
        it = cache_.emplace(std::string(sql), Cached{stmt, false, sqlite3_stmt_readonly(stmt) != 0})
                 .first;
    }
    if (grouped_) {
        if (!it->second.read_only)
            join_group();
        else
            touch_open();
    }
    if (it->second.in_use) return Statement(db_, sql);
    return Statement(db_, it->second.stmt, &it->second.in_use);
}

void Database::join_group() {
    if (!grouped_) return;
    touch_open();
    if (open_.load() == 0) {
        if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
            fail(db_, "begin");
        open_.store(++last_opened_);
        if (!fallback_.joinable()) {
            fallback_ = std::thread([this] { fallback_loop(); });
        } else if (fallback_idle_.load()) {
            std::lock_guard lock(fallback_mu_);
            fallback_cv_.notify_one();
        }
    }
    touch_open();
}

void Database::touch_open() {
    uint64_t g = open_.load();
    if (g == 0) return;
    if (sqlite3_get_autocommit(db_)) {
        // SQLite rolled the shared transaction back by itself (an I/O error, a full disk): its
        // writes are gone, and so are the acknowledgements its waiters were promised.
        resolve(g, false);
        return;
    }
    if (scope_mark.db != this) scope_mark = {this, 0};
    scope_mark.generation = std::max(scope_mark.generation, g);
}

void Database::begin_scope() {
    scope_mark = {this, 0};
}

uint64_t Database::scope_ticket() const {
    return scope_mark.db == this ? scope_mark.generation : 0;
}

void Database::when_committed(uint64_t ticket, std::function<void(bool)> done) {
    bool ok;
    {
        std::lock_guard lock(waiters_mu_);
        if (ticket > resolved_.load()) {
            waiters_.push_back({ticket, std::move(done)});
            waiting_.store(waiters_.size());
            return;
        }
        ok = std::find(lost_.begin(), lost_.end(), ticket) == lost_.end();
    }
    done(ok);
}

void Database::resolve(uint64_t g, bool ok) {
    open_.store(0);
    std::vector<std::pair<std::function<void(bool)>, bool>> ready;
    {
        std::lock_guard lock(waiters_mu_);
        if (!ok) {
            lost_.push_back(g);
            if (lost_.size() > kLostKept) lost_.erase(lost_.begin());
            any_lost_.store(true);
            lost_count_.fetch_add(1);
        }
        resolved_.store(g);
        auto end = std::partition(waiters_.begin(), waiters_.end(),
                                  [g](const Waiter& w) { return w.generation > g; });
        for (auto it = end; it != waiters_.end(); ++it) {
            bool committed = std::find(lost_.begin(), lost_.end(), it->generation) == lost_.end();
            ready.emplace_back(std::move(it->done), committed);
        }
        waiters_.erase(end, waiters_.end());
        waiting_.store(waiters_.size());
    }
    for (auto& [done, committed] : ready)
        done(committed);
}

void Database::commit_pending() {
    std::lock_guard lock(mutex_);
    commit_claimed_.store(false);
    uint64_t g = open_.load();
    if (g == 0) return;
    bool ok = !sqlite3_get_autocommit(db_) &&
              sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
    if (!ok && !sqlite3_get_autocommit(db_))
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    resolve(g, ok);
}

void Database::fallback_loop() {
    for (;;) {
        uint64_t seen;
        {
            std::unique_lock lock(fallback_mu_);
            fallback_idle_.store(true);
            fallback_cv_.wait(lock, [this] { return stopping_ || open_.load() != 0; });
            fallback_idle_.store(false);
            if (stopping_) return;
            seen = open_.load();
            if (fallback_cv_.wait_for(lock, fallback_after_, [this] { return stopping_; })) return;
        }
        // Still open: no request is waiting for it (or its commit is late); commit it here.
        if (open_.load() == seen) commit_pending();
    }
}

void Database::exec(std::string_view sql) {
    if (grouped_) touch_open();
    char* err = nullptr;
    if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "exec failed";
        sqlite3_free(err);
        throw std::runtime_error(msg);
    }
}

}  // namespace fogbank
