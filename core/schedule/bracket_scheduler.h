#pragma once
// What the two synchronous HyperBands (hyperband.h, the paper's; hyperband_ray.h, Ray's) share: brackets that
// decide a rung only once they are full or closed, and decisions for other trials than the reporter, queued
// until the controller takes them.
//
// A bracket that cannot fill (num_samples smaller than its size) must not wait forever. When told that no more
// trials will come (on_no_more_trials), every unfilled bracket is closed and decides with the trials it has. As
// a fallback for a caller that never says so: asked for a trial to run while it has none to give and nothing of
// its own runs, it first answers none (so that a new trial may be created and join a bracket); asked again, or
// polled for decisions, before any new trial arrives, it closes its brackets.
#include "core/schedule/scheduler.h"

namespace tunelab {

class BracketScheduler : public Scheduler {
 public:
  std::optional<int64_t> choose_trial_to_run(const std::vector<TrialSnapshot>& waiting) final;
  std::vector<TrialDecision> take_decisions() final;
  void on_no_more_trials() final;

 protected:
  // The trial to run next among `waiting`, by the scheduler's own rule; none when no bracket has one to give.
  virtual std::optional<int64_t> pick(const std::vector<TrialSnapshot>& waiting) = 0;
  // Closes every bracket still open and lets it decide with the trials it has.
  virtual void close_brackets() = 0;
  // Whether a trial the scheduler tracks is running (or about to run).
  virtual bool anything_running() const = 0;

  // A trial joined or reported: the starvation fallback waits again.
  void reset_starvation() { starved_ = false; }
  // Queues a decision for a trial other than the one reporting now.
  void queue(int64_t trial_id, Decision d) { pending_.push_back({trial_id, std::move(d)}); }
  // Drops what was queued for a trial that ended.
  void forget(int64_t trial_id);
  // After on_no_more_trials: a bracket started now will never fill.
  bool no_more_trials() const { return no_more_; }

 private:
  std::vector<TrialDecision> pending_;
  bool starved_ = false;
  bool no_more_ = false;
};

}  // namespace tunelab
