#pragma once
// `tunelab refine`: a narrower search space from the best trials of a finished (or running) study.
//
// The top fraction of trials with a value (by the objective; with several objectives, the Pareto-optimal
// trials) decides each parameter's new range: numeric parameters span the top trials' values, widened
// by 10% of that span on each side (in log space where log is set; log scales and steps are kept), and
// never beyond the old bounds; choice and grid parameters keep the values the top trials used.
// Parameters no top trial used, normal and constant parameters are kept as they were.
#include <string>
#include <vector>

#include "core/analysis/summary.h"

namespace tunelab {

struct RefineResult {
  Json spec;                          // the new spec (name suffixed "-refined", no seed)
  std::vector<std::string> changes;   // one line per narrowed parameter, e.g. "lr: 1e-05..0.1 -> 0.0003..0.002"
  size_t top_trials = 0;
};

Result<RefineResult> refine_spec(const StudySummary& summary, const StudySpec& spec, double top_fraction);

}  // namespace tunelab
