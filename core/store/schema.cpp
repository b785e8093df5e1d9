#include "core/store/schema.h"

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
  };
  return m;
}

int user_version(sqlite3* db) {
  sql::Stmt st(db, "PRAGMA user_version");
  return st.step() ? static_cast<int>(st.int64(0)) : -1;
}

}  // namespace

int schema_version(sqlite3* db) { return user_version(db); }

std::string migrate(sqlite3* db) {
  // WAL lets readers in other processes read while the study runs; NORMAL sync is durable
  // against a crash of this process (a committed transaction survives a SIGKILL).
  if (auto err = sql::exec(db, "PRAGMA journal_mode = WAL"); !err.empty()) return "cannot enable WAL: " + err;
  sql::exec(db, "PRAGMA synchronous = NORMAL");
  sql::exec(db, "PRAGMA foreign_keys = ON");
  int version = user_version(db);
  if (version < 0) return "not a SQLite database, or unreadable";
  const int latest = static_cast<int>(migrations().size());
  static_assert(Store::kSchemaVersion == 5, "update migrations() with the schema version");
  if (version > latest) {
    return "the study database has schema version " + std::to_string(version) + ", newer than this TuneLab (" +
           std::to_string(latest) + "); upgrade TuneLab";
  }
  if (version == 0) {
    // A non-empty database without our version is someone else's file: refuse to touch it.
    sql::Stmt st(db, "SELECT COUNT(*) FROM sqlite_master");
    if (st.step() && st.int64(0) > 0) return "not a TuneLab study database (it has other tables)";
  }
  for (; version < latest; ++version) {
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

std::string check_schema_readable(sqlite3* db) {
  const int version = user_version(db);
  if (version <= 0) return "not a TuneLab study database";
  if (version > static_cast<int>(migrations().size())) {
    return "the study database has schema version " + std::to_string(version) + ", newer than this TuneLab";
  }
  return {};
}

}  // namespace tunelab
