#include "core/gpu/allocator.h"

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <tuple>

namespace tunelab::gpu {
namespace {

constexpr double kMemoryEpsilonMb = 0.5;  // sums of MiB figures may drift by a rounding error

}  // namespace

ResourceAllocator::ResourceAllocator(double cpu_slots, std::vector<GpuDevice> devices, FreeMemoryProbe probe)
    : cpu_slots_(cpu_slots), devices_(std::move(devices)), loads_(devices_.size()), probe_(std::move(probe)) {}

int64_t ResourceAllocator::units_for(double fraction) {
  // Rounded down (after forgiving binary noise such as 0.3 * 10000 = 2999.9999...), so n trials of 1/n fit.
  const auto u = static_cast<int64_t>(std::floor(fraction * kUnitsPerGpu + 1e-6));
  return std::clamp<int64_t>(u, 1, kUnitsPerGpu);
}

double ResourceAllocator::memory_request_mb(const ResourceRequest& r, const GpuDevice& d) const {
  if (r.gpu_memory_gb) return *r.gpu_memory_gb * 1024.0;
  if (r.gpu >= 1) return d.memory_total_mb;
  return d.memory_total_mb * static_cast<double>(units_for(r.gpu)) / kUnitsPerGpu;
}

Status ResourceAllocator::check_satisfiable(const ResourceRequest& r) const {
  if (r.gpu <= 0) return {};
  if (devices_.empty()) return Error{"resources_per_trial.gpu", "trials ask for a GPU but this machine has none"};
  if (r.gpu > 1 && std::floor(r.gpu) != r.gpu) {
    return Error{"resources_per_trial.gpu", "above 1 it must be a whole number of GPUs, got " + format_number(r.gpu)};
  }
  if (r.gpu >= 1 && static_cast<size_t>(r.gpu) > devices_.size()) {
    return Error{"resources_per_trial.gpu", "trials ask for " + format_number(r.gpu) + " GPUs but there are " +
                                                std::to_string(devices_.size())};
  }
  double largest = 0;
  for (const auto& d : devices_) {
    largest = std::max(largest, d.memory_total_mb);
    if (memory_request_mb(r, d) <= d.memory_total_mb + kMemoryEpsilonMb) return {};
  }
  return Error{"resources_per_trial.gpu_memory_gb",
               format_number(r.gpu_memory_gb.value_or(0)) + " GB does not fit on any GPU (the largest has " +
                   format_number(largest / 1024.0) + " GB)"};
}

bool ResourceAllocator::fits_on(int pos, int64_t units, double memory_mb, bool check_driver) const {
  const GpuLoad& load = loads_[static_cast<size_t>(pos)];
  const GpuDevice& d = devices_[static_cast<size_t>(pos)];
  if (load.units_used + units > kUnitsPerGpu) return false;
  if (load.memory_reserved_mb + memory_mb > d.memory_total_mb + kMemoryEpsilonMb) return false;
  if (check_driver && probe_) {
    if (auto free = probe_(pos)) {
      // What others use: everything in use beyond what this study's trials hold (they may use less).
      const double foreign = std::max(0.0, d.memory_total_mb - *free - load.memory_reserved_mb);
      if (load.memory_reserved_mb + foreign + memory_mb > d.memory_total_mb + kMemoryEpsilonMb) return false;
    }
  }
  return true;
}

std::optional<Allocation> ResourceAllocator::find(const ResourceRequest& r, bool alone) const {
  Allocation a;
  a.cpu = r.cpu;
  if (!alone && cpu_used_ + r.cpu > cpu_slots_ + 1e-9) return std::nullopt;
  if (r.gpu <= 0) return a;
  const int n = static_cast<int>(devices_.size());
  if (r.gpu >= 1) {
    // Whole cards: idle ones, lowest index first.
    const auto want = static_cast<size_t>(std::llround(r.gpu));
    for (int pos = 0; pos < n && a.gpus.size() < want; ++pos) {
      const double mem = memory_request_mb(r, devices_[static_cast<size_t>(pos)]);
      if (loads_[static_cast<size_t>(pos)].units_used == 0 && fits_on(pos, kUnitsPerGpu, mem, r.gpu_memory_gb.has_value())) {
        a.gpus.push_back(pos);
        a.memory_mb = std::max(a.memory_mb, mem);
      }
    }
    if (a.gpus.size() < want) return std::nullopt;
    a.units = kUnitsPerGpu;
    return a;
  }
  const int64_t units = units_for(r.gpu);
  int best = -1;
  std::tuple<int64_t, double, int> best_key{};
  for (int pos = 0; pos < n; ++pos) {
    const double mem = memory_request_mb(r, devices_[static_cast<size_t>(pos)]);
    if (!fits_on(pos, units, mem, r.gpu_memory_gb.has_value())) continue;
    const GpuLoad& load = loads_[static_cast<size_t>(pos)];
    const int64_t units_left = kUnitsPerGpu - load.units_used - units;
    const double memory_left = devices_[static_cast<size_t>(pos)].memory_total_mb - load.memory_reserved_mb - mem;
    // Pack: the tightest fit (least compute, then least memory left). Spread: the emptiest card.
    const auto key = r.placement == Placement::Pack ? std::make_tuple(units_left, memory_left, pos)
                                                     : std::make_tuple(-units_left, -memory_left, pos);
    if (best < 0 || key < best_key) {
      best = pos;
      best_key = key;
    }
  }
  if (best < 0) return std::nullopt;
  a.gpus = {best};
  a.units = units;
  a.memory_mb = memory_request_mb(r, devices_[static_cast<size_t>(best)]);
  return a;
}

std::optional<Allocation> ResourceAllocator::allocate(const ResourceRequest& r, bool alone) {
  auto a = find(r, alone);
  if (!a) return a;
  cpu_used_ += a->cpu;
  ++cpu_holders_;
  for (int pos : a->gpus) {
    GpuLoad& load = loads_[static_cast<size_t>(pos)];
    load.units_used += a->units;
    load.memory_reserved_mb += a->memory_mb;
    ++load.holders;
  }
  return a;
}

void ResourceAllocator::release(const Allocation& a) {
  cpu_used_ -= a.cpu;
  if (--cpu_holders_ <= 0) {
    cpu_holders_ = 0;
    cpu_used_ = 0;  // no drift from floating-point sums
  }
  for (int pos : a.gpus) {
    if (pos < 0 || static_cast<size_t>(pos) >= loads_.size()) continue;
    GpuLoad& load = loads_[static_cast<size_t>(pos)];
    load.units_used = std::max<int64_t>(0, load.units_used - a.units);
    load.memory_reserved_mb -= a.memory_mb;
    if (--load.holders <= 0) load = GpuLoad{};
  }
}

std::string format_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

bool mps_daemon_running() {
  const char* dir = std::getenv("CUDA_MPS_PIPE_DIRECTORY");
  const std::string control = std::string(dir && *dir ? dir : "/tmp/nvidia-mps") + "/control";
  struct stat st {};
  return ::stat(control.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

std::vector<std::pair<std::string, std::string>> trial_gpu_env(const Allocation& a, const std::vector<GpuDevice>& devices,
                                                               bool mps) {
  if (devices.empty()) return {};
  std::string visible;
  for (int pos : a.gpus) {
    if (pos < 0 || static_cast<size_t>(pos) >= devices.size()) continue;
    visible += (visible.empty() ? "" : ",") + devices[static_cast<size_t>(pos)].visible_id();
  }
  std::vector<std::pair<std::string, std::string>> env = {{"CUDA_VISIBLE_DEVICES", visible}};
  if (a.gpus.empty()) return env;
  env.emplace_back("TUNELAB_GPU_FRACTION", format_number(a.fraction()));
  env.emplace_back("TUNELAB_GPU_MEMORY_GB", format_number(a.memory_mb / 1024.0));
  if (mps && a.units < kUnitsPerGpu) {
    const auto pct = std::clamp<int64_t>((a.units * 100 + kUnitsPerGpu - 1) / kUnitsPerGpu, 1, 100);
    env.emplace_back("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE", std::to_string(pct));
  }
  return env;
}

}  // namespace tunelab::gpu
