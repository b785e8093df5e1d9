#include "core/store/store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <limits>

#include "core/store/schema.h"
#include "core/store/sqlite_util.h"
#include "core/store/stored_json.h"
#include "core/store/study_lock.h"
#include "core/store/trial_rows.h"
#include "core/util/json_read.h"

namespace tunelab {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

namespace {

std::string json_text(const Json& j) { return j.is_null() ? std::string() : dump_compact(j); }
[[maybe_unused]] Json parse_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return read_json(s).value;  // discarded on a bad value, never throws; linear in the number of keys
}

Result<sqlite3*> open_connection(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Error{path, "cannot open the study database: " + msg};
  }
  sqlite3_busy_timeout(db, 10000);
  sqlite3_extended_result_codes(db, 1);
  return db;
}

// Why `path` cannot be a study database before SQLite sees it, or empty. `st` receives its stat when it exists.
std::string refuse_path(const std::string& path, struct stat& st, bool& exists) {
  exists = false;
  if (path.empty()) return "the study database path is empty; give the path of a study file";
  // SQLite reads a name starting with "file:" as a URI (mode=memory, vfs=..., immutable=1); TuneLab opens plain
  // paths only, so the lock and the trials folder always sit beside the file that holds the study.
  if (path.rfind("file:", 0) == 0) {
    return "looks like an SQLite URI; TuneLab opens plain file paths only (for a file whose name starts with "
           "\"file:\", write ./" + path + ")";
  }
  if (::stat(path.c_str(), &st) != 0) return {};
  exists = true;
  if (S_ISREG(st.st_mode)) return {};
  const char* kind = S_ISDIR(st.st_mode)    ? "a directory"
                     : S_ISFIFO(st.st_mode) ? "a FIFO (named pipe)"
                     : S_ISCHR(st.st_mode)  ? "a character device"
                     : S_ISBLK(st.st_mode)  ? "a block device"
                     : S_ISSOCK(st.st_mode) ? "a socket"
                                            : "not a plain file";
  return std::string("not a regular file (") + kind + "); a study database must be a regular file";
}

// The file is in WAL mode (header bytes 18 and 19 are 2), has no -shm beside it, and its folder cannot be
// written, so SQLite cannot create one. `why` is set when a -wal holds data the file alone lacks.
bool wal_without_shm(const std::string& path, std::string* why) {
  namespace fs = std::filesystem;
  unsigned char header[20] = {};
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t n = ::pread(fd, header, sizeof header, 0);
  ::close(fd);
  if (n != static_cast<ssize_t>(sizeof header) || header[18] != 2 || header[19] != 2) return false;
  struct stat st{};
  if (::stat((path + "-shm").c_str(), &st) == 0) return false;
  std::error_code ec;
  const std::string folder = fs::absolute(path, ec).parent_path().string();
  if (::access(folder.c_str(), W_OK) == 0) return false;
  const std::string cause = std::strerror(errno);
  if (::stat((path + "-wal").c_str(), &st) == 0 && st.st_size > 0) {
    *why = "the study is in WAL mode and its folder " + folder + " cannot be written (" + cause + "): SQLite must create " +
           path + "-shm to read it, and " + path + "-wal holds " + std::to_string(st.st_size) +
           " bytes of the study that the database file alone lacks; copy the study with its -wal file to a writable "
           "folder and read it there";
  }
  return true;
}

