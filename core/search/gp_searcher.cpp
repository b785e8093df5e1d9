#include "core/search/gp_searcher.h"

#include <algorithm>
#include <numeric>

namespace tunelab {

GpSearcher::GpSearcher(const SearchContext& ctx, const GpOptions& opt)
    : ModelSearcher(ctx), opt_(opt), startup_(SpaceEncoding(*ctx.space).size(), seed_) {
  tag_ = 0x4750ULL;
  for (const auto& d : enc_.dims()) width_ += d.categorical ? d.choices : 1;
}

Eigen::RowVectorXd GpSearcher::features(const std::vector<double>& x) const {
  Eigen::RowVectorXd f = Eigen::RowVectorXd::Zero(static_cast<Eigen::Index>(width_));
  Eigen::Index k = 0;
  for (size_t i = 0; i < enc_.size(); ++i) {
    const Dim& d = enc_.dims()[i];
    if (d.categorical) {
      if (!std::isnan(x[i])) f[k + static_cast<Eigen::Index>(x[i])] = 1.0;
      k += static_cast<Eigen::Index>(d.choices);
    } else {
      f[k++] = std::isnan(x[i]) ? 0.5 : x[i];
    }
  }
  return f;
}

std::optional<std::vector<double>> GpSearcher::propose(int64_t trial_id, Rng& rng) {
  const auto& all = log_.all();
  const std::vector<int64_t> done = log_.done();
  auto from_sobol = [&] {
    auto x = startup_.point(static_cast<uint64_t>(trial_id));
    for (size_t d = 0; d < x.size(); ++d) {
      if (enc_.dims()[d].categorical) x[d] = std::floor(x[d] * static_cast<double>(enc_.dims()[d].choices));
    }
    return x;
  };
  if (static_cast<int64_t>(done.size()) < std::max<int64_t>(2, opt_.n_startup_trials) || width_ == 0) {
    return from_sobol();
  }
  const auto n = static_cast<Eigen::Index>(done.size());
  Eigen::MatrixXd X(n, static_cast<Eigen::Index>(width_));
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto& o = all[static_cast<size_t>(done[static_cast<size_t>(i)])];
    X.row(i) = features(o.x);
    y[i] = o.loss();
  }
  if (opt_.output_warp == "log") {
    // Model log(y - y_min + 0.3 (y_max - y_min)): a few bad trials no longer flatten the model near
    // the good ones, and the gaps between good values grow. A monotone map, so the minimum stays put.
    const double lo = y.minCoeff(), hi = y.maxCoeff();
    const double shift = lo - 0.3 * std::max(hi - lo, 1e-12);
    y = (y.array() - shift).log().matrix();
  }
  // Hyperparameters, on a subset when there are many trials.
  GpHyper h;
  const auto subset = static_cast<Eigen::Index>(std::max<int64_t>(opt_.fit_subset, 10));
  if (n <= subset) {
    h = GaussianProcess::fit(X, y, static_cast<int>(opt_.restarts), rng);
  } else {
    std::vector<Eigen::Index> order(static_cast<size_t>(n));
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) { return y[a] < y[b]; });
    const Eigen::Index top = subset / 4;
    std::shuffle(order.begin() + top, order.end(), rng);
    Eigen::MatrixXd Xs(subset, X.cols());
    Eigen::VectorXd ys(subset);
    for (Eigen::Index i = 0; i < subset; ++i) {
      Xs.row(i) = X.row(order[static_cast<size_t>(i)]);
      ys[i] = y[order[static_cast<size_t>(i)]];
    }
    // Many trials: the subset fit is a rough estimate anyway, so one start (the defaults) suffices.
    h = GaussianProcess::fit(Xs, ys, n > 2 * subset ? 1 : static_cast<int>(opt_.restarts), rng);
  }
  GaussianProcess gp;
  if (!gp.condition(X, y, h)) return from_sobol();
  const double best = y.minCoeff();

  // Running trials: believed at the posterior mean, or lied about as the worst value.
  std::vector<const Observation*> pending;
  for (const auto& o : all) {
    if (o.state == Observation::State::Running && !o.x.empty()) pending.push_back(&o);
  }
  if (!pending.empty()) {
    const auto p = static_cast<Eigen::Index>(pending.size());
    Eigen::MatrixXd Xp(p, X.cols());
    for (Eigen::Index i = 0; i < p; ++i) Xp.row(i) = features(pending[static_cast<size_t>(i)]->x);
    Eigen::VectorXd mu, sd;
    if (opt_.parallel == "constant_liar") mu = Eigen::VectorXd::Constant(p, y.maxCoeff());
    else gp.predict(Xp, mu, sd);
    Eigen::MatrixXd Xa(n + p, X.cols());
    Xa << X, Xp;
    Eigen::VectorXd ya(n + p);
    ya << y, mu;
    gp.condition(Xa, ya, h);
  }

  const bool ucb = opt_.acquisition == "ucb";
  const double kappa = std::sqrt(std::max(opt_.ucb_beta, 0.0));
  auto score = [&](const std::vector<std::vector<double>>& cands) {
    Eigen::MatrixXd Q(static_cast<Eigen::Index>(cands.size()), X.cols());
    for (size_t i = 0; i < cands.size(); ++i) Q.row(static_cast<Eigen::Index>(i)) = features(cands[i]);
    Eigen::VectorXd mu, sd;
    gp.predict(Q, mu, sd);
    std::vector<double> s(cands.size());
    for (size_t i = 0; i < cands.size(); ++i) {
      const auto k = static_cast<Eigen::Index>(i);
      s[i] = ucb ? -(mu[k] - kappa * sd[k]) : log_expected_improvement(mu[k], sd[k], best);
    }
    return s;
  };
  auto tidy = [&](std::vector<double>& x) {
    for (size_t d = 0; d < x.size(); ++d) {
      const Dim& dim = enc_.dims()[d];
      if (dim.categorical) x[d] = std::clamp(std::round(x[d]), 0.0, static_cast<double>(dim.choices) - 1);
      else x[d] = enc_.snap(d, std::clamp(x[d], 0.0, 1.0));
    }
  };

  // Global candidates: random points, and perturbations of the best trials.
  std::vector<std::vector<double>> cands;
  const auto m = static_cast<size_t>(std::max<int64_t>(16, opt_.n_candidates));
  std::vector<Eigen::Index> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + std::min<Eigen::Index>(5, n), order.end(),
                    [&](Eigen::Index a, Eigen::Index b) { return y[a] < y[b]; });
  std::normal_distribution<double> gauss(0.0, 1.0);
  for (size_t i = 0; i < m; ++i) {
    std::vector<double> x;
    if (i % 4 == 3) {
      x = all[static_cast<size_t>(done[static_cast<size_t>(order[(i / 4) % std::min<size_t>(5, order.size())])])].x;
      for (size_t d = 0; d < x.size(); ++d) {
        const Dim& dim = enc_.dims()[d];
        if (dim.categorical) {
          if (std::isnan(x[d]) || uniform01(rng) < 0.2) x[d] = std::floor(uniform01(rng) * static_cast<double>(dim.choices));
        } else {
          // Half wide (0.05), half narrow (0.005) steps around the best trials.
          x[d] = (std::isnan(x[d]) ? uniform01(rng) : x[d]) + ((i / 4) % 2 ? 0.005 : 0.05) * gauss(rng);
        }
      }
    } else {
      x = uniform_point(rng);
    }
    tidy(x);
    cands.push_back(std::move(x));
  }
  std::vector<double> s = score(cands);

  // Local refinement of the three best candidates: shrinking Gaussian steps, keep improvements.
  std::vector<size_t> idx(cands.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::partial_sort(idx.begin(), idx.begin() + 3, idx.end(), [&](size_t a, size_t b) { return s[a] > s[b]; });
  std::vector<double> best_x = cands[idx[0]];
  double best_s = s[idx[0]];
  for (size_t r = 0; r < 3; ++r) {
    std::vector<double> cur = cands[idx[r]];
    double cur_s = s[idx[r]];
    double step = 0.1;
    for (int round = 0; round < 12; ++round, step *= 0.5) {
      std::vector<std::vector<double>> local(12, cur);
      for (auto& x : local) {
        for (size_t d = 0; d < x.size(); ++d) {
          const Dim& dim = enc_.dims()[d];
          if (dim.categorical) {
            if (uniform01(rng) < 0.1) x[d] = std::floor(uniform01(rng) * static_cast<double>(dim.choices));
          } else if (!std::isnan(x[d])) {
            x[d] += step * gauss(rng);
          }
        }
        tidy(x);
      }
      const auto ls = score(local);
      for (size_t i = 0; i < local.size(); ++i) {
        if (ls[i] > cur_s) {
          cur_s = ls[i];
          cur = local[i];
        }
      }
    }
    if (cur_s > best_s) {
      best_s = cur_s;
      best_x = cur;
    }
  }
  return best_x;
}

}  // namespace tunelab
