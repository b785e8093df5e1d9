#pragma once
// Parzen (kernel density) estimators over encoded points, as in Optuna's TPE: a weighted mixture of
// one kernel per observation plus a prior kernel. Numeric coordinates get Gaussians truncated to
// [0, 1]; categorical ones a categorical kernel that puts most mass on the observed value.
// Used by TPE, MOTPE and BOHB.
#include <cstdint>
#include <vector>

#include "core/search/encoding.h"
#include "core/util/rng.h"

namespace tunelab {

struct ParzenOptions {
  double prior_weight = 1.0;
  bool multivariate = false;     // bandwidths by Scott's rule (joint) instead of neighbour gaps (per coordinate)
  double bandwidth_factor = 1.0;  // multiplies every bandwidth (BOHB uses 3 when sampling)
  double post_clip_factor = 1.0;  // multiplies the observations' bandwidths after the clip (TPE's candidates)
};

// A mixture over the coordinates `dims` of `points` (rows of encoded vectors). Univariate use: one
// coordinate; multivariate: several, where every point has all of them.
class Parzen {
 public:
  Parzen(const SpaceEncoding& enc, std::vector<size_t> dims, const std::vector<const std::vector<double>*>& points,
         const std::vector<double>& weights, const ParzenOptions& opt);

  // Draws n points; only the coordinates `dims` are set (others NaN), each row sized enc.size().
  void sample(Rng& rng, size_t n, std::vector<std::vector<double>>& out) const;
  // Log density of each row's `dims` coordinates.
  std::vector<double> log_pdf(const std::vector<std::vector<double>>& rows) const;

 private:
  struct Column {
    bool categorical = false;
    size_t choices = 0;
    std::vector<double> mu, sigma, inv_sigma, log_norm;   // numeric: per component; log_norm = -log(Z sigma sqrt(2 pi))
    std::vector<int> index;                    // categorical: observed index per component (-1: prior)
    double log_hit = 0, log_miss = 0;          // categorical kernel: log P(observed), log P(other)
  };
  size_t dim_count() const { return columns_.size(); }

  std::vector<size_t> dims_;
  std::vector<Column> columns_;
  std::vector<double> log_w_;  // per component (observations, then the prior)
  std::vector<double> cum_w_;  // cumulative weights for sampling
  // Univariate numeric: the observation kernels sorted by mean (mean, 1/sigma, log weight + log
  // normaliser), so that a density sums only the kernels near x.
  std::vector<double> sorted_mu_, sorted_inv_, sorted_c_;
  std::vector<uint32_t> sorted_order_;
  double max_sigma_ = 0;
};

// Optuna's default weights of n observations in trial order: the 25 newest 1, older ones ramping up from 1/n.
std::vector<double> tpe_weights(size_t n);

}  // namespace tunelab
