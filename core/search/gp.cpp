#include "core/search/gp.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace tunelab {

namespace {

constexpr double kSqrt5 = 2.23606797749979;
// Bounds of the log hyperparameters, and the log-normal priors' centres and widths.
constexpr double kLsMin = -4.6, kLsMax = 3.0;       // length scale in [0.01, 20]
constexpr double kSigMin = -4.6, kSigMax = 4.6;     // signal variance of standardised targets
constexpr double kNoiseMin = -18.4, kNoiseMax = 0;  // noise variance in [1e-8, 1]
constexpr double kLsPrior = -0.7, kLsPriorSd = 1.5;
constexpr double kSigPrior = 0.0, kSigPriorSd = 1.5;
constexpr double kNoisePrior = -13.8, kNoisePriorSd = 3.0;

Eigen::VectorXd clamp_theta(Eigen::VectorXd t) {
  const Eigen::Index d = t.size() - 2;
  for (Eigen::Index i = 0; i < d; ++i) t[i] = std::clamp(t[i], kLsMin, kLsMax);
  t[d] = std::clamp(t[d], kSigMin, kSigMax);
  t[d + 1] = std::clamp(t[d + 1], kNoiseMin, kNoiseMax);
  return t;
}

// Minimises f by L-BFGS (memory 6) with a backtracking line search; the iterate is clamped into bounds.
template <typename F>
Eigen::VectorXd lbfgs(F&& f, Eigen::VectorXd x, int max_iter, double* fx_out) {
  Eigen::VectorXd g(x.size());
  double fx = f(x, &g);
  std::deque<Eigen::VectorXd> S, Y;
  for (int it = 0; it < max_iter && std::isfinite(fx); ++it) {
    if (g.lpNorm<Eigen::Infinity>() < 1e-4) break;
    // Two-loop recursion.
    Eigen::VectorXd q = g;
    std::vector<double> a(S.size());
    for (size_t i = S.size(); i-- > 0;) {
      a[i] = S[i].dot(q) / Y[i].dot(S[i]);
      q -= a[i] * Y[i];
    }
    if (!S.empty()) q *= S.back().dot(Y.back()) / Y.back().squaredNorm();
    for (size_t i = 0; i < S.size(); ++i) {
      const double b = Y[i].dot(q) / Y[i].dot(S[i]);
      q += S[i] * (a[i] - b);
    }
    Eigen::VectorXd dir = -q;
    if (dir.dot(g) >= 0) dir = -g;
    double step = S.empty() ? std::min(1.0, 1.0 / std::max(1e-12, g.norm())) : 1.0;
    Eigen::VectorXd xn, gn(x.size());
    double fn = std::numeric_limits<double>::infinity();
    bool moved = false;
    for (int ls = 0; ls < 20; ++ls) {
      xn = clamp_theta(x + step * dir);
      fn = f(xn, &gn);
      if (std::isfinite(fn) && fn <= fx + 1e-4 * g.dot(xn - x)) {
        moved = true;
        break;
      }
      step *= 0.5;
    }
    if (!moved) break;
    const Eigen::VectorXd s = xn - x, y = gn - g;
    if (s.dot(y) > 1e-10) {
      S.push_back(s);
      Y.push_back(y);
      if (S.size() > 6) {
        S.pop_front();
        Y.pop_front();
      }
    }
    const double gain = fx - fn;
    x = xn;
    g = gn;
    fx = fn;
    if (gain < 1e-7 * std::max(1.0, std::abs(fx))) break;
  }
  if (fx_out) *fx_out = fx;
  return x;
}

}  // namespace

Eigen::MatrixXd matern52(const Eigen::MatrixXd& A, const Eigen::MatrixXd& B, const Eigen::VectorXd& ls, double s) {
  const Eigen::VectorXd inv = ls.cwiseInverse();
  const Eigen::MatrixXd As = A * inv.asDiagonal(), Bs = B * inv.asDiagonal();
  Eigen::MatrixXd r2 = (-2.0 * As * Bs.transpose()).colwise() + As.rowwise().squaredNorm();
  r2.rowwise() += Bs.rowwise().squaredNorm().transpose();
  return r2.unaryExpr([s](double v) {
    const double r = std::sqrt(std::max(v, 0.0));
    return s * (1.0 + kSqrt5 * r + 5.0 / 3.0 * r * r) * std::exp(-kSqrt5 * r);
  });
}