// An SQLite URI that opens `path` as immutable (no locks, no -shm): only for a study whose folder cannot be
// written and which has no -wal. Never taken from the user (plain paths only, see refuse_path).
std::string immutable_uri(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string abs = fs::absolute(path, ec).lexically_normal().string();
  static const char* kHex = "0123456789ABCDEF";
  std::string out = "file:";
  for (const char ch : abs) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out + "?immutable=1";
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& path, Mode mode) {
  struct stat st{};
  bool exists = false;
  if (auto why = refuse_path(path, st, exists); !why.empty()) return Error{path, why};
  std::unique_ptr<Store> store(new Store());
  store->path_ = path;
  namespace fs = std::filesystem;
  std::error_code ec;
  if (mode != Mode::Create && !exists) return Error{path, "no such study database"};
  if (mode == Mode::Create && !fs::path(path).parent_path().empty()) {
    fs::create_directories(fs::path(path).parent_path(), ec);
  }
  if (mode == Mode::ReadOnly) {
    auto db = open_connection(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
    if (!db) return db.errors();
    store->read_db_ = *db;
    if (auto err = check_schema_readable(store->read_db_); !err.empty()) {
      // A WAL study in a folder that cannot be written (a read-only file system, a folder without write permission):
      // SQLite needs to create its -shm to read it. Without a -wal there is nothing beyond the file: read it as
      // immutable. With a -wal, the file alone is out of date: say so.
      std::string why;
      if (wal_without_shm(path, &why)) {
        if (!why.empty()) return Error{path, why};
        sqlite3_close(store->read_db_);
        store->read_db_ = nullptr;
        auto idb = open_connection(immutable_uri(path), SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI);
        if (!idb) return Error{path, err};
        store->read_db_ = *idb;
        err = check_schema_readable(store->read_db_);
      }
      if (!err.empty()) return Error{path, err};
    }
    store->schema_version_ = schema_version(store->read_db_);
    return store;
  }
  // A study that cannot be written is refused at once, not at its first result.
  {
    const std::string folder = fs::absolute(path, ec).parent_path().string();
    const bool file_ro = exists && ::access(path.c_str(), W_OK) != 0;
    const bool dir_ro = !file_ro && ::access(folder.c_str(), W_OK) != 0;
    if (file_ro || dir_ro) {
      return Error{path, std::string("the study database is read-only: ") +
                             (file_ro ? "the file" : "its folder " + folder) + " is not writable (" +
                             std::strerror(errno) + "); `tunelab show` can still read it, `run` and `resume` need to write"};
    }
  }
  // A file that is not a study this build can write is refused before anything changes: no lock file, no
  // journal mode switch, no migration.
  if (exists && st.st_size > 0) {
    auto pre = open_connection(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
    if (!pre) return pre.errors();
    std::string err = check_study_file(*pre);
    if (err.empty() && mode == Mode::Create) {
      sql::Stmt count(*pre, "SELECT COUNT(*) FROM study");
      if (count.step() && count.int64(0) > 0) {
        err = "already holds a study; use `tunelab resume " + path + "` or choose another --db";
      }
    }
    sqlite3_close(*pre);
    if (!err.empty()) return Error{path, err};
  }
  // One engine per study: a second `run`/`resume` of a live study would run its trials twice. The lock is
  // on the database file itself (study_lock.h), so no other name of the file (a symlink, a hard link,
  // `./x/../study.db`) and no deleted `.lock` lets a second engine in.
  if (!exists) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);  // new: nothing has it open
    if (fd < 0 && errno != EEXIST) {
      return Error{path, std::string("cannot create the study database: ") + std::strerror(errno)};
    }
    if (fd >= 0) ::close(fd);
  }
  auto db_lock = lock_study_file(path);
  if (!db_lock) return db_lock.errors();
  store->db_lock_ = *db_lock;
  // The `.lock` file beside it is still taken, for TuneLab versions that lock by it alone.
  const std::string lock_path = path + ".lock";
  store->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (store->lock_fd_ < 0) return Error{lock_path, std::string("cannot create the lock file: ") + std::strerror(errno)};
  if (::flock(store->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    return Error{path, "the study is in use by another tunelab process (run or resume); stop that one first"};
  }
  auto wdb = open_connection(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
  if (!wdb) return wdb.errors();
  store->write_db_ = *wdb;
  if (sqlite3_db_readonly(store->write_db_, "main") == 1) {
    return Error{path, "the study database is read-only; `run` and `resume` need to write it"};
  }
  if (auto err = migrate(store->write_db_); !err.empty()) return Error{path, err};
  if (mode == Mode::Create) {
    sql::Stmt count(store->write_db_, "SELECT COUNT(*) FROM study");
    if (count.step() && count.int64(0) > 0) {
      return Error{path, "already holds a study; use `tunelab resume " + path + "` or choose another --db"};
    }
  }
  auto rdb = open_connection(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
  if (!rdb) return rdb.errors();
  store->read_db_ = *rdb;
  store->schema_version_ = schema_version(store->read_db_);
  store->writer_ = std::thread([s = store.get()] { s->writer_loop(); });
  return store;
}

Store::~Store() {
  if (writer_.joinable()) {
    flush();
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    writer_.join();
  }
  sqlite3_close(read_db_);
  sqlite3_close(write_db_);
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
  unlock_study_file(db_lock_);          // after SQLite closed the file; the descriptor stays parked
}

void Store::enqueue(Job job) {
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
    ++enqueued_;
  }
  wake_.notify_one();
}

void Store::writer_loop() {
  sql::StmtCache cache(write_db_);
  std::deque<Job> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) break;
      batch.swap(queue_);
    }
    if (write_failed_) {
      // Nothing after a failed write is applied: a later batch alone would leave a hole in the study.
      std::lock_guard lock(mutex_);
      committed_ += static_cast<int64_t>(batch.size());
      batch.clear();
      drained_.notify_all();
      continue;
    }
    // Everything queued since the last commit goes into one transaction.
    std::string error = sql::exec(write_db_, "BEGIN IMMEDIATE");
    for (auto& job : batch) {
      if (!error.empty()) break;
      error = job(cache);
    }
    if (error.empty()) {
      error = sql::exec(write_db_, "COMMIT");
    } else {
      sql::exec(write_db_, "ROLLBACK");
    }
    if (error.empty()) {
      for (auto& fn : after_commit_) fn();
    }
    after_commit_.clear();
    std::lock_guard lock(mutex_);
    if (!error.empty() && write_error_.empty()) {
      write_error_ = error;
      write_failed_ = true;
    }
    committed_ += static_cast<int64_t>(batch.size());
    ++transactions_;
    batch.clear();
    drained_.notify_all();
  }
}

