#include "core/gpu/energy.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace tunelab::gpu {

EnergyReport energy_report(const std::vector<TrialGpuRecord>& usage, std::optional<double> first,
                           std::optional<double> best, std::optional<double> grid_g_per_kwh) {
  EnergyReport r;
  for (const auto& u : usage) {
    ++r.trials;
    r.gpu_seconds += u.gpu_seconds;
    r.energy_j += u.energy_j;
    r.peak_memory_mb = std::max(r.peak_memory_mb, u.peak_memory_mb);
  }
  if (first && best && std::isfinite(*first) && std::isfinite(*best) && *best != *first) {
    r.improvement = std::abs(*best - *first);
    r.energy_per_unit_j = r.energy_j / *r.improvement;
  }
  if (grid_g_per_kwh && *grid_g_per_kwh > 0) {
    r.grid_g_per_kwh = grid_g_per_kwh;
    r.co2_g = r.energy_j / 3.6e6 * *grid_g_per_kwh;
    if (r.improvement) r.co2_per_unit_g = *r.co2_g / *r.improvement;
  }
  return r;
}

std::optional<double> grid_intensity_from_env() {
  const char* v = std::getenv("TUNELAB_GRID_INTENSITY");
  if (!v || !*v) return std::nullopt;
  char* end = nullptr;
  const double g = std::strtod(v, &end);
  if (!end || *end != '\0' || !(g > 0) || !std::isfinite(g)) return std::nullopt;
  return g;
}

Json to_json(const EnergyReport& r) {
  auto opt = [](const std::optional<double>& v) { return v ? Json(*v) : Json(); };
  return {{"trials", r.trials},
          {"gpu_seconds", r.gpu_seconds},
          {"energy_j", r.energy_j},
          {"energy_kwh", r.energy_j / 3.6e6},
          {"peak_memory_mb", r.peak_memory_mb},
          {"improvement", opt(r.improvement)},
          {"energy_per_unit_j", opt(r.energy_per_unit_j)},
          {"grid_g_per_kwh", opt(r.grid_g_per_kwh)},
          {"co2_g", opt(r.co2_g)},
          {"co2_per_unit_g", opt(r.co2_per_unit_g)}};
}

}  // namespace tunelab::gpu
