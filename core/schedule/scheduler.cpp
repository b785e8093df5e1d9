#include "core/schedule/scheduler.h"

#include "core/schedule/fifo_scheduler.h"

namespace tunelab {

const char* to_string(Decision::Action a) {
  switch (a) {
    case Decision::Action::Continue: return "continue";
    case Decision::Action::Pause: return "pause";
    case Decision::Action::Stop: return "stop";
    case Decision::Action::Exploit: return "exploit";
  }
  return "?";
}

std::optional<int64_t> Scheduler::choose_trial_to_run(const std::vector<TrialSnapshot>& waiting) {
  std::optional<int64_t> best;
  bool best_paused = false;
  for (const auto& t : waiting) {
    const bool paused = t.status == TrialStatus::Paused;
    if (!best || (paused && !best_paused) || (paused == best_paused && t.id < *best)) {
      best = t.id;
      best_paused = paused;
    }
  }
  return best;
}

const std::vector<ComponentDef>& scheduler_defs() {
  static const std::vector<ComponentDef> defs = {
      {"fifo", "Runs every trial to the end (or until a stop criterion is met).", {}},
  };
  return defs;
}

const ComponentDef* find_scheduler_def(const std::string& type) { return find_component(scheduler_defs(), type); }

Result<std::unique_ptr<Scheduler>> make_scheduler(const ScheduleContext& ctx) {
  const std::string type = ctx.options.value("type", "fifo");
  if (type == "fifo") return std::unique_ptr<Scheduler>(new FifoScheduler());
  return Error{"scheduler.type", "unknown scheduler \"" + type + "\""};
}

}  // namespace tunelab
