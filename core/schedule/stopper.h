#pragma once
// Stoppers: rules that end trials, or the whole study, from the results alone (the spec's
// "stoppers" list; any one that fires stops). Unlike a scheduler they never pause or reorder trials.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/schedule/scheduler.h"

namespace tunelab {

class Stopper {
 public:
  virtual ~Stopper() = default;
  // Decision::stop with a reason and numbers when this trial should end after `result`, else Continue.
  virtual Decision on_result(const TrialSnapshot& trial, const Json& result) = 0;
  virtual void on_complete(const TrialSnapshot& /*trial*/) {}
  // A reason when the whole study should stop now (e.g. the top trials stopped improving).
  virtual std::optional<std::string> stop_study() { return std::nullopt; }
};

const std::vector<ComponentDef>& stopper_defs();
// Builds one stopper from a validated entry of the "stoppers" list.
Result<std::unique_ptr<Stopper>> make_stopper(const Json& options, const ScheduleContext& ctx);

// Validates the spec's "stoppers" value (an array of entries, "all"/"combined" entries holding nested
// lists); errors name JSON paths like "stoppers[1].std". Returns the list with defaults filled in.
Result<Json> validate_stoppers(const Json& list, const std::string& path = "stoppers");
// One stopper for a whole validated list: it fires when any entry fires (null or [] gives one that
// never fires). `now_s` is the clock of "timeout" stoppers (seconds; default: a steady clock).
Result<std::unique_ptr<Stopper>> make_stopper_list(const Json& list, const ScheduleContext& ctx,
                                                   std::function<double()> now_s = {});

}  // namespace tunelab
