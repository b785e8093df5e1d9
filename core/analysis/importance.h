#pragma once
// Parameter importance: how much of the spread of the objective each parameter explains on its own.
//
// Method (a model-free estimate of fANOVA's first-order terms): each parameter's values are mapped to
// the unit interval the searchers use (log-scaled parameters in log space), cut into equal-width bins
// (one per value for choices and small integer ranges), and the objective's variance between the bin
// means is compared with its total variance. The estimate is omega squared,
//   w2 = (SS_between - (k - 1) * MS_within) / (SS_total + MS_within),
// the correlation ratio corrected for the spread that k bins show by chance; negative estimates count
// as zero. Trials in which a conditional parameter is inactive are left out of that parameter's
// estimate. The importances are finally scaled to sum to one (all zero when nothing explains anything).
#include <string>
#include <vector>

#include "core/space/space.h"

namespace tunelab {

struct ParamImportance {
  std::string name;         // full dotted parameter name
  double importance = 0;    // share in [0, 1]; the importances of a study sum to 1 (or are all 0)
  double omega2 = 0;        // the unscaled estimate
  int64_t trials = 0;       // trials used for this parameter
};

// `configs[i]` (nested config objects) produced `values[i]` (the objective; non-finite values are
// skipped). Constants are left out. Sorted by importance, most important first.
std::vector<ParamImportance> param_importance(const SearchSpace& space, const std::vector<Json>& configs,
                                              const std::vector<double>& values, int bins = 10);

}  // namespace tunelab
