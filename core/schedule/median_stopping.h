#pragma once
// The median stopping rule (Golovin et al. 2017), as Ray Tune's MedianStoppingRule.
//
// After grace_period (in time_attr units), a trial is stopped when its best value so far is strictly
// worse than the median, over the other trials that have reached the same time, of each one's mean
// value from grace_period up to that time; it needs min_samples_required such trials. With
// hard_stop false the trial is paused instead; it runs again, unjudged, when no pending trial waits. With min_time_slice > 0 a
// trial that cannot be judged yet (too few samples) yields its slot to a waiting trial once it has run
// min_time_slice since it last started; 0 (the default) never yields. Results without the metric or
// the time are ignored; NaN values are left out of means and bests.
#include <map>
#include <set>

#include "core/schedule/scheduler.h"

namespace tunelab {

class MedianStoppingRule final : public Scheduler {
 public:
  struct Options {
    std::string time_attr = "training_iteration";
    double grace_period = 10;
    int64_t min_samples_required = 3;
    double min_time_slice = 0;
    bool hard_stop = true;
  };
  MedianStoppingRule(const ScheduleContext& ctx, Options o) : metric_(ctx.metric), maximize_(ctx.maximize), o_(std::move(o)) {}

  void on_trial_add(const TrialSnapshot& trial) override;
  Decision on_result(const TrialSnapshot& trial, const Json& result) override;
  void on_complete(const TrialSnapshot& trial) override;
  std::optional<int64_t> choose_trial_to_run(const std::vector<TrialSnapshot>& waiting) override;

 private:
  struct Point {
    double time;
    double value;  // signed: higher is better
  };
  struct History {
    std::vector<Point> points;
    double last_time = 0;
    double slice_start = 0;  // time when it last (re)started, for min_time_slice
    bool waiting = false;    // added and not started yet
    bool finished = false;
  };
  double running_mean(const History& h, double time) const;

  std::string metric_;
  bool maximize_;
  Options o_;
  std::map<int64_t, History> trials_;
  std::set<int64_t> stopped_;
};

}  // namespace tunelab
