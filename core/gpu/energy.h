#pragma once
// What a study's GPU work cost: GPU-seconds, energy, energy per unit of objective improvement, and an optional
// CO2 estimate from a grid carbon intensity (g/kWh). Computed from the store's trial_gpu rows (docs/gpu.md).
#include <optional>
#include <vector>

#include "core/model/gpu_records.h"
#include "core/util/json.h"

namespace tunelab::gpu {

struct EnergyReport {
  int trials = 0;                  // trials with GPU use
  double gpu_seconds = 0;
  double energy_j = 0;
  double peak_memory_mb = 0;       // the largest of any trial
  std::optional<double> improvement;          // |best - first| objective value, when both exist and differ
  std::optional<double> energy_per_unit_j;    // energy_j / improvement
  std::optional<double> grid_g_per_kwh;
  std::optional<double> co2_g;                // energy in kWh x grid intensity
  std::optional<double> co2_per_unit_g;
};

// `first` is the objective in the study's first result, `best` the best one; `grid` in g CO2 per kWh.
EnergyReport energy_report(const std::vector<TrialGpuRecord>& usage, std::optional<double> first,
                           std::optional<double> best, std::optional<double> grid_g_per_kwh);

// The grid intensity from TUNELAB_GRID_INTENSITY (g/kWh, > 0), else nullopt.
std::optional<double> grid_intensity_from_env();

Json to_json(const EnergyReport& r);

}  // namespace tunelab::gpu
