#include "core/search/cmaes_searcher.h"

#include <algorithm>
#include <cmath>

namespace tunelab {

CmaesSearcher::CmaesSearcher(const SearchContext& ctx, const CmaesOptions& opt) : ModelSearcher(ctx), opt_(opt) {
  tag_ = 0x434D41ULL;
  n_ = static_cast<Eigen::Index>(enc_.size());
  const auto n = static_cast<double>(std::max<Eigen::Index>(n_, 1));
  start(opt_.popsize > 0 ? opt_.popsize : 4 + static_cast<int64_t>(std::floor(3 * std::log(n))));
}

void CmaesSearcher::start(int64_t popsize) {
  const auto n = static_cast<double>(std::max<Eigen::Index>(n_, 1));
  popsize_ = popsize;
  lambda_ = popsize;
  mu_ = lambda_ / 2;
  weights_.resize(mu_);
  for (int64_t i = 0; i < mu_; ++i) {
    weights_[i] = std::log(static_cast<double>(lambda_) / 2.0 + 0.5) - std::log(static_cast<double>(i) + 1);
  }
  weights_ /= weights_.sum();
  mueff_ = 1.0 / weights_.squaredNorm();
  cc_ = (4 + mueff_ / n) / (n + 4 + 2 * mueff_ / n);
  cs_ = (mueff_ + 2) / (n + mueff_ + 5);
  c1_ = 2 / ((n + 1.3) * (n + 1.3) + mueff_);
  cmu_ = std::min(1 - c1_, 2 * (mueff_ - 2 + 1 / mueff_) / ((n + 2) * (n + 2) + mueff_));
  damps_ = 1 + 2 * std::max(0.0, std::sqrt((mueff_ - 1) / (n + 1)) - 1) + cs_;
  chi_n_ = std::sqrt(n) * (1 - 1 / (4 * n) + 1 / (21 * n * n));
  mean_ = Eigen::VectorXd::Constant(n_, 0.5);
  if (restarts_ > 0) {  // a restart begins somewhere else
    Rng rng(derive_seed({seed_, static_cast<uint64_t>(restarts_), 0x49504F50ULL}));
    for (Eigen::Index i = 0; i < n_; ++i) mean_[i] = 0.2 + 0.6 * uniform01(rng);
  }
  pc_ = Eigen::VectorXd::Zero(n_);
  ps_ = Eigen::VectorXd::Zero(n_);
  C_ = Eigen::MatrixXd::Identity(n_, n_);
  B_ = Eigen::MatrixXd::Identity(n_, n_);
  D_ = Eigen::VectorXd::Ones(n_);
  sigma_ = opt_.sigma0;
  told_.clear();
  best_history_.clear();
}

Eigen::VectorXd CmaesSearcher::min_sd() const {
  Eigen::VectorXd m = Eigen::VectorXd::Zero(n_);
  for (Eigen::Index i = 0; i < n_; ++i) {
    const Dim& d = enc_.dims()[static_cast<size_t>(i)];
    const uint64_t k = d.categorical ? d.choices : d.cardinality;
    if (k > 0) m[i] = 0.25 / static_cast<double>(k);
  }
  return m;
}

std::optional<std::vector<double>> CmaesSearcher::propose(int64_t /*trial_id*/, Rng& rng) {
  std::normal_distribution<double> gauss(0.0, 1.0);
  Eigen::VectorXd z(n_);
  for (Eigen::Index i = 0; i < n_; ++i) z[i] = gauss(rng);
  Eigen::VectorXd y = B_ * (D_.cwiseProduct(z));
  // Margin: discrete coordinates keep a minimum spread.
  const Eigen::VectorXd floor_sd = min_sd();
  for (Eigen::Index i = 0; i < n_; ++i) {
    const double sd = sigma_ * std::sqrt(C_(i, i));
    if (floor_sd[i] > sd) y[i] += gauss(rng) * std::sqrt(floor_sd[i] * floor_sd[i] - sd * sd) / sigma_;
  }
  Eigen::VectorXd x = mean_ + sigma_ * y;
  // Out of the cube: mirror back in.
  std::vector<double> out(static_cast<size_t>(n_));
  for (Eigen::Index i = 0; i < n_; ++i) {
    double v = std::fmod(std::abs(x[i]), 2.0);
    if (v > 1) v = 2 - v;
    const Dim& d = enc_.dims()[static_cast<size_t>(i)];
    out[static_cast<size_t>(i)] =
        d.categorical ? std::min(std::floor(v * static_cast<double>(d.choices)), static_cast<double>(d.choices) - 1) : v;
  }
  return out;
}

void CmaesSearcher::observed_complete(const TrialSnapshot& t) {
  const Observation* o = log_.find(t.id);
  if (!o || o->state != Observation::State::Done || n_ == 0) return;
  Eigen::VectorXd x(n_);
  for (Eigen::Index i = 0; i < n_; ++i) {
    const Dim& d = enc_.dims()[static_cast<size_t>(i)];
    const double v = o->x[static_cast<size_t>(i)];
    // Inactive coordinates sit at the mean; categorical indices at their bucket's centre.
    x[i] = std::isnan(v) ? mean_[i] : d.categorical ? (v + 0.5) / static_cast<double>(d.choices) : v;
  }
  told_.emplace_back(o->loss(), x);
  if (static_cast<int64_t>(told_.size()) >= lambda_) update();
}

void CmaesSearcher::update() {
  std::stable_sort(told_.begin(), told_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  const auto n = static_cast<double>(n_);
  const Eigen::VectorXd old = mean_;
  Eigen::VectorXd mean = Eigen::VectorXd::Zero(n_);
  for (int64_t i = 0; i < mu_; ++i) mean += weights_[i] * told_[static_cast<size_t>(i)].second;
  mean_ = mean;
  const Eigen::VectorXd dmean = (mean_ - old) / sigma_;
  // C^-1/2 = B D^-1 B^T
  const Eigen::MatrixXd invsqrt = B_ * D_.cwiseInverse().asDiagonal() * B_.transpose();
  ps_ = (1 - cs_) * ps_ + std::sqrt(cs_ * (2 - cs_) * mueff_) * invsqrt * dmean;
  const double gen = static_cast<double>(generation_ + 1);
  const bool hsig = ps_.norm() / std::sqrt(1 - std::pow(1 - cs_, 2 * gen)) / chi_n_ < 1.4 + 2 / (n + 1);
  pc_ = (1 - cc_) * pc_ + (hsig ? std::sqrt(cc_ * (2 - cc_) * mueff_) : 0.0) * dmean;
  Eigen::MatrixXd rank_mu = Eigen::MatrixXd::Zero(n_, n_);
  for (int64_t i = 0; i < mu_; ++i) {
    const Eigen::VectorXd yi = (told_[static_cast<size_t>(i)].second - old) / sigma_;
    rank_mu += weights_[i] * yi * yi.transpose();
  }
  C_ = (1 - c1_ - cmu_) * C_ + c1_ * (pc_ * pc_.transpose() + (hsig ? 0.0 : cc_ * (2 - cc_)) * C_) + cmu_ * rank_mu;
  sigma_ *= std::exp((cs_ / damps_) * (ps_.norm() / chi_n_ - 1));
  sigma_ = std::min(sigma_, 1.0);
  C_ = 0.5 * (C_ + C_.transpose());
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(C_);
  if (es.info() == Eigen::Success) {
    B_ = es.eigenvectors();
    D_ = es.eigenvalues().cwiseMax(1e-20).cwiseSqrt();
  }
  best_history_.push_back(told_.front().first);
  told_.clear();
  ++generation_;

  if (opt_.restart == "ipop") {
    // Stagnation or collapse: no progress over the last 10 + 30 n / lambda generations, a tiny step,
    // or an ill-conditioned covariance.
    const auto window = static_cast<size_t>(10 + std::ceil(30 * n / static_cast<double>(lambda_)));
    bool stale = false;
    if (best_history_.size() > window) {
      const double recent = *std::min_element(best_history_.end() - static_cast<long>(window / 2), best_history_.end());
      const double before = *std::min_element(best_history_.begin(), best_history_.end() - static_cast<long>(window / 2));
      stale = recent >= before;
    }
    const double cond = D_.maxCoeff() / std::max(D_.minCoeff(), 1e-300);
    if (stale || sigma_ * D_.maxCoeff() < 1e-8 || cond * cond > 1e14) {
      ++restarts_;
      start(static_cast<int64_t>(std::ceil(static_cast<double>(popsize_) * opt_.inc_popsize)));
    }
  }
}

}  // namespace tunelab
