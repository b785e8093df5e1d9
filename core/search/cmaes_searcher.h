#pragma once
// CMA-ES (Hansen 2016, "The CMA Evolution Strategy: A Tutorial"), on the unit cube.
//
// Each trial is one sample of the current generation; when popsize results have come in, the mean,
// step size and covariance are updated. The searcher never waits: while a generation is incomplete
// it keeps drawing from the current distribution, and a result counts towards the generation open
// when it arrives. Integer and stepped parameters are rounded when decoded, and their coordinates
// keep a minimum spread of a quarter of one value's width, so the search cannot freeze between two
// neighbouring values (a simple form of CMA-ES with margin, Hamano et al. 2022). Categorical
// parameters are a coordinate split into equal buckets. With restart "ipop" the strategy restarts
// with twice the population when it stagnates or its step size collapses (Auger and Hansen 2005).
#include <Eigen/Dense>

#include "core/search/model_searcher.h"

namespace tunelab {

struct CmaesOptions {
  double sigma0 = 0.3;
  int64_t popsize = 0;     // 0: 4 + floor(3 ln n)
  std::string restart = "none";  // or "ipop"
  double inc_popsize = 2;
};

class CmaesSearcher final : public ModelSearcher {
 public:
  CmaesSearcher(const SearchContext& ctx, const CmaesOptions& opt);
  int restarts() const { return restarts_; }
  int64_t generation() const { return generation_; }

 protected:
  std::optional<std::vector<double>> propose(int64_t trial_id, Rng& rng) override;
  void observed_complete(const TrialSnapshot& t) override;

 private:
  void start(int64_t popsize);
  void update();
  Eigen::VectorXd min_sd() const;

  CmaesOptions opt_;
  Eigen::Index n_ = 0;
  int64_t lambda_ = 0, mu_ = 0;
  Eigen::VectorXd weights_, mean_, pc_, ps_;
  Eigen::MatrixXd C_, B_;
  Eigen::VectorXd D_;
  double sigma_ = 0.3, mueff_ = 0, cc_ = 0, cs_ = 0, c1_ = 0, cmu_ = 0, damps_ = 0, chi_n_ = 0;
  int64_t generation_ = 0;
  int restarts_ = 0;
  int64_t popsize_ = 0;
  std::vector<std::pair<double, Eigen::VectorXd>> told_;  // results of the open generation
  std::vector<double> best_history_;
};

}  // namespace tunelab
