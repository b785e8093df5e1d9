#include "core/schedule/predictive.h"

#include <algorithm>
#include <cmath>

#include "core/schedule/decision_util.h"

namespace tunelab {
namespace {

// The standard normal quantile, by bisection on erfc (called once per scheduler).
double normal_quantile(double p) {
  double lo = -10, hi = 10;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (0.5 * std::erfc(-mid / std::sqrt(2.0)) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

constexpr int kMaxGrid = 256;
constexpr double kRidge = 1e-6;
constexpr int64_t kMaxNeighbours = 25;

std::string percent(double c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g %%", 100 * c);
  return buf;
}

}  // namespace

PredictiveScheduler::PredictiveScheduler(const ScheduleContext& ctx, Options o)
    : metric_(ctx.metric), maximize_(ctx.maximize), o_(std::move(o)) {
  const int n = static_cast<int>(std::min<double>(kMaxGrid, std::max(1.0, std::ceil(o_.max_t - 1e-9))));
  for (int i = 1; i <= n; ++i) grid_.push_back(o_.max_t * i / n);
  stats_.resize(grid_.size());
}

void PredictiveScheduler::on_trial_add(const TrialSnapshot& trial) { curves_[trial.id]; }

int PredictiveScheduler::grid_index(double time) const {
  const auto it = std::upper_bound(grid_.begin(), grid_.end(), time * (1 + 1e-12));
  return static_cast<int>(it - grid_.begin()) - 1;
}

std::optional<double> PredictiveScheduler::value_at(const Curve& c, double time) {
  auto it = std::upper_bound(c.points.begin(), c.points.end(), time * (1 + 1e-12),
                             [](double t, const Point& p) { return t < p.time; });
  if (it == c.points.begin()) return std::nullopt;
  return std::prev(it)->value;
}

double PredictiveScheduler::z_of(double df) const {
  // Student's t quantile from the normal one (Cornish-Fisher expansion), so that few curves mean wide bounds.
  const double z = normal_quantile(o_.confidence);
  if (df <= 0) return z * 10;
  const double z3 = z * z * z, z5 = z3 * z * z;
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df);
}

double PredictiveScheduler::threshold() const {
  auto it = finals_.rbegin();
  std::advance(it, o_.top_k - 1);
  return *it;
}

void PredictiveScheduler::add_to_model(Curve& c) {
  if (c.in_model || c.points.empty()) return;
  c.in_model = true;
  const double y = c.points.back().value;
  finals_.insert(y);
  const double last = c.points.back().time;
  for (size_t j = 0; j < grid_.size() && grid_[j] <= last * (1 + 1e-12); ++j) {
    const auto x = value_at(c, grid_[j]);
    if (!x) continue;
    const double gain = *x - value_at(c, grid_[j] / 2).value_or(*x);
    const Eigen::Vector3d f(1, *x, gain);
    auto& s = stats_[j];
    s.xtx += f * f.transpose();
    s.xty += f * y;
    const Sample sample{*x, gain, y};
    s.by_x.insert(std::upper_bound(s.by_x.begin(), s.by_x.end(), sample,
                                   [](const Sample& a, const Sample& b) { return a.x < b.x; }),
                  sample);
  }
}

std::optional<PredictiveScheduler::Prediction> PredictiveScheduler::regression(int j, double x, double gain) const {
  const auto& s = stats_[static_cast<size_t>(j)];
  const auto n = static_cast<int64_t>(s.by_x.size());
  if (n < std::max<int64_t>(o_.min_curves, 4)) return std::nullopt;
  // A curve unlike any that ran to the end (its value at this point outside theirs, give or take a tenth of
  // their range) is not extrapolated to: its own curve judges it.
  const double range = s.by_x.back().x - s.by_x.front().x;
  if (x < s.by_x.front().x - 0.1 * range || x > s.by_x.back().x + 0.1 * range) return std::nullopt;
  Eigen::Matrix3d a = s.xtx;
  const double scale = std::max(1e-12, a.diagonal().maxCoeff());
  a.diagonal().array() += kRidge * scale;
  const Eigen::LDLT<Eigen::Matrix3d> ldlt(a);
  const Eigen::Vector3d beta = ldlt.solve(s.xty);
  // The curves that looked most alike at this point (nearest values) give the prediction and its uncertainty,
  // from one of two local predictors: the line corrected by their mean residual (where the relation bends), or
  // the trial's value plus their mean gain to the end (final minus value here). The one whose errors spread
  // less over those curves counts, with that spread as the uncertainty: curves that start alike can end apart.
  // A spread measured on k curves is itself uncertain, so the bound takes Student's t with k - 1 degrees of
  // freedom; the global residuals are not mixed in, since they mostly measure how unlike the far curves are.
  const int64_t k = std::min<int64_t>(n, std::clamp<int64_t>(n / 4, 5, kMaxNeighbours));
  auto mid = std::lower_bound(s.by_x.begin(), s.by_x.end(), x, [](const Sample& e, double v) { return e.x < v; });
  auto lo = mid, hi = mid;
  double res_sum = 0, res_sq = 0, gain_sum = 0, gain_sq = 0;
  for (int64_t i = 0; i < k; ++i) {
    const bool take_low = hi == s.by_x.end() || (lo != s.by_x.begin() && x - std::prev(lo)->x <= hi->x - x);
    const Sample& smp = take_low ? *--lo : *hi++;
    const double r = smp.y - (beta(0) + beta(1) * smp.x + beta(2) * smp.gain);
    res_sum += r, res_sq += r * r;
    gain_sum += smp.y - smp.x, gain_sq += (smp.y - smp.x) * (smp.y - smp.x);
  }
  const double dk = static_cast<double>(k);
  auto variance = [dk](double sum, double sq) { return std::max(0.0, sq / dk - sum * sum / (dk * dk)) * dk / (dk - 1); };
  const double res_var = variance(res_sum, res_sq), gain_var = variance(gain_sum, gain_sq);
  const Eigen::Vector3d f(1, x, gain);
  const double leverage = std::max(0.0, f.dot(ldlt.solve(f)));
  Prediction p;
  if (gain_var < res_var) {
    p.mean = x + gain_sum / dk;
    p.sigma = std::sqrt(gain_var * (1 + 1 / dk));
  } else {
    p.mean = beta.dot(f) + res_sum / dk;
    p.sigma = std::sqrt(res_var * (1 + leverage + 1 / dk));
  }
  p.upper = p.mean + z_of(dk - 1) * p.sigma;
  p.curves = n;
  p.regression = true;
  return p;
}

std::optional<PredictiveScheduler::Prediction> PredictiveScheduler::curve_fit(const Curve& c) const {
  const size_t n = c.points.size();
  if (n < 3) return std::nullopt;
  // Families linear in their two parameters: y = a + b g(t), g = t, log t, -t^-0.5, -1/t. The line is the
  // most optimistic for the concave curves of training, and counts while a curve still rises steadily.
  std::optional<Prediction> best;
  for (int family = 0; family < 4; ++family) {
    auto g = [family](double t) {
      t = std::max(t, 1e-9);
      return family == 0 ? t : family == 1 ? std::log(t) : family == 2 ? -1 / std::sqrt(t) : -1 / t;
    };
    double sg = 0, sy = 0, sgg = 0, sgy = 0;
    for (const auto& p : c.points) {
      const double v = g(p.time);
      sg += v, sy += p.value, sgg += v * v, sgy += v * p.value;
    }
    const double dn = static_cast<double>(n);
    const double sxx = sgg - sg * sg / dn;
    if (sxx <= 1e-12) return std::nullopt;
    const double b = std::max(0.0, (sgy - sg * sy / dn) / sxx);  // curves are not extrapolated downwards
    const double a = (sy - b * sg) / dn;
    double sse = 0;
    for (const auto& p : c.points) sse += std::pow(p.value - (a + b * g(p.time)), 2);
    const double var = sse / (dn - 2);
    const double gt = g(o_.max_t);
    const double lev = 1 / dn + std::pow(gt - sg / dn, 2) / sxx;
    Prediction p;
    p.mean = a + b * gt;
    p.sigma = std::sqrt(var * (1 + lev));
    p.upper = p.mean + z_of(dn - 2) * p.sigma;
    p.curves = static_cast<int64_t>(finals_.size());
    if (!best || p.upper > best->upper) best = p;
  }
  return best;
}

std::optional<PredictiveScheduler::Prediction> PredictiveScheduler::predict(int64_t trial_id, double time) const {
  const auto it = curves_.find(trial_id);
  if (it == curves_.end()) return std::nullopt;
  const int j = grid_index(time);
  const auto x = value_at(it->second, time);
  if (!x) return std::nullopt;
  if (j >= 0) {
    const double gain = *x - value_at(it->second, time / 2).value_or(*x);
    if (auto p = regression(j, *x, gain)) return p;
  }
  if (o_.curve_fit) return curve_fit(it->second);
  return std::nullopt;
}

Decision PredictiveScheduler::on_result(const TrialSnapshot& trial, const Json& result) {
  const MetricRead t = read_metric(result, o_.time_attr);
  const MetricRead v = read_metric(result, metric_);
  if (!t.ok() || !v.present) return Decision::keep_going();
  const double time = t.value;
  const double sign = maximize_ ? 1 : -1;
  auto& c = curves_[trial.id];
  if (v.ok()) {
    // A repeated or earlier time (a restarted attempt) replaces the points from there on.
    while (!c.points.empty() && c.points.back().time >= time) c.points.pop_back();
    c.points.push_back({time, sign * v.value});
  }
  const std::string id = std::to_string(trial.id);
  if (time >= o_.max_t) {
    add_to_model(c);
    return Decision::complete("predictive completed trial " + id + ": reached max_t " + fmt_num(o_.max_t) + " (" +
                                  o_.time_attr + " " + fmt_num(time) + ")",
                              {{"max_t", o_.max_t}, {"time", time}, {"reached_max_t", true}});
  }
  if (!v.ok() || time < o_.min_t || c.in_model) return Decision::keep_going();
  if (static_cast<int64_t>(finals_.size()) < o_.top_k) return Decision::keep_going();
  const auto p = predict(trial.id, time);
  if (!p) return Decision::keep_going();
  const double thr = threshold();
  if (p->upper >= thr) return Decision::keep_going();
  const int64_t k = o_.top_k, tens = k % 100;
  const char* suffix = tens >= 11 && tens <= 13 ? "th" : k % 10 == 1 ? "st" : k % 10 == 2 ? "nd" : k % 10 == 3 ? "rd" : "th";
  const std::string best = k == 1 ? "best" : "the " + std::to_string(k) + suffix + " best";
  const std::string model = p->regression ? "a regression on " + std::to_string(p->curves) + " curves run to the end"
                                          : "curve fits of its own " + std::to_string(c.points.size()) + " values";
  return Decision::stop(
      "predictive stopped trial " + id + " at " + o_.time_attr + " " + fmt_num(time) + ": predicted final " + metric_ +
          " " + fmt_num(sign * p->mean) + " ± " + fmt_num(p->sigma) + (maximize_ ? " < " : " > ") + best + " " +
          fmt_num(sign * thr) + " (" + percent(o_.confidence) + ", " + model + ")",
      {{"time", time},
       {"value", v.value},
       {"predicted", json_num(sign * p->mean)},
       {"sigma", json_num(p->sigma)},
       {"bound", json_num(sign * p->upper)},
       {"threshold", sign * thr},
       {"confidence", o_.confidence},
       {"top_k", o_.top_k},
       {"curves", p->curves},
       {"model", p->regression ? "regression" : "curve_fit"}});
}

void PredictiveScheduler::on_complete(const TrialSnapshot& trial) {
  // A curve that ended by itself or at a planned end (not stopped early) is a curve run to the end: its last
  // value is its final value.
  if (trial.status == TrialStatus::Completed) add_to_model(curves_[trial.id]);
}

}  // namespace tunelab
