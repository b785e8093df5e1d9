#pragma once
// BOHB's model (Falkner, Klein and Hutter 2018): a TPE-style kernel density model per budget.
//
// The budget is the training_iteration of a result. Every result of every trial is recorded under
// its budget (the scheduler decides which trials reach which budget: with the HyperBand scheduler
// this forms BOHB; with any other it is a multi-fidelity TPE). A new config comes from the model of
// the largest budget holding at least min_points_in_model results (default: number of parameters
// + 1) - or at random while none has, and with probability random_fraction anyway. The model splits
// that budget's results at top_n_percent into good and bad, fits a multivariate Parzen estimator to
// each, draws num_samples candidates from the good one with bandwidths widened by bandwidth_factor,
// and proposes the one maximising good/bad.
#include <map>

#include "core/search/model_searcher.h"
#include "core/search/tpe_searcher.h"

namespace tunelab {

struct BohbOptions {
  int64_t min_points_in_model = 0;  // 0: number of parameters + 1
  double top_n_percent = 15;
  int64_t num_samples = 64;
  double random_fraction = 1.0 / 3.0;
  double bandwidth_factor = 3;
  double min_bandwidth = 1e-3;
};

class BohbSearcher final : public ModelSearcher {
 public:
  BohbSearcher(const SearchContext& ctx, const BohbOptions& opt);
  // The budget the next model-based suggestion would use, or -1 when none has enough results.
  int64_t model_budget() const;

 protected:
  std::optional<std::vector<double>> propose(int64_t trial_id, Rng& rng) override;
  void observed_result(const TrialSnapshot& t, const Json& result) override;
  void observed_complete(const TrialSnapshot& t) override;

 private:
  BohbOptions opt_;
  // budget -> trial id -> loss at that budget
  std::map<int64_t, std::map<int64_t, double>> by_budget_;
  size_t min_points() const;
};

}  // namespace tunelab
