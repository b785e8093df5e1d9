#pragma once
// Trial status and the immutable trial snapshot handed to searchers and schedulers.
#include <cstdint>
#include <optional>
#include <string>

#include "core/util/json.h"

namespace tunelab {

enum class TrialStatus {
  Pending,    // created, waiting for resources
  Running,    // its process is alive
  Paused,     // stopped by a scheduler to be resumed later (from its checkpoint)
  Completed,  // ended normally: exited 0, reported _done, or reached a stop criterion
  Stopped,    // stopped early by a scheduler, a stopper or the user
  Error,      // failed more than max_failures times, or timed out
};

const char* to_string(TrialStatus s);
// A trial's folder name: the id zero-padded to five digits ("00042").
std::string pad_trial_id(int64_t id);
std::optional<TrialStatus> trial_status_from_string(const std::string& s);
inline bool is_finished(TrialStatus s) {
  return s == TrialStatus::Completed || s == TrialStatus::Stopped || s == TrialStatus::Error;
}

// What an algorithm sees of a trial: a copy, never a reference into the engine's state.
struct TrialSnapshot {
  int64_t id = 0;
  Json config;
  TrialStatus status = TrialStatus::Pending;
  int64_t iteration = 0;                  // last training_iteration stored
  std::optional<double> last_objective;   // objective metric in the last result that had it
  std::optional<double> best_objective;   // best objective value so far (in the study's mode)
  Json last_result;                       // the last result object (null before the first)
  double time_total_s = 0;                // time_total_s of the last result
  int64_t checkpoint_iteration = 0;       // training_iteration of its latest checkpoint; 0 when none
  std::optional<int64_t> parent_id;       // the trial it was cloned or exploited from
};

}  // namespace tunelab
