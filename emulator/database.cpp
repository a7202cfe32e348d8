#include "emulator/database.hpp"

#include <stdexcept>

namespace fogbank {

namespace {
[[noreturn]] void fail(sqlite3* db, std::string_view what) {
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
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

Database::Database(const std::string& path) {
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path.empty() ? ":memory:" : path.c_str(), &db_, flags, nullptr) !=
        SQLITE_OK)
        fail(db_, "open");
    if (!path.empty()) {
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
    }
    exec("PRAGMA foreign_keys=ON");
    sqlite3_busy_timeout(db_, 5000);
}

Database::~Database() {
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
        it = cache_.emplace(std::string(sql), Cached{stmt, false}).first;
    }
    if (it->second.in_use) return Statement(db_, sql);
    return Statement(db_, it->second.stmt, &it->second.in_use);
}

void Database::exec(std::string_view sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        std::string msg = err ? err : "exec failed";
        sqlite3_free(err);
        throw std::runtime_error(msg);
    }
}

}  // namespace fogbank
