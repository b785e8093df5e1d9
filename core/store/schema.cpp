#include "core/store/schema.h"

#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/store/sqlite_util.h"
#include "core/store/store.h"

namespace tunelab {
namespace {

// Migration i takes the schema from version i to i + 1. Never edit a released migration: append one.
const std::vector<const char*>& migrations() {
  static const std::vector<const char*> m = {
      R"sql(
      CREATE TABLE study(
        id INTEGER PRIMARY KEY CHECK (id = 1),
        name TEXT NOT NULL,
        spec TEXT NOT NULL,
        base_dir TEXT NOT NULL,
        trials_dir TEXT NOT NULL,
        status TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        elapsed_s REAL NOT NULL DEFAULT 0);
      CREATE TABLE trials(
        id INTEGER PRIMARY KEY,
        config TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        started_at REAL,
        ended_at REAL,
        runtime_s REAL NOT NULL DEFAULT 0,
        error TEXT NOT NULL DEFAULT '',
        trial_dir TEXT NOT NULL DEFAULT '',
        parent_id INTEGER,
        pgid INTEGER NOT NULL DEFAULT 0,
        last_iteration INTEGER NOT NULL DEFAULT 0,
        checkpoint TEXT NOT NULL DEFAULT '',
        checkpoint_iteration INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE results(
        id INTEGER PRIMARY KEY,
        trial_id INTEGER NOT NULL,
        iteration INTEGER NOT NULL,
        time_total_s REAL NOT NULL,
        ts REAL NOT NULL,
        metrics TEXT NOT NULL,
        UNIQUE (trial_id, iteration));
      CREATE TABLE decisions(
        id INTEGER PRIMARY KEY,
        trial_id INTEGER NOT NULL,
        ts REAL NOT NULL,
        source TEXT NOT NULL,
        action TEXT NOT NULL,
        reason TEXT NOT NULL,
        details TEXT);
      CREATE TABLE events(
        id INTEGER PRIMARY KEY,
        trial_id INTEGER,
        ts REAL NOT NULL,
        kind TEXT NOT NULL,
        message TEXT NOT NULL,
        details TEXT);
      CREATE TABLE checkpoints(
        id INTEGER PRIMARY KEY,
        trial_id INTEGER NOT NULL,
        iteration INTEGER NOT NULL,
        path TEXT NOT NULL,
        ts REAL NOT NULL);
      CREATE INDEX events_trial ON events(trial_id);
      CREATE INDEX decisions_trial ON decisions(trial_id);
      CREATE INDEX checkpoints_trial ON checkpoints(trial_id, iteration);
      )sql",
      // 2: lineage (PBT generations), trials held by the user, trials added by hand.
      R"sql(
      ALTER TABLE trials ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE trials ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE trials ADD COLUMN origin TEXT NOT NULL DEFAULT 'search';
      ALTER TABLE trials ADD COLUMN iteration_offset INTEGER NOT NULL DEFAULT 0;
      )sql",
      // 3: GPU telemetry and per-trial GPU use.
      R"sql(
      CREATE TABLE gpu_samples(
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        gpu INTEGER NOT NULL,
        utilization_pct REAL,
        memory_used_mb REAL,
        power_w REAL,
        temperature_c REAL,
        energy_j REAL);
      CREATE INDEX gpu_samples_gpu_ts ON gpu_samples(gpu, ts);
      CREATE TABLE trial_gpu(
        trial_id INTEGER PRIMARY KEY,
        gpus TEXT NOT NULL,
        fraction REAL NOT NULL,
        memory_gb REAL NOT NULL,
        gpu_seconds REAL NOT NULL DEFAULT 0,
        peak_memory_mb REAL NOT NULL DEFAULT 0,
        energy_j REAL NOT NULL DEFAULT 0);
      )sql",
      // 4: the job id of a trial run by a batch system (Slurm), so a resumed engine re-attaches to it.
      R"sql(
      ALTER TABLE trials ADD COLUMN executor_job TEXT NOT NULL DEFAULT '';
      )sql",
      // 5: results per attempt. `results` holds each trial's current curve, with the attempt that reported
      // each row (0: stored before attempts were recorded); results_history keeps what an abandoned attempt
      // reported after the point its successor restarted from.
      R"sql(
      ALTER TABLE results ADD COLUMN attempt INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE results_history(
        id INTEGER PRIMARY KEY,
        trial_id INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        iteration INTEGER NOT NULL,
        time_total_s REAL NOT NULL,
        ts REAL NOT NULL,
        metrics TEXT NOT NULL,
        superseded_at REAL NOT NULL);
      CREATE INDEX results_history_trial ON results_history(trial_id, attempt, iteration);
      )sql",
      // 6: a control channel (commands that another process writes and the running engine applies, each
      // with its outcome), trial attributes (kept from imported studies), where the study came from, and a
      // count of the reports each trial sent after it was told to stop.
      R"sql(
      CREATE TABLE commands(
        id INTEGER PRIMARY KEY,
        ts REAL NOT NULL,
        kind TEXT NOT NULL,
        trial_id INTEGER,
        args TEXT NOT NULL DEFAULT '{}',
        issuer TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL DEFAULT 'pending',
        outcome TEXT NOT NULL DEFAULT '',
        done_ts REAL);
      CREATE INDEX commands_state ON commands(state, id);
      CREATE TABLE trial_attrs(
        trial_id INTEGER NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (trial_id, key));
      ALTER TABLE trials ADD COLUMN ignored_reports INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE study ADD COLUMN origin TEXT NOT NULL DEFAULT '';
      )sql",
  };
  return m;
}

