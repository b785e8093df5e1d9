#pragma once
// Tree-structured Parzen Estimator (Bergstra et al. 2011), following Optuna's TPESampler.
//
// After n_startup_trials random trials, the finished trials are split into the best gamma-fraction
// ("below", at most 25) and the rest ("above"); a Parzen estimator l(x) is fitted to the first and
// g(x) to the second, n_ei_candidates points are drawn from l (with its kernels narrowed by
// candidate_bandwidth), and the one with the largest l(x)/g(x) is proposed. Univariate mode models each parameter on its own, counting only the trials
// where it was active; multivariate mode models the unconditional parameters jointly (conditional
// ones stay univariate). Running trials join "above" (constant liar), so parallel suggestions spread.
#include "core/search/model_searcher.h"
#include "core/search/parzen.h"

namespace tunelab {

struct TpeOptions {
  int64_t n_startup_trials = 10;
  double gamma = 0.1;
  int64_t n_ei_candidates = 24;
  // Candidates come from l(x) with its numeric bandwidths (after the clip) times this factor, and are
  // scored by the unscaled l(x)/g(x): candidates near the good trials, where the ratio peaks.
  double candidate_bandwidth = 0.3;
  double prior_weight = 1.0;
  bool multivariate = true;
  bool constant_liar = true;
};

// One TPE step: the point maximising l/g among candidates drawn from l. `below` and `above` are
// encoded points in trial order. `sample_bandwidth_factor` widens l's kernels for drawing only (BOHB).
std::vector<double> tpe_propose(const SpaceEncoding& enc, const std::vector<const std::vector<double>*>& below,
                                const std::vector<const std::vector<double>*>& above, const TpeOptions& opt,
                                Rng& rng, double sample_bandwidth_factor = 1.0);

// tpe_propose over a study's observations: finished ones marked in `is_below` form the good group, the
// other finished ones the bad group, joined by running ones when opt.constant_liar.
std::vector<double> tpe_propose_split(const SpaceEncoding& enc, const std::vector<Observation>& all,
                                      const std::vector<char>& is_below, const TpeOptions& opt, Rng& rng);

// How many of n finished trials go "below": ceil(gamma n), at least 1, at most 25.
size_t tpe_below_count(size_t n, double gamma);

class TpeSearcher final : public ModelSearcher {
 public:
  TpeSearcher(const SearchContext& ctx, const TpeOptions& opt);

 protected:
  std::optional<std::vector<double>> propose(int64_t trial_id, Rng& rng) override;

 private:
  TpeOptions opt_;
};

}  // namespace tunelab