double GaussianProcess::nll(const Eigen::MatrixXd& X, const Eigen::VectorXd& ys, const Eigen::VectorXd& theta,
                            Eigen::VectorXd* grad) {
  const Eigen::Index n = X.rows(), d = X.cols();
  const Eigen::VectorXd ls = theta.head(d).array().exp();
  const double s = std::exp(theta[d]), noise = std::exp(theta[d + 1]);
  const Eigen::MatrixXd Kf = matern52(X, X, ls, s);
  Eigen::MatrixXd K = Kf;
  K.diagonal().array() += noise + 1e-8;
  Eigen::LLT<Eigen::MatrixXd> llt(K);
  if (llt.info() != Eigen::Success) return std::numeric_limits<double>::infinity();
  const Eigen::VectorXd alpha = llt.solve(ys);
  const Eigen::MatrixXd L = llt.matrixL();
  double f = 0.5 * ys.dot(alpha) + L.diagonal().array().log().sum() + 0.5 * static_cast<double>(n) * std::log(2 * M_PI);
  auto prior = [](double v, double c, double sd) { return 0.5 * (v - c) * (v - c) / (sd * sd); };
  for (Eigen::Index i = 0; i < d; ++i) f += prior(theta[i], kLsPrior, kLsPriorSd);
  f += prior(theta[d], kSigPrior, kSigPriorSd) + prior(theta[d + 1], kNoisePrior, kNoisePriorSd);
  if (!grad) return f;
  // dNLL/dt = -1/2 tr(W dK/dt), W = alpha alpha^T - K^-1.
  Eigen::MatrixXd W = llt.solve(Eigen::MatrixXd::Identity(n, n));
  W = alpha * alpha.transpose() - W;
  grad->resize(theta.size());
  // dK/dlog ls_k = s 5/3 (1 + sqrt5 r) exp(-sqrt5 r) (dx_k / ls_k)^2. With G = W o s 5/3 (1 + sqrt5 r) e^(-sqrt5 r)
  // (symmetric) and a = column k of the scaled inputs: sum_ij G_ij (a_i - a_j)^2 = 2 a^2 . G1 - 2 a^T G a.
  const Eigen::VectorXd inv = ls.cwiseInverse();
  const Eigen::MatrixXd Xs = X * inv.asDiagonal();
  Eigen::MatrixXd R2 = (-2.0 * Xs * Xs.transpose()).colwise() + Xs.rowwise().squaredNorm();
  R2.rowwise() += Xs.rowwise().squaredNorm().transpose();
  const Eigen::ArrayXXd r = R2.array().max(0.0).sqrt();
  const Eigen::MatrixXd G = (W.array() * (s * 5.0 / 3.0) * (1 + kSqrt5 * r) * (-kSqrt5 * r).exp()).matrix();
  const Eigen::VectorXd G1 = G.rowwise().sum();
  const Eigen::MatrixXd GA = G * Xs;
  for (Eigen::Index k = 0; k < d; ++k) {
    const double acc = 2.0 * Xs.col(k).cwiseAbs2().dot(G1) - 2.0 * Xs.col(k).dot(GA.col(k));
    (*grad)[k] = -0.5 * acc + (theta[k] - kLsPrior) / (kLsPriorSd * kLsPriorSd);
  }
  (*grad)[d] = -0.5 * (W.cwiseProduct(Kf)).sum() + (theta[d] - kSigPrior) / (kSigPriorSd * kSigPriorSd);
  (*grad)[d + 1] = -0.5 * W.trace() * noise + (theta[d + 1] - kNoisePrior) / (kNoisePriorSd * kNoisePriorSd);
  return f;
}

