#pragma once
// ResourceAllocator: the CPU slots and GPU shares of running trials (docs/gpu.md).
//
// GPU compute is counted in integer units (kUnitsPerGpu per card), so ten trials of 0.1 fill a card exactly
// and an eleventh does not fit, whatever floating-point sums would say. Memory is counted in MiB. A trial is
// placed on a card only where both its fraction and its memory fit, and (when it states gpu_memory_gb) where
// the memory the driver reports free, less what this study's trials may still claim, covers it: a card
// filled by a foreign process is not used.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/gpu/inventory.h"
#include "core/util/result.h"

namespace tunelab::gpu {

constexpr int64_t kUnitsPerGpu = 10000;

enum class Placement { Pack, Spread };

struct ResourceRequest {
  double cpu = 1;
  double gpu = 0;                        // 0: none; (0, 1): a share of one card; >= 1: whole cards (an integer)
  std::optional<double> gpu_memory_gb;   // per card; absent: the fraction of the card's memory
  Placement placement = Placement::Pack;
};

struct Allocation {
  double cpu = 0;
  std::vector<int> gpus;       // positions in the allocator's device list (not NVML indices)
  int64_t units = 0;           // compute units held on each of `gpus`
  double memory_mb = 0;        // memory held on each of `gpus`
  bool empty() const { return gpus.empty() && cpu == 0; }
  double fraction() const { return static_cast<double>(units) / kUnitsPerGpu; }
};

struct GpuLoad {
  int64_t units_used = 0;
  double memory_reserved_mb = 0;
  int holders = 0;
};

class ResourceAllocator {
 public:
  // Free memory reported by the driver for the device at a position, or nullopt when unknown.
  using FreeMemoryProbe = std::function<std::optional<double>(int position)>;

  ResourceAllocator(double cpu_slots, std::vector<GpuDevice> devices, FreeMemoryProbe probe = {});

  // An error naming the spec path when the request could never be placed, even on an idle machine
  // (more cards than exist, more memory than any card has, a fraction above 1 that is not an integer).
  Status check_satisfiable(const ResourceRequest& r) const;

  // Where the request would go now, or nullopt when it does not fit. With `alone` (nothing else runs) the CPU
  // request always fits, as before: at least one trial runs even if it asks for more CPUs than there are.
  std::optional<Allocation> find(const ResourceRequest& r, bool alone) const;
  // find() and take the resources.
  std::optional<Allocation> allocate(const ResourceRequest& r, bool alone);
  void release(const Allocation& a);

  const std::vector<GpuDevice>& devices() const { return devices_; }
  const std::vector<GpuLoad>& loads() const { return loads_; }
  double cpu_slots() const { return cpu_slots_; }
  double cpu_used() const { return cpu_used_; }

  // The request's fraction in units (rounded down to a unit, at least one).
  static int64_t units_for(double fraction);

 private:
  double memory_request_mb(const ResourceRequest& r, const GpuDevice& d) const;
  bool fits_on(int pos, int64_t units, double memory_mb, bool check_driver) const;

  double cpu_slots_;
  double cpu_used_ = 0;
  int cpu_holders_ = 0;
  std::vector<GpuDevice> devices_;
  std::vector<GpuLoad> loads_;
  FreeMemoryProbe probe_;
};

// The environment a trial gets for its allocation: CUDA_VISIBLE_DEVICES (empty for a trial without GPUs, so it
// cannot grab one), TUNELAB_GPU_FRACTION, TUNELAB_GPU_MEMORY_GB, and CUDA_MPS_ACTIVE_THREAD_PERCENTAGE when
// `mps` (an MPS daemon runs) and the trial holds a fraction of a card. Empty when there are no GPUs at all.
std::vector<std::pair<std::string, std::string>> trial_gpu_env(const Allocation& a, const std::vector<GpuDevice>& devices,
                                                               bool mps);

// Whether an MPS control daemon is running for this user ($CUDA_MPS_PIPE_DIRECTORY or /tmp/nvidia-mps).
bool mps_daemon_running();

// "0.25" style: the shortest decimal that reads back as the value.
std::string format_number(double v);

}  // namespace tunelab::gpu
