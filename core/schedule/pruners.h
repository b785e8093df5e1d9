#pragma once
// Optuna's percentile and threshold pruners as schedulers (their decisions are Stop).
//
// The step is the result's time_attr (training_iteration by default). A trial is judged at most at
// steps n_warmup_steps, n_warmup_steps + interval_steps, ... (a report that skips some is judged
// once, as Optuna's _is_first_in_interval_step). Results without the metric or the step are ignored.
//
// percentile: after n_startup_trials trials have completed, a trial whose best value so far is worse
// than the given percentile (of the best, i.e. 25 keeps the top 25%) of the completed trials' values at
// the same step is stopped; at least n_min_trials completed trials must have a value at that step. A
// trial whose values are all NaN is stopped. (Optuna's median pruner is percentile 50.)
// threshold: a trial whose latest value is below lower, above upper, or NaN is stopped.
#include <map>
#include <set>

#include "core/schedule/scheduler.h"

namespace tunelab {

class PercentilePruner final : public Scheduler {
 public:
  struct Options {
    std::string time_attr = "training_iteration";
    double percentile = 25;
    int64_t n_startup_trials = 5;
    int64_t n_warmup_steps = 0;
    int64_t interval_steps = 1;
    int64_t n_min_trials = 1;
  };
  PercentilePruner(const ScheduleContext& ctx, Options o) : metric_(ctx.metric), maximize_(ctx.maximize), o_(std::move(o)) {}
  Decision on_result(const TrialSnapshot& trial, const Json& result) override;
  void on_complete(const TrialSnapshot& trial) override;

 private:
  std::string metric_;
  bool maximize_;
  Options o_;
  std::map<int64_t, std::map<double, double>> values_;  // trial -> step -> value (NaN kept)
  std::set<int64_t> completed_;
};

class ThresholdPruner final : public Scheduler {
 public:
  struct Options {
    std::string time_attr = "training_iteration";
    std::optional<double> lower, upper;
    int64_t n_warmup_steps = 0;
    int64_t interval_steps = 1;
  };
  ThresholdPruner(const ScheduleContext& ctx, Options o) : metric_(ctx.metric), o_(std::move(o)) {}
  Decision on_result(const TrialSnapshot& trial, const Json& result) override;

 private:
  std::string metric_;
  Options o_;
  std::map<int64_t, std::set<double>> steps_;
};

// Optuna's rule: whether `step` is the first reported step of its pruning interval, given the steps
// reported before it.
bool first_in_interval_step(double step, const std::set<double>& earlier_steps, int64_t n_warmup_steps,
                            int64_t interval_steps);

}  // namespace tunelab
