#pragma once
// The rules every view of a running study shares: the engine's progress events, `tunelab run`'s progress
// line, the workbench (a study it runs, or one it watches) and the Python front-end (which reads what
// `tunelab` prints). One copy each: how trials are counted, the time left, and how a decision reads.
#include <cstdint>
#include <optional>
#include <string>

#include "core/model/trial.h"
#include "core/run/events.h"

namespace tunelab {

// Adds `n` (or, negative, removes) trials of status `s` to the counts.
void count_trial(Progress& p, TrialStatus s, int64_t n = 1);

// The estimated time left, from the counts, the planned total and the running time: the time per
// finished trial so far times the trials still to finish, capped by what is left of the time budget.
// None when it cannot be told (nothing finished yet, an open-ended study without a budget).
std::optional<double> estimate_eta(const Progress& p, std::optional<double> time_budget_s);

// "trial 7: stop by scheduler: below the median at iteration 4".
std::string decision_text(int64_t trial_id, const std::string& action, const std::string& source,
                          const std::string& reason);

}  // namespace tunelab
