#pragma once
// What-if replay: runs recorded learning curves through another scheduler, without training, and says
// what it would have cost and kept. The simulation follows the controller's rules: at most
// `concurrency` trials run; a waiting trial is started when the scheduler picks it, else the next new
// trial in id order; a paused trial continues at the epoch it reached; a stopped one ends. Time advances
// by each trial's recorded time per result, so the order of results among concurrent trials is the
// order they would have arrived in.
#include <optional>
#include <string>
#include <vector>

#include "core/schedule/scheduler.h"
#include "core/store/store.h"
#include "core/study/spec.h"

namespace tunelab {

struct RecordedTrial {
  int64_t id = 0;
  Json config;
  std::vector<Json> results;  // in iteration order, each with training_iteration and time_total_s
};

struct ReplayTrialOutcome {
  int64_t id = 0;
  int64_t epochs = 0;               // results consumed
  std::string status;               // completed, stopped, or paused (never resumed)
  std::optional<double> best;       // best objective value among the consumed results
  std::optional<double> last;       // objective value at the last consumed epoch (NaN: none)
  std::string reason;               // the decision that ended it, if any
};

struct ReplayReport {
  int64_t epochs_consumed = 0;
  int64_t epochs_recorded = 0;
  double time_s = 0;                // simulated wall time (recorded per-result times, with concurrency)
  // What the scheduler ends with: the best final value (the value at its last epoch) among the trials it ran
  // to the end (status completed), i.e. the configuration a user would deploy.
  std::optional<double> best_final;
  std::optional<int64_t> best_final_trial;
  // That configuration's rank (1 = the best of all) by final value: 1 + the number of recorded trials whose
  // recorded final value is strictly better than its own. 0 when no trial ran to the end.
  int final_rank = 0;
  // The best value at any epoch the replay saw (possibly mid-curve, in a trial stopped later).
  std::optional<double> best_any_epoch;
  std::optional<int64_t> best_any_epoch_trial;
  std::optional<int64_t> true_best_final_trial;  // best recorded final value over every trial
  std::optional<double> true_best_final;
  std::optional<int64_t> true_best_trial;  // best value at any epoch over everything recorded
  std::optional<double> true_best;
  bool true_best_survived = false;  // it consumed its whole recorded curve
  int true_best_rank = 0;           // its rank (1 = best) by best value among replayed trials
  std::vector<ReplayTrialOutcome> trials;
  std::vector<DecisionRecord> decisions;  // every non-continue decision, in order (ts = simulated time)
};

// Replays `trials` under `scheduler`. Fails on a decision the replay cannot honour (a PBT exploit
// changes the config, so its curve was never recorded).
Result<ReplayReport> replay_curves(const std::vector<RecordedTrial>& trials, Scheduler& scheduler,
                                   const Objective& objective, int64_t concurrency);

// The recorded curves of a stored study (trials with at least one result).
Result<std::vector<RecordedTrial>> recorded_trials(const Store& store);

// Replays a stored study under the scheduler block `scheduler_json` (validated as the spec's
// "scheduler", errors at "scheduler...."). concurrency 0: the study's max_concurrent, else 1.
Result<ReplayReport> replay_study(const Store& store, const Json& scheduler_json, int64_t concurrency);

Json to_json(const ReplayReport& r);

}  // namespace tunelab
