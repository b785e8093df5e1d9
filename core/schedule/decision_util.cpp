#include "core/schedule/decision_util.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tunelab {

MetricRead read_metric(const Json& result, const std::string& name) {
  MetricRead r;
  if (!result.is_object()) return r;
  const auto it = result.find(name);
  if (it == result.end()) return r;
  r.present = true;
  if (it->is_null()) {
    r.state = MetricRead::State::NaN;
  } else if (it->is_number()) {
    const double v = it->get<double>();
    if (std::isnan(v)) {
      r.state = MetricRead::State::NaN;
    } else {
      r.state = MetricRead::State::Value;
      r.value = v;
    }
  }
  return r;
}

std::optional<double> quantile_linear(std::vector<double> values, double q) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  const double pos = std::clamp(q, 0.0, 1.0) * static_cast<double>(values.size() - 1);
  const auto lo = static_cast<size_t>(std::floor(pos));
  const size_t hi = std::min(lo + 1, values.size() - 1);
  const double frac = pos - static_cast<double>(lo);
  if (frac == 0 || values[lo] == values[hi]) return values[lo];
  return values[lo] + (values[hi] - values[lo]) * frac;
}

double mean_of(const std::vector<double>& values) {
  if (values.empty()) return std::nan("");
  double s = 0;
  for (double v : values) s += v;
  return s / static_cast<double>(values.size());
}

double std_of(const std::vector<double>& values) {
  if (values.empty()) return std::nan("");
  const double m = mean_of(values);
  double ss = 0;
  for (double v : values) ss += (v - m) * (v - m);
  return std::sqrt(ss / static_cast<double>(values.size()));
}

std::string fmt_num(double v) {
  if (std::isnan(v)) return "NaN";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

Json json_num(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

}  // namespace tunelab
