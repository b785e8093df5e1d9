#pragma once
// The results store: one SQLite file per study, the only place results live.
//
// Writes are queued and committed by a writer thread that groups everything queued into one
// transaction, so the controller never waits on the disk. Reads use their own connection; with
// WAL, another process (the GUI, `tunelab show`) can read while a study runs.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/model/gpu_records.h"
#include "core/store/records.h"
#include "core/util/result.h"

struct sqlite3;

namespace tunelab {
namespace sql {
class StmtCache;
}

class Store {
 public:
  enum class Mode { Create, Open, ReadOnly };
  static constexpr int kSchemaVersion = 6;

  // Create: a new file (fails if it holds a study). Open: an existing study, migrated to the
  // current schema. ReadOnly: an existing study, no writer thread.
  static Result<std::unique_ptr<Store>> open(const std::string& path, Mode mode);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const { return path_; }

  // Synchronous: writes the study row and waits for the commit.
  Status create_study(const StudyRecord& study);
  Result<StudyRecord> load_study() const;
  Result<std::vector<TrialRecord>> load_trials() const;
  // All results, or one trial's, in (trial, iteration) order: each trial's current curve (its current
  // attempt's results, continuing those up to the checkpoint it restored from).
  Result<std::vector<ResultRecord>> load_results(std::optional<int64_t> trial_id = std::nullopt) const;
  // Every current result in the order it was stored (what a resumed study replays to its scheduler).
  Result<std::vector<ResultRecord>> load_results_in_order() const;
  // The current results and those of abandoned attempts (superseded = true), in (trial, attempt,
  // iteration) order: everything every attempt reported.
  Result<std::vector<ResultRecord>> load_results_with_history() const;
  // What scan_results reports of one current result, without keeping its metrics.
  struct ResultScan {
    int64_t trial_id = 0;
    int64_t iteration = 0;
    double ts = 0;
    std::optional<double> value;  // the top-level metric asked for, when it is a number
  };
  // Streams the current results in (trial, iteration) order, one row at a time, holding none of them: a study of
  // millions of results is summarized in constant memory. Each row's metrics are checked as load_results checks
  // them (a damaged row ends the scan with an error naming it) and the number under `metric` is picked out without
  // building the value. `fn` returning false stops the scan.
  Status scan_results(const std::string& metric, const std::function<bool(const ResultScan&)>& fn) const;
  // The rows of load_results() (with_history: of load_results_with_history()) one at a time, holding none of them:
  // an export of millions of results. `fn` returning false stops the scan.
  Status scan_result_records(bool with_history, const std::function<bool(ResultRecord&&)>& fn) const;
  // One current result's metrics (checked as load_results does), or null when there is no such row.
  Result<Json> load_result_metrics(int64_t trial_id, int64_t iteration) const;
  Result<std::vector<EventRecord>> load_events() const;
  Result<std::vector<DecisionRecord>> load_decisions() const;
  // `PRAGMA integrity_check` says ok.
  Status check_integrity() const;

  // Asynchronous writes, applied in order by the writer thread.
  void set_study_status(const std::string& status, double elapsed_s);
  void put_trial(const TrialRecord& trial);  // insert or replace the whole row
  // Stores a result in the trial's current curve. A row of another attempt at the same iteration, and
  // that attempt's later rows, are moved to the history first; a repeat from the same attempt is ignored.
  void append_result(const ResultRecord& result);
  // A new attempt restarts the trial after `iteration` (its restored checkpoint's, or 0): the current
  // results past it move to the history, keeping their attempt numbers.
  void supersede_results(int64_t trial_id, int64_t iteration, double ts);
  void add_event(const EventRecord& event);
  void add_decision(const DecisionRecord& decision);
  void add_checkpoint(int64_t trial_id, int64_t iteration, const std::string& path, double ts);
  // Runs `fn` on the writer thread once everything queued before it is committed; never if that write
  // fails. (The engine deletes old checkpoints this way: only once no stored row can name them.)
  void after_commit(std::function<void()> fn);

  // GPU telemetry and per-trial GPU use (store_gpu.cpp). add_trial_gpu adds to the trial's totals.
  void add_gpu_samples(std::vector<GpuSampleRecord> samples);
  void add_trial_gpu(const TrialGpuRecord& usage);
  Result<std::vector<GpuSampleRecord>> load_gpu_samples() const;
  Result<std::vector<GpuSampleRecord>> load_gpu_samples_after(double ts) const;  // readings newer than ts
  Result<std::vector<TrialGpuRecord>> load_trial_gpu() const;

  // Where the study came from (study.origin): empty for a study run from its spec; an imported study's
  // JSON text {"kind": "ray"|"optuna", "path": ..., "imported_at": ...} (docs/import.md). Synchronous.
  Status set_study_origin(const std::string& origin);
  // Replaces the stored spec (`tunelab resume --num-samples/--trainable`, re-imports). Synchronous.
  Status set_study_spec(const Json& spec);
  Result<std::string> load_study_origin() const;  // empty before schema 6
  // Named attributes of trials (trial_attrs): insert or replace one; read one trial's or all, in
  // (trial, key) order. Values are JSON.
  void set_trial_attr(int64_t trial_id, const std::string& key, const Json& value);
  struct TrialAttr {
    int64_t trial_id = 0;
    std::string key;
    Json value;
  };
  Result<std::vector<TrialAttr>> load_trial_attrs(std::optional<int64_t> trial_id = std::nullopt) const;

  // Waits until everything queued so far is committed. Returns the first write error, if any.
  Status flush();
  // A write failed (disk full, I/O error, read-only file). The writer then drops every later write,
  // so the file keeps a consistent prefix of the study, as after a crash; `resume` continues it.
  bool write_failed() const { return write_failed_.load(std::memory_order_relaxed); }
  // Count of writes committed and of transactions used (for benchmarks).
  int64_t committed_writes() const;
  int64_t transactions() const;

 private:
  using Job = std::function<std::string(sql::StmtCache&)>;  // returns an error text, empty if ok
  Store() = default;
  void enqueue(Job job);
  void writer_loop();
  Result<std::vector<ResultRecord>> read_results(const std::string& query, std::optional<int64_t> trial_id) const;
  Status each_result(const std::string& query, std::optional<int64_t> trial_id,
                     const std::function<bool(ResultRecord&&)>& fn) const;

  std::string path_;
  int schema_version_ = 0;       // of the open file (a read-only store may read an older one)
  sqlite3* read_db_ = nullptr;   // used by the calling thread for load_* (never by the writer)
  sqlite3* write_db_ = nullptr;  // owned by the writer thread once it starts
  int lock_fd_ = -1;             // flock on <path>.lock, for older versions that lock by it alone
  int db_lock_ = -1;             // the engine lock on the database file itself (study_lock.h)

  mutable std::mutex mutex_;
  std::condition_variable wake_;       // the writer waits for jobs
  std::condition_variable drained_;    // flush() waits for the writer
  std::deque<Job> queue_;              // guarded by mutex_
  int64_t enqueued_ = 0, committed_ = 0, transactions_ = 0;  // guarded by mutex_
  std::string write_error_;            // first failed write, guarded by mutex_
  std::atomic<bool> write_failed_{false};
  bool stopping_ = false;              // guarded by mutex_
  std::vector<std::function<void()>> after_commit_;  // of the open transaction; writer thread only
  std::thread writer_;
};

// Current time in seconds since the epoch (wall clock), as stored in records.
double now_seconds();

}  // namespace tunelab
