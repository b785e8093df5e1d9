#include "core/util/nice_axis.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace tunelab {

namespace {

// step = mantissa * 10^exponent with mantissa 1, 2 or 5.
struct Step {
  int mantissa = 1;
  int exponent = 0;
  double value() const { return exponent >= 0 ? mantissa * std::pow(10.0, exponent) : mantissa / std::pow(10.0, -exponent); }
  // k * step, computed so that decimal ticks come out as the nearest double (0.3, not 0.30000000000000004).
  double times(double k) const { return exponent >= 0 ? k * mantissa * std::pow(10.0, exponent) : k * mantissa / std::pow(10.0, -exponent); }
};

Step step_for(double span, int max_ticks) {
  const int intervals = std::max(1, max_ticks - 1);
  const double raw = span / intervals;
  int e = static_cast<int>(std::floor(std::log10(raw)));
  for (;; ++e) {
    for (int m : {1, 2, 5}) {
      Step s{m, e};
      if (s.value() >= raw * (1 - 1e-9)) return s;
    }
  }
}

// The step that gives at most max_ticks ticks within [lo, hi] once the ends are rounded out.
Step fitting_step(double lo, double hi, int max_ticks, bool round_lo, bool round_hi) {
  Step s = step_for(hi - lo, max_ticks);
  for (int guard = 0; guard < 4; ++guard) {
    const double a = round_lo ? std::floor(lo / s.value() + 1e-9) : std::ceil(lo / s.value() - 1e-9);
    const double b = round_hi ? std::ceil(hi / s.value() - 1e-9) : std::floor(hi / s.value() + 1e-9);
    if (b - a + 1 <= max_ticks) return s;
    // One more tick than allowed: the next step up (1 -> 2 -> 5 -> 10).
    if (s.mantissa == 1) s.mantissa = 2;
    else if (s.mantissa == 2) s.mantissa = 5;
    else s = {1, s.exponent + 1};
  }
  return s;
}

}  // namespace

double nice_step(double span, int max_ticks) {
  if (!(span > 0) || !std::isfinite(span)) return 1;
  return step_for(span, std::max(2, max_ticks)).value();
}

std::string NiceAxis::label(double value) const {
  if (std::abs(value) < step * 1e-9) value = 0;  // no "-0"
  char buf[64];
  const double mag = std::max(std::abs(min), std::abs(max));
  if (mag >= 1e7 || (step < 1e-5 && mag < 1e-3)) {
    std::snprintf(buf, sizeof buf, "%g", value);
  } else {
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  }
  return buf;
}

NiceAxis nice_axis(double lo, double hi, const NiceAxisOptions& options) {
  const int max_ticks = std::max(2, options.max_ticks);
  if (!std::isfinite(lo) || !std::isfinite(hi)) lo = 0, hi = 1;
  if (lo > hi) std::swap(lo, hi);
  bool exact_min = options.exact_min, exact_max = options.exact_max;
  double a = lo, b = hi;
  if (!(hi > lo)) {
    // One value: a unit-sized range around it (a tenth of its size for large values), rounded out.
    const double half = std::abs(lo) >= 10 ? std::pow(10.0, std::floor(std::log10(std::abs(lo)))) / 2 : 0.5;
    a = lo - half;
    b = hi + half;
    if (lo >= 0 && a < 0) a = 0;
    exact_min = exact_max = false;
  } else {
    const double pad = (hi - lo) * std::max(0.0, options.margin);
    if (!exact_min) a = lo - pad;
    if (!exact_max) b = hi + pad;
    if (lo >= 0 && a < 0) a = 0;             // all data non-negative: no negative margin
    if (hi <= 0 && b > 0) b = 0;             // all data non-positive: no positive margin
    if (lo >= 0 && hi <= 1 && b > 1) b = 1;  // a fraction stays within [0, 1]
  }
  const Step s = fitting_step(a, b, max_ticks, !exact_min, !exact_max);
  const double step = s.value();
  NiceAxis out;
  out.step = step;
  out.decimals = std::max(0, -s.exponent);
  const double first = exact_min ? std::ceil(a / step - 1e-9) : std::floor(a / step + 1e-9);
  const double last = exact_max ? std::floor(b / step + 1e-9) : std::ceil(b / step - 1e-9);
  out.min = exact_min ? a : s.times(first);
  out.max = exact_max ? b : s.times(last);
  if (!(out.max > out.min)) out.max = out.min + step;
  for (double k = first; k <= last + 1e-9; k += 1) {
    const double v = s.times(k);
    out.ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  }
  return out;
}

NiceAxis nice_axis_of(const std::vector<double>& values, const NiceAxisOptions& options) {
  double lo = INFINITY, hi = -INFINITY;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (lo > hi) return nice_axis(0, 1, options);
  return nice_axis(lo, hi, options);
}

NiceAxis nice_log_axis(double lo, double hi, int max_ticks) {
  if (!(lo > 0) || !std::isfinite(lo)) lo = 1;
  if (!(hi > 0) || !std::isfinite(hi)) hi = lo;
  if (lo > hi) std::swap(lo, hi);
  int d0 = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
  int d1 = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
  if (d1 <= d0) d1 = d0 + 1;
  NiceAxis out;
  out.min = std::pow(10.0, d0);
  out.max = std::pow(10.0, d1);
  const int decades = d1 - d0;
  const int every = std::max(1, (decades + std::max(2, max_ticks) - 1) / std::max(2, max_ticks));
  out.step = every;  // in decades
  out.decimals = std::max(0, -d0);
  for (int d = d0; d <= d1; d += every) out.ticks.push_back(std::pow(10.0, d));
  return out;
}

}  // namespace tunelab
