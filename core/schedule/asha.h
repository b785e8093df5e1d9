#pragma once
// Asynchronous successive halving (ASHA, Li et al. 2018), as Ray Tune's AsyncHyperBandScheduler.
//
// Rung milestones are grace_period * reduction_factor^k below max_t (bracket s starts at
// grace_period * reduction_factor^s). When a trial's time reaches a milestone it has not been judged at,
// its value is compared with the (1 - 1/reduction_factor) quantile (linear interpolation) of the values
// recorded there before it; strictly worse stops it. A report that jumps several milestones is judged
// at the highest one only (a later report may be judged at a skipped lower one, as in Ray). In min
// mode values are negated first, as Ray does. Trials reaching max_t complete ("ASHA completed trial N: reached max_t = ..."). A NaN objective at a milestone stops the trial; a result without the metric
// or the time attribute is not judged (the next result that has them is).
#include <map>
#include <set>

#include "core/schedule/scheduler.h"

namespace tunelab {

class AshaScheduler final : public Scheduler {
 public:
  struct Options {
    std::string time_attr = "training_iteration";
    double max_t = 100;
    double grace_period = 1;
    double reduction_factor = 4;
    int64_t brackets = 1;
  };
  AshaScheduler(const ScheduleContext& ctx, Options o);

  void on_trial_add(const TrialSnapshot& trial) override;
  Decision on_result(const TrialSnapshot& trial, const Json& result) override;

  // Milestones of bracket s, lowest first.
  std::vector<double> milestones(int64_t bracket) const;
  int64_t bracket_of(int64_t trial_id) const;

 private:
  struct Rung {
    double milestone = 0;
    std::map<int64_t, double> recorded;  // trial -> signed value (higher is better)
    std::set<int64_t> judged;            // trials judged here (including NaN ones, not recorded)
  };
  struct Bracket {
    std::vector<Rung> rungs;  // highest milestone first
  };
  std::string metric_;
  bool maximize_;
  uint64_t seed_;
  Options o_;
  std::vector<Bracket> brackets_;
  std::map<int64_t, size_t> trial_bracket_;
};

}  // namespace tunelab
