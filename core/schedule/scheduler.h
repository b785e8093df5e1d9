#pragma once
// The Scheduler interface: decides the fate of running trials, and which waiting trial runs next.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/run/trial.h"
#include "core/space/options.h"

namespace tunelab {

// What happens to a trial after a result. The reason is stored with the decision and shown to users.
struct Decision {
  enum class Action { Continue, Pause, Stop };
  Action action = Action::Continue;
  std::string reason;  // why, in the user's words; empty for Continue
  Json details;        // the numbers behind the decision (rung, cutoff, ...), or null

  static Decision keep_going() { return {}; }
  static Decision stop(std::string why, Json numbers = nullptr) {
    return {Action::Stop, std::move(why), std::move(numbers)};
  }
  static Decision pause(std::string why, Json numbers = nullptr) {
    return {Action::Pause, std::move(why), std::move(numbers)};
  }
};
const char* to_string(Decision::Action a);

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  virtual void on_trial_add(const TrialSnapshot& /*trial*/) {}
  virtual Decision on_result(const TrialSnapshot& trial, const Json& result) = 0;
  virtual void on_complete(const TrialSnapshot& /*trial*/) {}
  // Among waiting trials (pending or paused), the one to start next, or nullopt to start none now.
  // The default runs paused trials first, then the lowest trial id.
  virtual std::optional<int64_t> choose_trial_to_run(const std::vector<TrialSnapshot>& waiting);
};

struct ScheduleContext {
  std::string metric;
  bool maximize = true;
  Json options;  // the validated "scheduler" block
};

const std::vector<ComponentDef>& scheduler_defs();
const ComponentDef* find_scheduler_def(const std::string& type);
Result<std::unique_ptr<Scheduler>> make_scheduler(const ScheduleContext& ctx);

}  // namespace tunelab
