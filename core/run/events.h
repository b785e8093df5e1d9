#pragma once
// What the controller tells its observers (the CLI's live view, the GUI bridge).
//
// Observers are called on the controller's thread, between loop turns; they must return quickly and
// never call back into the controller except through its thread-safe commands. The GUI bridge copies
// events into its own queue and drains it on the GUI thread.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/util/json.h"

namespace tunelab {

struct Progress {
  int64_t total = 0;  // trials the study will run (num_samples x grid), or -1 if open-ended
  int64_t created = 0, pending = 0, running = 0, paused = 0, completed = 0, stopped = 0, errored = 0;
  std::optional<int64_t> best_trial;
  std::optional<double> best_value;
  double elapsed_s = 0;           // this study's running time over all sessions
  std::optional<double> eta_s;    // estimated time left
  bool study_paused = false;      // pause_study is in effect
  int64_t finished() const { return completed + stopped + errored; }
};

struct StudyEvent {
  enum class Kind {
    TrialCreated,  // data: config
    TrialStarted,  // data: {"attempt", "restore_path"}
    TrialResult,   // data: the stored result
    TrialEnded,    // an attempt ended; data: {"status", "reason"}; status "paused" means it will run again
    TrialUpdated,  // config or lineage changed (PBT exploit); data: {"config", "parent_id", "generation", "changes"}
    Decision,      // data: {"source", "action", "reason", "details"}
    Log,           // message only: something the user should know (a bad report, a retry)
    Progress,      // progress only, at most every progress_interval
    Finished,      // the session ended; message: the study status
  };
  Kind kind = Kind::Log;
  int64_t trial_id = -1;
  Json data;
  std::string message;
  Progress progress;
};

using Observer = std::function<void(const StudyEvent&)>;

}  // namespace tunelab
