#pragma once
// The control channel: commands for a running study, written into its database by any process that may
// write the file (the CLI's stop/pause/resume/set/add/clone verbs, a workbench watching the study), and
// applied by the engine that runs it, which records each outcome (docs/storage.md, "The control channel").
//
// Writers only add rows to the `commands` table; the engine stays the only writer of trial state. A command
// is checked before it is written (the file is a study, this user may write it, the trial exists and has not
// ended, a config fits the space, an engine runs the study); nothing is written when a check fails.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/util/json.h"
#include "core/util/result.h"

struct sqlite3;

namespace tunelab {
class Store;
class SearchSpace;
}  // namespace tunelab

namespace tunelab::control {

enum class CommandKind { StopTrial, PauseTrial, ResumeTrial, StopStudy, PauseStudy, ResumeStudy, SetMaxConcurrent, AddTrial, CloneTrial };

// The `kind` column: stop_trial, pause_trial, resume_trial, stop_study, pause_study, resume_study,
// set_max_concurrent, add_trial, clone_trial.
const char* kind_name(CommandKind kind);
std::optional<CommandKind> kind_from_name(const std::string& name);
bool is_trial_command(CommandKind kind);  // stop/pause/resume/clone name a trial

struct CommandRequest {
  CommandKind kind = CommandKind::StopStudy;
  std::optional<int64_t> trial;     // stop/pause/resume/clone trial
  int64_t max_concurrent = 0;       // set_max_concurrent (0: unlimited)
  Json config = nullptr;            // add_trial: the whole config; clone_trial: edits, {"key": value}
  std::string reason;               // optional, recorded with the decision
};

// One row of the `commands` table.
struct CommandRow {
  int64_t id = 0;
  double ts = 0;
  std::string kind;
  std::optional<int64_t> trial_id;
  Json args = Json::object();
  std::string issuer;
  std::string state = "pending";    // pending, applied, refused
  std::string outcome;
  std::optional<double> done_ts;
  bool pending() const { return state == "pending"; }
};

// Whether an engine (`tunelab run`/`resume`, the Python front-end, the workbench) holds the study's engine
// lock (`<db>.lock`) now. Never creates the lock file.
bool engine_running(const std::string& db_path);

// Why this user may not control the study (may not write its database file or folder), or empty.
std::string why_read_only(const std::string& db_path);

// "key=value" edits for a clone: the value is read as JSON when it parses, else as a string. A dotted key
// ("model.layers") names a nested parameter. Errors name the bad item.
Result<Json> parse_edits(const std::vector<std::string>& items);

// A clone's config: `base` with `edits` applied (a key present as written wins over a dotted path).
Json apply_edits(Json base, const Json& edits);

// The writer's side: what the CLI verbs and the workbench use.
// The outcome of a command refused because its engine ended first (the sender saw it go).
inline constexpr const char* kEngineEndedOutcome = "the engine ended before applying it";

class Channel {
 public:
  // Opens the study (read-only checks: a TuneLab study of schema 6 or later). A study this user may not
  // write still opens: read_only_reason() says why commands are refused.
  static Result<std::unique_ptr<Channel>> open(const std::string& db_path, std::string issuer = default_issuer());
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // "tunelab@host:pid" style default for the `issuer` column.
  static std::string default_issuer();

  const std::string& path() const { return path_; }
  const std::string& read_only_reason() const { return read_only_; }
  bool writable() const { return read_only_.empty(); }
  bool engine_running() const;

  // Checks the command, then writes it. Returns its id. Refused (nothing written): a read-only study, an
  // unknown or ended trial, a config the space rejects, no engine running the study.
  Result<int64_t> submit(const CommandRequest& request);
  // Checks only (what submit checks before the engine probe); the clone's or add's full config on success.
  Result<Json> check(const CommandRequest& request);

  Result<CommandRow> get(int64_t id) const;
  // Commands after `after_id`, in id order (at most `limit`).
  Result<std::vector<CommandRow>> list(int64_t after_id = 0, int limit = 1000) const;
  // Waits until the engine applied or refused the command, at most `timeout`; returns the row as it is then.
  // When the engine ends while the command is still pending, the command is marked refused (so a later
  // engine never applies it) and that row is returned.
  Result<CommandRow> wait(int64_t id, std::chrono::milliseconds timeout) const;
  // When no engine runs the study any more and the command is still pending, marks it refused ("the engine
  // ended before applying it"). Returns the row as it is then.
  Result<CommandRow> refuse_if_orphaned(int64_t id) const;

 private:
  Channel() = default;
  std::string path_, issuer_, read_only_;
  std::unique_ptr<Store> store_;             // read-only: the study as the store reads it
  std::unique_ptr<SearchSpace> space_;       // the stored spec's space
  sqlite3* db_ = nullptr;                    // read-write when writable, else read-only
};

// The engine's side: reading pending commands and recording their outcomes, on one connection of its own.
class EngineChannel {
 public:
  static Result<std::unique_ptr<EngineChannel>> open(const std::string& db_path);
  ~EngineChannel();
  EngineChannel(const EngineChannel&) = delete;
  EngineChannel& operator=(const EngineChannel&) = delete;

  // Marks every command still pending as refused with `why`; returns how many. The engine calls it once
  // when it starts, before reading, so no command written while no engine ran is applied later.
  Result<int> refuse_pending(const std::string& why);
  // Pending commands not taken yet, in id order.
  Result<std::vector<CommandRow>> take_pending();
  Status record(int64_t id, bool applied, const std::string& outcome);

 private:
  EngineChannel() = default;
  sqlite3* db_ = nullptr;
  int64_t last_id_ = 0;
};

}  // namespace tunelab::control
