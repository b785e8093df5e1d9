#pragma once
// Gaussian-process Bayesian optimisation.
//
// Inputs are the unit-cube encoding (log-scaled where log) with categorical parameters one-hot;
// the model is GaussianProcess (Matern-5/2 ARD, marginal likelihood with restarts). The next point
// maximises log expected improvement or UCB (lower confidence bound of the loss) over random and
// Sobol candidates plus perturbations of the best trials, refined by a local search; discrete
// coordinates are rounded to their values before scoring. Running trials enter the model with the
// posterior mean at their point (kriging believer) or the worst value seen (constant liar), so
// parallel suggestions spread out. The first n_startup_trials points come from a Sobol sequence.
// Above fit_subset finished trials, hyperparameters are fitted on the best quarter of that many
// plus a seeded random sample of the rest (from one start above twice that many), and the model
// then conditions on all trials.
#include "core/search/gp.h"
#include "core/search/model_searcher.h"
#include "core/search/sobol_searcher.h"

namespace tunelab {

struct GpOptions {
  int64_t n_startup_trials = 5;
  std::string acquisition = "log_ei";  // or "ucb"
  std::string output_warp = "log";     // or "none"
  double ucb_beta = 4.0;               // UCB: mean - sqrt(beta) sd of the loss
  std::string parallel = "kriging_believer";  // or "constant_liar"
  int64_t n_candidates = 256;
  int64_t restarts = 3;
  int64_t fit_subset = 80;
};

class GpSearcher final : public ModelSearcher {
 public:
  GpSearcher(const SearchContext& ctx, const GpOptions& opt);

 protected:
  std::optional<std::vector<double>> propose(int64_t trial_id, Rng& rng) override;

 private:
  Eigen::RowVectorXd features(const std::vector<double>& x) const;
  GpOptions opt_;
  SobolSequence startup_;
  size_t width_ = 0;  // number of features
};

}  // namespace tunelab
