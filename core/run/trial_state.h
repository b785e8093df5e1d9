#pragma once
// The controller's private per-trial state (the stored record plus what only a live run needs).
#include <chrono>
#include <optional>
#include <string>

#include "core/run/checkpoint_pin.h"
#include "core/run/controller.h"

namespace tunelab {

// What a finished trial keeps of its last result: nothing with one objective (its best and last values
// are kept apart), its objective values with several (for the Pareto front). The rest lives in the store.
Json compact_result(const Json& result, const std::vector<Objective>& objectives);

struct Controller::Trial {
  TrialRecord rec;
  std::optional<double> best;  // best objective value so far
  std::optional<double> last;  // objective value in the last result that had it
  Json last_result;

  // The running attempt.
  bool running = false;
  gpu::Allocation alloc;  // CPU slots and GPU shares held while it runs
  std::chrono::steady_clock::time_point attempt_start{}, last_activity{};
  int64_t reports_in_attempt = 0;
  int64_t iteration_base = 0;          // training_iteration the attempt restored from
  std::optional<int64_t> last_reported;  // training_iteration of this attempt's previous report, stored or not
  std::optional<TrialStatus> end_as;   // set when the engine asked it to end: how to record it
  std::string end_reason;
  bool done_reported = false;          // the trial reported _done
  bool ignored_after_end = false;      // a report after end_as was set was ignored (logged once)
  bool reattached = false;             // this attempt's job was taken over on resume: its reports are read again
  std::chrono::steady_clock::time_point done_at{};  // when; it is stopped if still running after the grace
  std::optional<Decision> exploit;     // a PBT exploit to apply once this attempt has ended
  CheckpointHold checkpoints;          // the pins kept ("checkpoint": {"keep": K}) and what they came from
};

}  // namespace tunelab
