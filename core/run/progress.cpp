#include "core/run/progress.h"

#include <algorithm>

namespace tunelab {

void count_trial(Progress& p, TrialStatus s, int64_t n) {
  switch (s) {
    case TrialStatus::Pending: p.pending += n; break;
    case TrialStatus::Running: p.running += n; break;
    case TrialStatus::Paused: p.paused += n; break;
    case TrialStatus::Completed: p.completed += n; break;
    case TrialStatus::Stopped: p.stopped += n; break;
    case TrialStatus::Error: p.errored += n; break;
  }
}

std::optional<double> estimate_eta(const Progress& p, std::optional<double> time_budget_s) {
  std::optional<double> eta;
  const int64_t finished = p.finished();
  if (p.total > 0 && finished > 0 && finished < p.total) {
    eta = p.elapsed_s / static_cast<double>(finished) * static_cast<double>(p.total - finished);
  }
  if (time_budget_s) {
    const double left = std::max(0.0, *time_budget_s - p.elapsed_s);
    eta = eta ? std::min(*eta, left) : left;
  }
  return eta;
}

std::string decision_text(int64_t trial_id, const std::string& action, const std::string& source,
                          const std::string& reason) {
  return "trial " + std::to_string(trial_id) + ": " + action + " by " + source + ": " + reason;
}

}  // namespace tunelab