Status Store::flush() {
  if (!writer_.joinable()) return {};
  std::unique_lock lock(mutex_);
  const int64_t target = enqueued_;
  drained_.wait(lock, [&] { return committed_ >= target; });
  if (!write_error_.empty()) return Error{path_, "cannot write the study database: " + write_error_};
  return {};
}

int64_t Store::committed_writes() const {
  std::lock_guard lock(mutex_);
  return committed_;
}
int64_t Store::transactions() const {
  std::lock_guard lock(mutex_);
  return transactions_;
}

// ---- writes ----

Status Store::create_study(const StudyRecord& s) {
  enqueue([s](sql::StmtCache& c) {
    auto& st = c.get(
        "INSERT INTO study(id, name, spec, base_dir, trials_dir, status, created_at, updated_at) "
        "VALUES(1, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, s.name).bind(2, json_text(s.spec)).bind(3, s.base_dir).bind(4, s.trials_dir).bind(5, s.status);
    st.bind(6, s.created_at).bind(7, s.updated_at);
    st.step();
    return st.error();
  });
  return flush();
}

void Store::set_study_status(const std::string& status, double elapsed_s) {
  enqueue([status, elapsed_s](sql::StmtCache& c) {
    auto& st = c.get("UPDATE study SET status = ?, updated_at = ?, elapsed_s = ? WHERE id = 1");
    st.bind(1, status).bind(2, now_seconds()).bind(3, elapsed_s).step();
    return st.error();
  });
}

void Store::put_trial(const TrialRecord& t) {
  enqueue([t](sql::StmtCache& c) {
    auto& st = c.get(
        "INSERT OR REPLACE INTO trials(id, config, status, attempts, failures, created_at, started_at, ended_at, "
        "runtime_s, error, trial_dir, parent_id, pgid, last_iteration, checkpoint, checkpoint_iteration, "
        "generation, held, origin, iteration_offset, executor_job, ignored_reports) "
        "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, t.id).bind(2, json_text(t.config)).bind(3, std::string(to_string(t.status)));
    st.bind(4, t.attempts).bind(5, t.failures).bind(6, t.created_at).bind(7, t.started_at).bind(8, t.ended_at);
    st.bind(9, t.runtime_s).bind(10, t.error).bind(11, t.trial_dir).bind(12, t.parent_id).bind(13, t.pgid);
    st.bind(14, t.last_iteration).bind(15, t.checkpoint).bind(16, t.checkpoint_iteration);
    st.bind(17, t.generation).bind(18, static_cast<int64_t>(t.held)).bind(19, t.origin).bind(20, t.iteration_offset);
    st.bind(21, t.executor_job).bind(22, t.ignored_reports);
    st.step();
    return st.error();
  });
}

namespace {

// Moves a trial's current results from `iteration` on (and not of attempt `keep_attempt`, when given) to
// results_history. Part of the caller's transaction.
std::string move_to_history(sql::StmtCache& c, int64_t trial_id, int64_t iteration, std::optional<int64_t> keep_attempt,
                            double ts) {
  auto& copy = c.get(
      "INSERT INTO results_history(trial_id, attempt, iteration, time_total_s, ts, metrics, superseded_at) "
      "SELECT trial_id, attempt, iteration, time_total_s, ts, metrics, ? FROM results "
      "WHERE trial_id = ? AND iteration >= ? AND attempt != ? ORDER BY id");
  copy.bind(1, ts).bind(2, trial_id).bind(3, iteration).bind(4, keep_attempt.value_or(-1));
  copy.step();
  if (!copy.error().empty()) return copy.error();
  auto& del = c.get("DELETE FROM results WHERE trial_id = ? AND iteration >= ? AND attempt != ?");
  del.bind(1, trial_id).bind(2, iteration).bind(3, keep_attempt.value_or(-1));
  del.step();
  return del.error();
}

}  // namespace

void Store::append_result(const ResultRecord& r) {
  enqueue([r](sql::StmtCache& c) {
    // A (trial, iteration) pair holds one row: the current attempt's.
    auto& st = c.get(
        "INSERT OR IGNORE INTO results(trial_id, iteration, time_total_s, ts, metrics, attempt) "
        "VALUES(?, ?, ?, ?, ?, ?)");
    st.bind(1, r.trial_id).bind(2, r.iteration).bind(3, r.time_total_s).bind(4, r.ts).bind(5, json_text(r.metrics));
    st.bind(6, r.attempt);
    st.step();
    if (!st.error().empty() || sqlite3_changes(c.db()) > 0) return st.error();
    // Taken by another attempt (a restart the engine did not supersede first): that attempt's rows from
    // here on become history, so the curve is never two attempts spliced. A repeat from the same
    // attempt is not a new result and is ignored.
    if (auto err = move_to_history(c, r.trial_id, r.iteration, r.attempt, r.ts); !err.empty()) return err;
    st.step();
    return st.error();
  });
}

void Store::supersede_results(int64_t trial_id, int64_t iteration, double ts) {
  enqueue([=](sql::StmtCache& c) { return move_to_history(c, trial_id, iteration + 1, std::nullopt, ts); });
}

void Store::add_event(const EventRecord& e) {
  enqueue([e](sql::StmtCache& c) {
    auto& st = c.get("INSERT INTO events(trial_id, ts, kind, message, details) VALUES(?, ?, ?, ?, ?)");
    st.bind(1, e.trial_id).bind(2, e.ts).bind(3, e.kind).bind(4, e.message).bind(5, json_text(e.details));
    st.step();
    return st.error();
  });
}

void Store::add_decision(const DecisionRecord& d) {
  enqueue([d](sql::StmtCache& c) {
    auto& st = c.get(
        "INSERT INTO decisions(trial_id, ts, source, action, reason, details) VALUES(?, ?, ?, ?, ?, ?)");
    st.bind(1, d.trial_id).bind(2, d.ts).bind(3, d.source).bind(4, d.action).bind(5, d.reason);
    st.bind(6, json_text(d.details));
    st.step();
    return st.error();
  });
}

void Store::after_commit(std::function<void()> fn) {
  enqueue([this, fn = std::move(fn)](sql::StmtCache&) {
    after_commit_.push_back(fn);
    return std::string();
  });
}

void Store::add_checkpoint(int64_t trial_id, int64_t iteration, const std::string& path, double ts) {
  enqueue([=](sql::StmtCache& c) {
    auto& st = c.get("INSERT INTO checkpoints(trial_id, iteration, path, ts) VALUES(?, ?, ?, ?)");
    st.bind(1, trial_id).bind(2, iteration).bind(3, path).bind(4, ts);
    st.step();
    return st.error();
  });
}

// ---- reads ----

Result<StudyRecord> Store::load_study() const {
  sql::Stmt st(read_db_, "SELECT name, spec, base_dir, trials_dir, status, created_at, updated_at, elapsed_s FROM study WHERE id = 1");
  if (!st.ok()) return Error{path_, st.error()};
  if (!st.step()) return Error{path_, st.error().empty() ? "holds no study" : st.error()};
  StudyRecord s;
  s.name = st.text(0);
  if (auto why = parse_checked(st.text(1), true, s.spec); !why.empty()) return damaged_row(path_, "study row", "spec", why);
  s.base_dir = st.text(2);
  s.trials_dir = st.text(3);
  s.status = st.text(4);
  s.created_at = st.real(5);
  s.updated_at = st.real(6);
  s.elapsed_s = st.real(7);
  return s;
}

Result<std::vector<TrialRecord>> Store::load_trials() const {
  const std::string query = "SELECT " + trial_columns(schema_version_) + " FROM trials ORDER BY id";
  sql::Stmt st(read_db_, query.c_str());
  if (!st.ok()) return Error{path_, st.error()};
  std::vector<TrialRecord> out;
  while (st.step()) {
    TrialRecord t;
    if (auto why = read_trial_row(st, t); !why.empty()) {
      return damaged_row(path_, "trials row " + std::to_string(t.id), "config", why);
    }
    out.push_back(std::move(t));
  }
  if (!st.error().empty()) return Error{path_, st.error()};
  return out;
}

std::string trial_columns(int schema) {
  return std::string(
             "id, config, status, attempts, failures, created_at, started_at, ended_at, runtime_s, error, "
             "trial_dir, parent_id, pgid, last_iteration, checkpoint, checkpoint_iteration, ") +
         (schema >= 2 ? "generation, held, origin, iteration_offset" : "0, 0, 'search', 0") +
         (schema >= 4 ? ", executor_job" : ", ''") + (schema >= 6 ? ", ignored_reports" : ", 0");
}

std::string read_trial_row(const sql::Stmt& st, TrialRecord& t) {
  t.id = st.int64(0);
  if (auto why = parse_checked(st.text(1), true, t.config); !why.empty()) return why;
  t.status = trial_status_from_string(st.text(2)).value_or(TrialStatus::Pending);
  t.attempts = st.int64(3);
  t.failures = st.int64(4);
  t.created_at = st.real(5);
  t.started_at = st.opt_real(6);
  t.ended_at = st.opt_real(7);
  t.runtime_s = st.real(8);
  t.error = st.text(9);
  t.trial_dir = st.text(10);
  t.parent_id = st.opt_int64(11);
  t.pgid = st.int64(12);
  t.last_iteration = st.int64(13);
  t.checkpoint = st.text(14);
  t.checkpoint_iteration = st.int64(15);
  t.generation = st.int64(16);
  t.held = st.int64(17) != 0;
  t.origin = st.text(18);
  t.iteration_offset = st.int64(19);
  t.executor_job = st.text(20);
  t.ignored_reports = st.int64(21);
  return {};
}

Result<std::vector<EventRecord>> Store::load_events() const {
  sql::Stmt st(read_db_, "SELECT trial_id, ts, kind, message, details, id FROM events ORDER BY id");
  if (!st.ok()) return Error{path_, st.error()};
  std::vector<EventRecord> out;
  while (st.step()) {
    EventRecord e{st.opt_int64(0), st.real(1), st.text(2), st.text(3), Json()};
    if (auto why = parse_checked(st.text(4), false, e.details); !why.empty()) {
      return damaged_row(path_, "events row " + std::to_string(st.int64(5)), "details", why);
    }
    out.push_back(std::move(e));
  }
  if (!st.error().empty()) return Error{path_, st.error()};
  return out;
}

Result<std::vector<DecisionRecord>> Store::load_decisions() const {
  sql::Stmt st(read_db_, "SELECT trial_id, ts, source, action, reason, details, id FROM decisions ORDER BY id");
  if (!st.ok()) return Error{path_, st.error()};
  std::vector<DecisionRecord> out;
  while (st.step()) {
    DecisionRecord d{st.int64(0), st.real(1), st.text(2), st.text(3), st.text(4), Json()};
    if (auto why = parse_checked(st.text(5), false, d.details); !why.empty()) {
      return damaged_row(path_, "decisions row " + std::to_string(st.int64(6)), "details", why);
    }
    out.push_back(std::move(d));
  }
  if (!st.error().empty()) return Error{path_, st.error()};
  return out;
}

Status Store::set_study_origin(const std::string& origin) {
  enqueue([origin](sql::StmtCache& c) {
    auto& st = c.get("UPDATE study SET origin = ? WHERE id = 1");
    st.bind(1, origin).step();
    return st.error();
  });
  return flush();
}

Status Store::set_study_spec(const Json& spec) {
  enqueue([text = json_text(spec)](sql::StmtCache& c) {
    auto& st = c.get("UPDATE study SET spec = ?, updated_at = ? WHERE id = 1");
    st.bind(1, text).bind(2, now_seconds()).step();
    return st.error();
  });
  return flush();
}

Result<std::string> Store::load_study_origin() const {
  if (schema_version_ < 6) return std::string();
  sql::Stmt st(read_db_, "SELECT origin FROM study WHERE id = 1");
  if (!st.ok()) return Error{path_, st.error()};
  if (!st.step()) return Error{path_, st.error().empty() ? "holds no study" : st.error()};
  return st.text(0);
}

void Store::set_trial_attr(int64_t trial_id, const std::string& key, const Json& value) {
  enqueue([trial_id, key, value](sql::StmtCache& c) {
    auto& st = c.get("INSERT OR REPLACE INTO trial_attrs(trial_id, key, value) VALUES(?, ?, ?)");
    st.bind(1, trial_id).bind(2, key).bind(3, dump_compact(value)).step();
    return st.error();
  });
}

Result<std::vector<Store::TrialAttr>> Store::load_trial_attrs(std::optional<int64_t> trial_id) const {
  std::vector<TrialAttr> out;
  if (schema_version_ < 6) return out;
  sql::Stmt st(read_db_, trial_id ? "SELECT trial_id, key, value FROM trial_attrs WHERE trial_id = ? ORDER BY key"
                                  : "SELECT trial_id, key, value FROM trial_attrs ORDER BY trial_id, key");
  if (!st.ok()) return Error{path_, st.error()};
  if (trial_id) st.bind(1, *trial_id);
  while (st.step()) {
    Json v = parse_or_null(st.text(2));
    out.push_back({st.int64(0), st.text(1), v.is_discarded() ? Json(st.text(2)) : v});
  }
  if (!st.error().empty()) return Error{path_, st.error()};
  return out;
}

Status Store::check_integrity() const {
  sql::Stmt st(read_db_, "PRAGMA integrity_check");
  if (!st.ok()) return Error{path_, st.error()};
  std::string all;
  while (st.step()) all += st.text(0);
  if (all != "ok") return Error{path_, "integrity check failed: " + all};
  return {};
}

}  // namespace tunelab
