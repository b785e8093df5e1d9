#include "core/search/parzen.h"

#include <Eigen/Core>

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <numeric>

#include "core/util/normal.h"

namespace tunelab {

namespace {

constexpr double kLogSqrt2Pi = 0.9189385332046727;

double phi_cdf(double z) { return normal_cdf(z); }

// The standard normal quantile, kept away from 0 and 1 (a truncated draw may sit on a bound).
double phi_inv(double p) { return normal_quantile(std::clamp(p, 1e-300, 1 - 1e-16)); }

double sample_truncated(Rng& rng, double mu, double sigma) {
  const double lo = phi_cdf((0 - mu) / sigma), hi = phi_cdf((1 - mu) / sigma);
  const double u = lo + uniform01(rng) * (hi - lo);
  return std::clamp(mu + sigma * phi_inv(u), 0.0, 1.0);
}

// (value, index) pairs of values in [0, 1] in ascending order: a bucket sort, O(n) for spread values.
std::vector<std::pair<double, uint32_t>> sorted_unit(const std::vector<double>& v) {
  const size_t m = v.size();
  std::vector<uint32_t> start(m + 1, 0);
  auto bucket = [m](double x) { return std::min(m - 1, static_cast<size_t>(std::clamp(x, 0.0, 1.0) * static_cast<double>(m))); };
  for (double x : v) ++start[bucket(x) + 1];
  for (size_t b = 0; b < m; ++b) start[b + 1] += start[b];
  std::vector<std::pair<double, uint32_t>> out(m);
  std::vector<uint32_t> fill(start.begin(), start.end() - 1);
  for (size_t j = 0; j < m; ++j) out[fill[bucket(v[j])]++] = {v[j], static_cast<uint32_t>(j)};
  for (size_t b = 0; b < m; ++b) {
    if (start[b + 1] - start[b] > 1) std::sort(out.begin() + start[b], out.begin() + start[b + 1]);
  }
  return out;
}

}  // namespace

std::vector<double> tpe_weights(size_t n) {
  std::vector<double> w(n, 1.0);
  if (n <= 25) return w;
  const size_t ramp = n - 25;
  const double start = 1.0 / static_cast<double>(n);
  for (size_t i = 0; i < ramp; ++i) {
    w[i] = ramp == 1 ? start : start + (1.0 - start) * static_cast<double>(i) / static_cast<double>(ramp - 1);
  }
  return w;
}

Parzen::Parzen(const SpaceEncoding& enc, std::vector<size_t> dims, const std::vector<const std::vector<double>*>& points,
               const std::vector<double>& weights, const ParzenOptions& opt)
    : dims_(std::move(dims)) {
  const size_t n = points.size();
  const size_t m = n + 1;  // components: observations, then the prior
  // Component weights.
  double total = opt.prior_weight;
  for (double w : weights) total += w;
  log_w_.resize(m);
  cum_w_.resize(m);
  double acc = 0;
  for (size_t j = 0; j < m; ++j) {
    const double w = (j < n ? weights[j] : opt.prior_weight) / total;
    log_w_[j] = std::log(std::max(w, 1e-300));
    acc += w;
    cum_w_[j] = acc;
  }
  // Bandwidths as Optuna (4.x and later): per coordinate, the distance to the farther of a kernel's
  // neighbours among the sorted observations (the ends of the range counting as neighbours, except that
  // the outermost kernels use their inner gap), clipped to [1 / min(100, n + 2), 1].
  const double min_sigma = 1.0 / std::min(100.0, 2.0 + static_cast<double>(n));
  for (size_t c = 0; c < dims_.size(); ++c) {
    const Dim& d = enc.dims()[dims_[c]];
    Column col;
    col.categorical = d.categorical;
    if (d.categorical) {
      col.choices = d.choices;
      const double k = static_cast<double>(d.choices);
      // Each observation's kernel: prior_weight / (n + 1) on every value, + 1 on the observed one, normalised.
      const double base = opt.prior_weight / static_cast<double>(m);
      col.log_hit = std::log((1.0 + base) / (1.0 + k * base));
      col.log_miss = std::log(base / (1.0 + k * base));
      col.index.resize(m, -1);
      for (size_t j = 0; j < n; ++j) col.index[j] = static_cast<int>((*points[j])[dims_[c]]);
    } else {
      col.mu.resize(m);
      col.sigma.resize(m);
      for (size_t j = 0; j < n; ++j) col.mu[j] = (*points[j])[dims_[c]];
      col.mu[n] = 0.5;
      const std::vector<std::pair<double, uint32_t>> order =
          sorted_unit(std::vector<double>(col.mu.begin(), col.mu.begin() + static_cast<long>(n)));
      for (size_t r = 0; r < n; ++r) {
        const double left = order[r].first - (r > 0 ? order[r - 1].first : 0.0);
        const double right = (r + 1 < n ? order[r + 1].first : 1.0) - order[r].first;
        double sg = std::max(left, right);
        if (n >= 2 && r == 0) sg = right;
        if (n >= 2 && r + 1 == n) sg = left;
        col.sigma[order[r].second] = sg;
      }
      if (dims_.size() == 1) {
        for (const auto& [v, j] : order) {
          sorted_mu_.push_back(v);
          sorted_order_.push_back(j);
        }
      }
      double lo = min_sigma;
      if (d.cardinality > 0) lo = std::max(lo, 0.5 / static_cast<double>(d.cardinality));
      for (size_t j = 0; j < n; ++j) col.sigma[j] = std::clamp(col.sigma[j] * opt.bandwidth_factor, lo, 1.0) * opt.post_clip_factor;
      col.sigma[n] = 1.0;
      if (!sorted_mu_.empty()) max_sigma_ = *std::max_element(col.sigma.begin(), col.sigma.begin() + static_cast<long>(n));
      col.log_norm.resize(m);
      col.inv_sigma.resize(m);
      for (size_t j = 0; j < m; ++j) col.inv_sigma[j] = 1.0 / col.sigma[j];
      for (size_t j = 0; j < m; ++j) {
        const double s = col.sigma[j];
        const double a = (0 - col.mu[j]) / s, b = (1 - col.mu[j]) / s;
        // Mass inside [0, 1]; 1 to double precision when both ends are 9 sigma away.
        const double z = (a < -9 && b > 9) ? 1.0 : phi_cdf(b) - phi_cdf(a);
        col.log_norm[j] = -std::log(std::max(z, 1e-300)) - std::log(s) - kLogSqrt2Pi;
      }
      for (uint32_t j : sorted_order_) {
        sorted_inv_.push_back(col.inv_sigma[j]);
        sorted_c_.push_back(log_w_[j] + col.log_norm[j]);
      }
    }
    columns_.push_back(std::move(col));
  }
}

void Parzen::sample(Rng& rng, size_t n, std::vector<std::vector<double>>& out) const {
  const size_t width = out.empty() ? 0 : out[0].size();
  (void)width;
  for (size_t s = 0; s < n; ++s) {
    const double u = uniform01(rng) * cum_w_.back();
    const size_t j = std::min<size_t>(
        static_cast<size_t>(std::upper_bound(cum_w_.begin(), cum_w_.end(), u) - cum_w_.begin()), cum_w_.size() - 1);
    auto& row = out[s];
    for (size_t c = 0; c < columns_.size(); ++c) {
      const Column& col = columns_[c];
      if (col.categorical) {
        const int hit = col.index[j];
        // Prior component: uniform. Observation: its value with P(hit), any value with the rest.
        const double k = static_cast<double>(col.choices);
        const double v = uniform01(rng);
        if (hit >= 0 && v < std::exp(col.log_hit) - std::exp(col.log_miss)) {
          row[dims_[c]] = hit;
        } else {
          row[dims_[c]] = std::min(k - 1, std::floor(uniform01(rng) * k));
        }
      } else {
        row[dims_[c]] = sample_truncated(rng, col.mu[j], col.sigma[j]);
      }
    }
  }
}

std::vector<double> Parzen::log_pdf(const std::vector<std::vector<double>>& rows) const {
  const size_t m = log_w_.size();
  std::vector<double> out(rows.size());
  std::vector<double> terms(m);
  if (!sorted_mu_.empty()) {
    // One numeric coordinate (univariate TPE): only the kernels within 8.5 of the widest bandwidths
    // of x, plus the prior. A kernel farther out is below e^-36 of its peak; with at most ~e^9
    // kernels and peaks within e^5 of each other, the dropped mass is below e^-20 of the density.
    const double w = 8.5 * max_sigma_;
    const Column& col = columns_[0];
    const double prior_c = log_w_[m - 1] + col.log_norm[m - 1], prior_inv = col.inv_sigma[m - 1];
    for (size_t r = 0; r < rows.size(); ++r) {
      const double x = rows[r][dims_[0]];
      const auto lo = static_cast<size_t>(std::lower_bound(sorted_mu_.begin(), sorted_mu_.end(), x - w) - sorted_mu_.begin());
      const auto hi = static_cast<size_t>(std::upper_bound(sorted_mu_.begin(), sorted_mu_.end(), x + w) - sorted_mu_.begin());
      const auto k = static_cast<Eigen::Index>(hi - lo);
      const double zp = (x - col.mu[m - 1]) * prior_inv;
      const double tp = prior_c - 0.5 * zp * zp;
      if (k == 0) {
        out[r] = tp;
        continue;
      }
      Eigen::Map<const Eigen::ArrayXd> mu(sorted_mu_.data() + lo, k), inv(sorted_inv_.data() + lo, k),
          c(sorted_c_.data() + lo, k);
      const Eigen::ArrayXd t = c - 0.5 * ((x - mu) * inv).square();
      const double mx = std::max(t.maxCoeff(), tp);
      out[r] = mx + std::log((t - mx).max(-700.0).exp().sum() + std::exp(tp - mx));
    }
    return out;
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    std::copy(log_w_.begin(), log_w_.end(), terms.begin());
    for (size_t c = 0; c < columns_.size(); ++c) {
      const Column& col = columns_[c];
      const double x = rows[r][dims_[c]];
      if (col.categorical) {
        const int xi = static_cast<int>(x);
        const double log_prior = -std::log(static_cast<double>(col.choices));
        for (size_t j = 0; j + 1 < m; ++j) terms[j] += col.index[j] == xi ? col.log_hit : col.log_miss;
        terms[m - 1] += log_prior;
      } else {
        const auto mi = static_cast<Eigen::Index>(m);
        Eigen::Map<const Eigen::ArrayXd> mu(col.mu.data(), mi), inv(col.inv_sigma.data(), mi), ln(col.log_norm.data(), mi);
        Eigen::Map<Eigen::ArrayXd> t(terms.data(), mi);
        t += ln - 0.5 * ((x - mu) * inv).square();
      }
    }
    const double mx = *std::max_element(terms.begin(), terms.end());
    // Eigen's vectorised exp and sum (std::exp's underflow path dominated with many narrow kernels).
    Eigen::Map<Eigen::ArrayXd> t(terms.data(), static_cast<Eigen::Index>(m));
    const double sum = (t - mx).max(-700.0).exp().sum();
    out[r] = mx + std::log(sum);
  }
  return out;
}

}  // namespace tunelab