GpHyper GaussianProcess::fit(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, int restarts, Rng& rng,
                             int max_iterations) {
  const Eigen::Index d = X.cols();
  const double mean = y.mean();
  const double sd = std::sqrt(std::max((y.array() - mean).square().mean(), 1e-24));
  const Eigen::VectorXd ys = (y.array() - mean) / sd;
  auto f = [&](const Eigen::VectorXd& t, Eigen::VectorXd* g) { return nll(X, ys, t, g); };
  Eigen::VectorXd best;
  double best_f = std::numeric_limits<double>::infinity();
  for (int r = 0; r < std::max(1, restarts); ++r) {
    Eigen::VectorXd t(d + 2);
    if (r == 0) {
      t.head(d).setConstant(std::log(0.5));
      t[d] = 0;
      t[d + 1] = std::log(1e-6);
    } else {
      for (Eigen::Index i = 0; i < d; ++i) t[i] = std::log(0.05) + uniform01(rng) * (std::log(2.0) - std::log(0.05));
      t[d] = -1 + 2 * uniform01(rng);
      t[d + 1] = std::log(1e-6) + uniform01(rng) * (std::log(1e-2) - std::log(1e-6));
    }
    double fx = 0;
    const Eigen::VectorXd sol = lbfgs(f, t, max_iterations, &fx);
    if (fx < best_f) {
      best_f = fx;
      best = sol;
    }
  }
  GpHyper h;
  if (best.size() == 0) {
    h.log_ls = Eigen::VectorXd::Constant(d, std::log(0.5));
    return h;
  }
  h.log_ls = best.head(d);
  h.log_signal = best[d];
  h.log_noise = best[d + 1];
  return h;
}

bool GaussianProcess::condition(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, const GpHyper& h) {
  X_ = X;
  h_ = h;
  y_mean_ = y.mean();
  y_scale_ = std::sqrt(std::max((y.array() - y_mean_).square().mean(), 1e-24));
  const Eigen::VectorXd ys = (y.array() - y_mean_) / y_scale_;
  Eigen::MatrixXd K = matern52(X, X, h.log_ls.array().exp(), std::exp(h.log_signal));
  double jitter = std::exp(h.log_noise) + 1e-8;
  for (int attempt = 0; attempt < 6; ++attempt, jitter *= 10) {
    Eigen::MatrixXd Kn = K;
    Kn.diagonal().array() += jitter;
    llt_.compute(Kn);
    if (llt_.info() == Eigen::Success) {
      alpha_ = llt_.solve(ys);
      return true;
    }
  }
  return false;
}

void GaussianProcess::predict(const Eigen::MatrixXd& Q, Eigen::VectorXd& mean, Eigen::VectorXd& sd) const {
  const double s = std::exp(h_.log_signal);
  const Eigen::MatrixXd Ks = matern52(X_, Q, h_.log_ls.array().exp(), s);  // n x m
  mean = (Ks.transpose() * alpha_).array() * y_scale_ + y_mean_;
  const Eigen::MatrixXd V = llt_.matrixL().solve(Ks);
  const Eigen::VectorXd var = (s - V.colwise().squaredNorm().transpose().array()).cwiseMax(1e-12);
  sd = var.array().sqrt() * y_scale_;
}

double log_expected_improvement(double mean, double sd, double best) {
  sd = std::max(sd, 1e-12);
  const double z = (best - mean) / sd;
  const double log_phi = -0.5 * z * z - 0.9189385332046727;
  double log_h;  // log h(z), h(z) = z Phi(z) + phi(z)
  if (z > -1) {
    const double cdf = 0.5 * std::erfc(-z / std::sqrt(2.0));
    log_h = std::log(std::max(z * cdf + std::exp(log_phi), 1e-300));
  } else if (z > -25) {
    // h = phi (1 + z R), R = Phi / phi (Mills ratio), from erfc, which keeps its relative precision.
    const double mills = 0.5 * std::erfc(-z / std::sqrt(2.0)) * std::exp(0.5 * z * z + 0.9189385332046727);
    log_h = log_phi + std::log(std::max(1 + z * mills, 1e-300));
  } else {
    // Asymptotic series: 1 + z R = 1/z^2 - 3/z^4 + 15/z^6 - 105/z^8 + ...
    const double w = 1 / (z * z);
    log_h = log_phi + std::log(w * (1 - 3 * w + 15 * w * w - 105 * w * w * w));
  }
  return std::log(sd) + log_h;
}

}  // namespace tunelab
