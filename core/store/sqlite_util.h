#pragma once
// Small RAII helpers over the SQLite C API, for the store only.
#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "core/util/result.h"

namespace tunelab::sql {

// A prepared statement, reset and re-bound for each use.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql);
  ~Stmt();
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  bool ok() const { return stmt_ != nullptr; }
  Stmt& reset();
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, double v);
  Stmt& bind(int i, const std::string& v);
  Stmt& bind_null(int i);
  template <typename T>
  Stmt& bind(int i, const std::optional<T>& v) { return v ? bind(i, *v) : bind_null(i); }
  // Steps once: true on SQLITE_ROW, false on SQLITE_DONE; an error sets error(). A statement that failed to
  // prepare never steps: every step fails with its prepare error (binding and reset do nothing).
  bool step();
  int64_t int64(int col) const;
  double real(int col) const;
  std::optional<double> opt_real(int col) const;
  std::optional<int64_t> opt_int64(int col) const;
  std::string text(int col) const;
  const std::string& error() const { return error_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string prepare_error_;  // why the statement could not be prepared; empty when it was
  std::string error_;
};

// Runs SQL without results; returns the error text, or empty on success.
std::string exec(sqlite3* db, const char* sql);

// Prepared statements cached by their SQL text, for the writer thread.
class StmtCache {
 public:
  explicit StmtCache(sqlite3* db) : db_(db) {}
  sqlite3* db() const { return db_; }
  Stmt& get(const char* sql);

 private:
  sqlite3* db_;
  std::map<const char*, std::unique_ptr<Stmt>> cache_;
};

}  // namespace tunelab::sql
