#include "core/schedule/bracket_scheduler.h"

#include <algorithm>

namespace tunelab {

std::optional<int64_t> BracketScheduler::choose_trial_to_run(const std::vector<TrialSnapshot>& waiting) {
  if (auto id = pick(waiting)) return id;
  if (anything_running()) return std::nullopt;
  if (!starved_) {
    starved_ = true;  // let the engine create a trial first; if none comes, close the brackets next time
    return std::nullopt;
  }
  close_brackets();
  return pick(waiting);
}

void BracketScheduler::on_no_more_trials() {
  no_more_ = true;
  close_brackets();
}

std::vector<TrialDecision> BracketScheduler::take_decisions() {
  if (starved_ && !anything_running()) close_brackets();
  std::vector<TrialDecision> out;
  out.swap(pending_);
  return out;
}

void BracketScheduler::forget(int64_t trial_id) {
  std::erase_if(pending_, [&](const TrialDecision& d) { return d.trial_id == trial_id; });
}

}  // namespace tunelab
