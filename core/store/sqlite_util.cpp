#include "core/store/sqlite_util.h"

#include <memory>

namespace tunelab::sql {

namespace {

// The statement's first words, enough to name what it does and to which table.
std::string statement_head(const char* sql) {
  std::string head;
  bool space = false;
  for (const char* p = sql; *p && head.size() < 60; ++p) {
    const bool ws = *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';
    if (ws) {
      space = !head.empty();
      continue;
    }
    if (space) head += ' ';
    space = false;
    head += *p;
  }
  return *sql && head.size() >= 60 ? head + " ..." : head;
}

}  // namespace

Stmt::Stmt(sqlite3* db, const char* sql) : db_(db) {
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
    // Kept for good: a statement that cannot be prepared fails every use, naming itself and the cause
    // (e.g. "no such table: events").
    prepare_error_ = std::string("cannot prepare `") + statement_head(sql) + "`: " + sqlite3_errmsg(db);
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
  error_ = prepare_error_;
}

Stmt::~Stmt() { sqlite3_finalize(stmt_); }

Stmt& Stmt::reset() {
  error_ = prepare_error_;
  if (!stmt_) return *this;
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  return *this;
}
Stmt& Stmt::bind(int i, int64_t v) {
  if (stmt_) sqlite3_bind_int64(stmt_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, double v) {
  if (stmt_) sqlite3_bind_double(stmt_, i, v);
  return *this;
}
Stmt& Stmt::bind(int i, const std::string& v) {
  if (stmt_) sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  return *this;
}
Stmt& Stmt::bind_null(int i) {
  if (stmt_) sqlite3_bind_null(stmt_, i);
  return *this;
}

bool Stmt::step() {
  if (!stmt_) {
    error_ = prepare_error_;
    return false;
  }
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) error_ = sqlite3_errmsg(db_);
  return false;
}

int64_t Stmt::int64(int col) const { return sqlite3_column_int64(stmt_, col); }
double Stmt::real(int col) const { return sqlite3_column_double(stmt_, col); }
std::optional<double> Stmt::opt_real(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return real(col);
}
std::optional<int64_t> Stmt::opt_int64(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return int64(col);
}
std::string Stmt::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}

std::string exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) == SQLITE_OK) return {};
  std::string msg = err ? err : sqlite3_errmsg(db);
  sqlite3_free(err);
  return msg;
}

Stmt& StmtCache::get(const char* sql) {
  auto& slot = cache_[sql];
  if (!slot) slot = std::make_unique<Stmt>(db_, sql);
  return slot->reset();
}

}  // namespace tunelab::sql
