#pragma once
// GPU rows of the results store (docs/storage.md: gpu_samples, trial_gpu). Plain data.
#include <cstdint>
#include <optional>
#include <string>

namespace tunelab {

// One reading of one GPU by the sampler.
struct GpuSampleRecord {
  double ts = 0;
  int gpu = 0;  // NVML index (position in TUNELAB_FAKE_GPUS for fake GPUs)
  std::optional<double> utilization_pct, memory_used_mb, power_w, temperature_c, energy_j;
};

// What one trial used, summed over its attempts.
struct TrialGpuRecord {
  int64_t trial_id = 0;
  std::string gpus;           // NVML indices, comma-separated, of the last attempt
  double fraction = 0;        // share of each GPU held
  double memory_gb = 0;       // memory reserved on each GPU
  double gpu_seconds = 0;     // fraction x GPUs x running time
  double peak_memory_mb = 0;  // highest memory seen for its processes
  double energy_j = 0;        // its share of the GPUs' energy while it ran
};

}  // namespace tunelab
