#pragma once
// Synchronous HyperBand (Li et al. 2017): brackets of successive halving.
//
// hyperband_table(max_t, eta) lists the brackets s = s_max .. 0 with s_max = floor(log_eta(max_t)):
// bracket s starts n = ceil((s_max + 1) / (s + 1) * eta^s) trials with r = max_t * eta^-s units each,
// and its rung i keeps n_i = floor(n * eta^-i) trials trained to r_i = r * eta^i.
//
// New trials fill bracket s_max, then s_max - 1, ... 0, then s_max again. A trial reaching its rung's
// milestone pauses (keeping its checkpoint). When every live trial of the bracket has reached the rung,
// and the bracket is full (or closed, below), the top max(1, floor(m / eta)) of the m trials at the rung
// are resumed (choose_trial_to_run picks them first) and the others are stopped (take_decisions). The
// last trial to arrive does not pause: it goes on, or stops, at once. Trials reaching max_t stop.
// NaN ranks last; ties go to the lower trial id; a result without the metric does not count for a rung.
//
// A bracket that cannot fill (num_samples smaller than its size) is closed and decides with the trials it has
// (bracket_scheduler.h says when); brackets of trials added after the searcher ran out (by the user) start closed.
#include <map>

#include "core/schedule/bracket_scheduler.h"

namespace tunelab {

struct HyperBandRung {
  int64_t n = 0;  // trials at this rung
  double r = 0;   // resource (time_attr units) each has reached
};
struct HyperBandBracketPlan {
  int s = 0;
  std::vector<HyperBandRung> rungs;  // rungs[0] = (n, r) of the bracket
};
// The brackets of the paper's table, s = s_max first. Empty when max_t < 1 or eta <= 1.
std::vector<HyperBandBracketPlan> hyperband_table(double max_t, double eta);

class HyperBandScheduler final : public BracketScheduler {
 public:
  struct Options {
    std::string time_attr = "training_iteration";
    double max_t = 81;
    double reduction_factor = 3;
  };
  HyperBandScheduler(const ScheduleContext& ctx, Options o);

  void on_trial_add(const TrialSnapshot& trial) override;
  Decision on_result(const TrialSnapshot& trial, const Json& result) override;
  void on_complete(const TrialSnapshot& trial) override;

  // For tests and displays: the plan index (into hyperband_table) and rung index of a trial's bracket.
  std::optional<std::pair<int, size_t>> position(int64_t trial_id) const;

 private:
  enum class State { Running, Waiting, Promoted, Done };
  struct Member {
    size_t bracket = 0;
    State state = State::Running;
    double value = 0;  // signed (higher is better) value at the current rung; NaN ranks last
  };
  struct Bracket {
    size_t plan = 0;   // index into table_
    size_t rung = 0;   // current rung
    bool closed = false;
    std::vector<int64_t> members;
  };
  // Decides the bracket's current rung if it is complete. `reporter` is the trial reporting now (its
  // decision is returned rather than queued).
  std::optional<Decision> try_decide(size_t b, int64_t reporter);
  std::optional<int64_t> pick(const std::vector<TrialSnapshot>& waiting) override;
  void close_brackets() override;
  bool anything_running() const override;

  std::string metric_;
  bool maximize_;
  Options o_;
  std::vector<HyperBandBracketPlan> table_;
  std::vector<Bracket> brackets_;
  std::map<int64_t, Member> members_;
};

}  // namespace tunelab
