#pragma once
// The Scheduler interface: decides the fate of running trials, and which waiting trial runs next.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/model/trial.h"
#include "core/options/options.h"
#include "core/space/space.h"

namespace tunelab {

// What happens to a trial after a result. The reason is stored with the decision and shown to users.
//   Continue  the trial goes on.
//   Pause     its process ends (after the grace period); it waits, keeping its checkpoint, until the
//             scheduler picks it in choose_trial_to_run, and then restarts from that checkpoint.
//   Stop      it ends for good: as COMPLETED when `reached_end` (it reached its planned end: a budget such as
//             max_t or max_iter, a metric threshold; Decision::complete), else as STOPPED (stopped early).
//   Exploit   (PBT) its process ends; it restarts at once from the donor's latest checkpoint with `config`
//             (the donor's config, explored). The trial keeps its id; its parent and generation change.
struct Decision {
  enum class Action { Continue, Pause, Stop, Exploit };
  Action action = Action::Continue;
  std::string reason;  // why, in the user's words; empty for Continue
  Json details;        // the numbers behind the decision (rung, cutoff, ...), or null
  int64_t donor = -1;  // Exploit: the trial whose checkpoint is copied
  Json config;         // Exploit: the new nested config
  bool reached_end = false;  // Stop: the trial reached its planned end, set by whoever decides

  static Decision keep_going() { return {}; }
  static Decision stop(std::string why, Json numbers = nullptr) {
    return {Action::Stop, std::move(why), std::move(numbers), -1, nullptr};
  }
  // A stop because the trial reached its planned end: it ends as completed.
  static Decision complete(std::string why, Json numbers = nullptr) {
    return {Action::Stop, std::move(why), std::move(numbers), -1, nullptr, true};
  }
  static Decision pause(std::string why, Json numbers = nullptr) {
    return {Action::Pause, std::move(why), std::move(numbers), -1, nullptr};
  }
  static Decision exploit(int64_t donor_id, Json new_config, std::string why, Json numbers = nullptr) {
    return {Action::Exploit, std::move(why), std::move(numbers), donor_id, std::move(new_config)};
  }
};

// A decision about a trial that is not reporting now (e.g. stopping a paused trial).
struct TrialDecision {
  int64_t trial_id = 0;
  Decision decision;
};
const char* to_string(Decision::Action a);

// Every call comes from the controller's thread. On resume the controller replays the stored history
// before the loop starts: on_trial_add for every trial, on_result for every stored result in order
// (decisions returned then are ignored: they were applied in the earlier session), and on_complete for
// every finished trial. A scheduler therefore needs no storage of its own.
class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual void on_trial_add(const TrialSnapshot& /*trial*/) {}
  // `trial` already includes `result` (iteration, last/best objective).
  virtual Decision on_result(const TrialSnapshot& trial, const Json& result) = 0;
  // The trial finished (completed, stopped, errored) and will never report again.
  virtual void on_complete(const TrialSnapshot& /*trial*/) {}
  // Among waiting trials (pending or paused), the one to start next, or nullopt to start none now.
  // The default runs paused trials first, then the lowest trial id.
  virtual std::optional<int64_t> choose_trial_to_run(const std::vector<TrialSnapshot>& waiting);
  // Decisions about trials that are not reporting now (e.g. HyperBand stopping the paused losers of a
  // completed rung). Polled by the controller after every turn; each is applied once.
  virtual std::vector<TrialDecision> take_decisions() { return {}; }
  // No new trial will come from the searcher (num_samples reached, or it is finished). A scheduler that
  // waits for trials to fill a group (HyperBand's brackets) decides now with the trials it has; its
  // decisions about idle trials come through take_decisions.
  virtual void on_no_more_trials() {}
};

struct ScheduleContext {
  std::string metric;                 // the objective metric
  bool maximize = true;
  Json options;                       // the validated "scheduler" block
  const SearchSpace* space = nullptr; // the study's space (PBT resamples from it by default)
  uint64_t seed = 0;                  // the study's seed
};

const std::vector<ComponentDef>& scheduler_defs();
const ComponentDef* find_scheduler_def(const std::string& type);
Result<std::unique_ptr<Scheduler>> make_scheduler(const ScheduleContext& ctx);

}  // namespace tunelab
