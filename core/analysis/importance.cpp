#include "core/analysis/importance.h"

#include <algorithm>
#include <cmath>

namespace tunelab {

namespace {

// Omega squared of `ys` grouped by `groups` (values in [0, k)).
double omega_squared(const std::vector<int>& groups, const std::vector<double>& ys, int k) {
  const size_t n = ys.size();
  if (n < 3 || k < 2) return 0;
  std::vector<double> sum(static_cast<size_t>(k), 0.0);
  std::vector<int64_t> count(static_cast<size_t>(k), 0);
  double total = 0;
  for (size_t i = 0; i < n; ++i) {
    sum[static_cast<size_t>(groups[i])] += ys[i];
    ++count[static_cast<size_t>(groups[i])];
    total += ys[i];
  }
  const double mean = total / static_cast<double>(n);
  double ss_total = 0, ss_between = 0;
  for (double y : ys) ss_total += (y - mean) * (y - mean);
  int used = 0;
  for (size_t g = 0; g < sum.size(); ++g) {
    if (count[g] == 0) continue;
    ++used;
    const double m = sum[g] / static_cast<double>(count[g]);
    ss_between += static_cast<double>(count[g]) * (m - mean) * (m - mean);
  }
  if (used < 2 || ss_total <= 0 || static_cast<size_t>(used) >= n) return 0;
  const double ms_within = (ss_total - ss_between) / static_cast<double>(n - static_cast<size_t>(used));
  const double w2 = (ss_between - (used - 1) * ms_within) / (ss_total + ms_within);
  return std::max(0.0, w2);
}

}  // namespace

std::vector<ParamImportance> param_importance(const SearchSpace& space, const std::vector<Json>& configs,
                                              const std::vector<double>& values, int bins) {
  std::vector<ParamImportance> out;
  bins = std::max(2, bins);
  const size_t n = std::min(configs.size(), values.size());
  std::vector<FlatConfig> flat;
  flat.reserve(n);
  for (size_t i = 0; i < n; ++i) flat.push_back(space.flatten(configs[i]));
  double sum = 0;
  for (const Parameter& p : space.params()) {
    if (p.type == ParamType::Const) continue;
    const uint64_t card = p.cardinality();
    const int k = card > 0 && card <= static_cast<uint64_t>(bins) ? static_cast<int>(card) : bins;
    std::vector<int> groups;
    std::vector<double> ys;
    for (size_t i = 0; i < n; ++i) {
      if (!std::isfinite(values[i])) continue;
      auto it = flat[i].find(p.name);
      if (it == flat[i].end()) continue;
      const auto u = p.to_unit(it->second);
      if (!u) continue;
      groups.push_back(std::clamp(static_cast<int>(std::floor(*u * k)), 0, k - 1));
      ys.push_back(values[i]);
    }
    ParamImportance pi;
    pi.name = p.name;
    pi.trials = static_cast<int64_t>(ys.size());
    pi.omega2 = omega_squared(groups, ys, k);
    sum += pi.omega2;
    out.push_back(std::move(pi));
  }
  for (auto& pi : out) pi.importance = sum > 0 ? pi.omega2 / sum : 0;
  std::stable_sort(out.begin(), out.end(),
                   [](const ParamImportance& a, const ParamImportance& b) { return a.importance > b.importance; });
  return out;
}

}  // namespace tunelab
