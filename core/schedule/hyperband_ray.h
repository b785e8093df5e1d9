#pragma once
// Ray Tune's synchronous HyperBand (ray.tune.schedulers.HyperBandScheduler, Ray 2.x), decision for decision:
// the `hyperband_ray` scheduler. TuneLab's own `hyperband` (hyperband.h) follows the paper instead.
//
// Brackets. s_max_1 = round(log(max_t) / log(eta)) + 1 (round half to even, as numpy). A band holds the
// brackets s = 0, 1, ..., s_max_1 - 1 in that order: bracket s takes n0 = ceil(s_max_1 / (s + 1) * eta^s)
// trials and first runs them to r0 = trunc(max_t * eta^-s). A bracket whose r0 is 0 is skipped (it still
// counts as one of the band's brackets). So the first bracket, s = 0, runs s_max_1 trials to max_t and
// stops nothing early; the following ones stop more and more. New trials fill the current bracket until n0
// trials joined it, then the next bracket, then a new band.
//
// Halving. A trial that reaches the bracket's milestone (its time_attr >= the milestone) pauses, unless
// every live trial of the bracket has reached it; that last trial triggers the halving: the bracket's n
// becomes ceil(n / eta) (of the planned n, not of the trials present), the milestone becomes
// trunc(min(milestone * eta, max_t)), and of the live trials sorted by value (ties keep the order they
// joined in) the top n go on (paused ones are resumed from their checkpoints), the others are stopped. A
// bracket with no halving left completes its trials at its milestone, which may be below max_t (Ray's
// brackets end at trunc(r0 * eta^s)): they end as completed.
//
// Which trial runs next (choose_trial_to_run), as Ray: bands in order; within a band, brackets by
// completion (reported progress over the bracket's planned work); within a bracket, trials in the order
// they joined: a pending trial, or a paused one the halving resumed.
//
// Where TuneLab's engine differs from Ray's (docs/python.md): Ray creates every trial up front (up to 200
// pending), so a bracket holds all its trials before any runs; TuneLab creates a trial when a slot is free.
// So that brackets are the same, a bracket here decides a milestone only once it is full or no more trials
// will join it (a later bracket started, or the searcher is finished: on_no_more_trials, or the starvation
// fallback of bracket_scheduler.h). A trial ending on its own after the first halving makes the bracket decide with
// the trials left (Ray would leave the paused ones waiting). A result without time_attr is not judged; one
// without the metric ranks last.
#include <map>
#include <set>

#include "core/schedule/bracket_scheduler.h"

namespace tunelab {

struct RayHyperBandBracketPlan {
  int s = 0;
  int64_t n0 = 0;  // trials the bracket takes
  double r0 = 0;   // its first milestone; 0: the bracket is skipped
};
// One band of Ray's HyperBand, s = 0 first. Empty when max_t < 1 or eta <= 1.
std::vector<RayHyperBandBracketPlan> ray_hyperband_band(double max_t, double eta);

class RayHyperBandScheduler final : public BracketScheduler {
 public:
  struct Options {
    std::string time_attr = "training_iteration";
    double max_t = 81;
    double reduction_factor = 3;
  };
  RayHyperBandScheduler(const ScheduleContext& ctx, Options o);

  void on_trial_add(const TrialSnapshot& trial) override;
  Decision on_result(const TrialSnapshot& trial, const Json& result) override;
  void on_complete(const TrialSnapshot& trial) override;

  // For tests and displays: the band and bracket s of a trial.
  std::optional<std::pair<size_t, int>> position(int64_t trial_id) const;

 private:
  enum class State { Running, Waiting, Promoted, Done };
  struct Member {
    size_t bracket = 0;
    State state = State::Running;
    bool seen = false;  // has reported a time
    double time = 0;    // time_attr of its last result
    double value = 0;   // signed (higher is better) metric of its last result; NaN when missing
  };
  struct Bracket {
    size_t band = 0;
    int s = 0;
    int64_t n0 = 0;       // trials it takes
    int64_t joined = 0;   // trials that joined it
    int64_t n = 0;        // trials it keeps (planned)
    double r = 0;         // current rung length
    double milestone = 0; // Ray's cumul_r
    int halves = 0;       // halvings left
    double total_work = 0, progress = 0;
    bool closed = false;  // no trial will join any more
    bool processed = false;  // halved at least once
    std::vector<int64_t> live;  // in the order they joined
  };
  bool cur_iter_done(const Bracket& b) const;
  bool finished(const Bracket& b) const { return b.halves == 0 && cur_iter_done(b); }
  double completion(const Bracket& b) const;
  void remove_live(Bracket& b, int64_t id);
  // Ray's _process_bracket: returns the reporter's decision (none when reporter < 0); others are queued.
  Decision process(size_t bi, int64_t reporter);
  std::optional<int64_t> pick(const std::vector<TrialSnapshot>& waiting) override;
  void close_brackets() override;
  bool anything_running() const override;

  std::string metric_;
  bool maximize_;
  Options o_;
  std::vector<RayHyperBandBracketPlan> band_;
  std::vector<Bracket> brackets_;
  std::vector<std::vector<std::optional<size_t>>> bands_;  // per band: its brackets (nullopt: skipped)
  std::optional<size_t> current_;                           // the bracket new trials join
  std::map<int64_t, Member> members_;
  std::set<int64_t> to_unpause_;
};

}  // namespace tunelab
