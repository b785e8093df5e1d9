#include "core/model/trial.h"

namespace tunelab {

const char* to_string(TrialStatus s) {
  switch (s) {
    case TrialStatus::Pending: return "pending";
    case TrialStatus::Running: return "running";
    case TrialStatus::Paused: return "paused";
    case TrialStatus::Completed: return "completed";
    case TrialStatus::Stopped: return "stopped";
    case TrialStatus::Error: return "error";
  }
  return "?";
}

std::optional<TrialStatus> trial_status_from_string(const std::string& s) {
  for (auto t : {TrialStatus::Pending, TrialStatus::Running, TrialStatus::Paused, TrialStatus::Completed,
                 TrialStatus::Stopped, TrialStatus::Error}) {
    if (s == to_string(t)) return t;
  }
  return std::nullopt;
}

std::string pad_trial_id(int64_t id) {
  std::string s = std::to_string(id);
  return std::string(s.size() < 5 ? 5 - s.size() : 0, '0') + s;
}

}  // namespace tunelab