// The database's user_version, or nothing (and `error` set) when it cannot be read.
std::optional<int> user_version(sqlite3* db, std::string* error = nullptr) {
  sql::Stmt st(db, "PRAGMA user_version");
  if (st.step()) return static_cast<int>(st.int64(0));
  if (error) *error = st.error().empty() ? "unreadable" : st.error();
  return std::nullopt;
}

// Table name -> column names (lower case, as SQLite compares them).
using Shape = std::map<std::string, std::set<std::string>>;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The tables and columns of `db`, without SQLite's own; empty with `error` set when unreadable.
Shape shape_of(sqlite3* db, std::string& error) {
  Shape shape;
  sql::Stmt tables(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
  while (tables.step()) shape[lower(tables.text(0))];
  error = tables.error();
  for (auto& [table, columns] : shape) {
    sql::Stmt cols(db, "SELECT name FROM pragma_table_info(?)");
    cols.bind(1, table);
    while (cols.step()) columns.insert(lower(cols.text(0)));
    if (error.empty()) error = cols.error();
  }
  return shape;
}

// The tables and columns each schema version has, index v - 1: the migrations applied to an empty database.
const std::vector<Shape>& expected_shapes() {
  static const std::vector<Shape> shapes = [] {
    std::vector<Shape> out;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) == SQLITE_OK) {
      for (const char* m : migrations()) {
        std::string error = sql::exec(db, m);
        if (!error.empty()) break;
        out.push_back(shape_of(db, error));
      }
    }
    sqlite3_close(db);
    return out;
  }();
  return shapes;
}

// Empty when `db` has every table and column of schema `version`; else what it lacks.
std::string check_tables(sqlite3* db, int version) {
  const auto& shapes = expected_shapes();
  if (version < 1 || version > static_cast<int>(shapes.size())) return "cannot check schema version " + std::to_string(version);
  std::string error;
  const Shape actual = shape_of(db, error);
  if (!error.empty()) return "cannot read its tables: " + error;
  std::vector<std::string> missing;
  for (const auto& [table, columns] : shapes[static_cast<size_t>(version - 1)]) {
    const auto it = actual.find(table);
    if (it == actual.end()) {
      missing.push_back("table `" + table + "`");
      continue;
    }
    for (const auto& c : columns) {
      if (!it->second.count(c)) missing.push_back("column `" + table + "." + c + "`");
    }
  }
  if (missing.empty()) return {};
  std::string list;
  for (size_t i = 0; i < missing.size() && i < 5; ++i) list += (i ? ", " : "") + missing[i];
  if (missing.size() > 5) list += " and " + std::to_string(missing.size() - 5) + " more";
  return "not a TuneLab study database, or a damaged one: it says schema version " + std::to_string(version) +
         " (PRAGMA user_version) but lacks " + list + "; it was left untouched";
}

// Checks, changing nothing, that `db` is a TuneLab study of a version this build reads (or, with
// `allow_new`, a new empty database). Returns an error text, or empty.
std::string check_study(sqlite3* db, bool allow_new) {
  std::string error;
  const auto version = user_version(db, &error);
  if (!version) return "not a SQLite database, or unreadable: " + error;
  const int latest = static_cast<int>(migrations().size());
  if (*version < 0) {
    return "not a TuneLab study database: its schema version (PRAGMA user_version) is " + std::to_string(*version) +
           ", which no TuneLab writes (a database of a foreign or unknown schema); it was left untouched";
  }
  if (*version > latest) {
    return "the study database has schema version " + std::to_string(*version) + ", newer than this TuneLab (" +
           std::to_string(latest) + "); upgrade TuneLab";
  }
  if (*version == 0) {
    // A non-empty database without our version is someone else's file: refuse to touch it.
    sql::Stmt st(db, "SELECT COUNT(*) FROM sqlite_master");
    if (!st.step()) return "not a SQLite database, or unreadable: " + st.error();
    if (st.int64(0) > 0) return "not a TuneLab study database (it has other tables); it was left untouched";
    return allow_new ? std::string() : "not a TuneLab study database (it holds no study)";
  }
  return check_tables(db, *version);
}

}  // namespace

int schema_version(sqlite3* db) { return user_version(db).value_or(-1); }

std::string check_study_file(sqlite3* db) { return check_study(db, true); }

std::string migrate(sqlite3* db) {
  // Nothing is changed (not even the journal mode) before the file is known to be ours.
  if (auto err = check_study(db, true); !err.empty()) return err;
  // WAL lets readers in other processes read while the study runs; NORMAL sync is durable
  // against a crash of this process (a committed transaction survives a SIGKILL).
  if (auto err = sql::exec(db, "PRAGMA journal_mode = WAL"); !err.empty()) return "cannot enable WAL: " + err;
  sql::exec(db, "PRAGMA synchronous = NORMAL");
  sql::exec(db, "PRAGMA foreign_keys = ON");
  static_assert(Store::kSchemaVersion == 6, "update migrations() with the schema version");
  const int latest = static_cast<int>(migrations().size());
  for (int version = user_version(db).value_or(latest); version < latest; ++version) {
    std::string err = sql::exec(db, "BEGIN IMMEDIATE");
    if (err.empty()) err = sql::exec(db, migrations()[static_cast<size_t>(version)]);
    const std::string set_version = "PRAGMA user_version = " + std::to_string(version + 1);
    if (err.empty()) err = sql::exec(db, set_version.c_str());
    if (err.empty()) err = sql::exec(db, "COMMIT");
    if (!err.empty()) {
      sql::exec(db, "ROLLBACK");
      return "migration to schema version " + std::to_string(version + 1) + " failed: " + err;
    }
  }
  return {};
}

std::string check_schema_readable(sqlite3* db) { return check_study(db, false); }

}  // namespace tunelab
