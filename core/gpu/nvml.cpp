#include "core/gpu/nvml.h"

#include <dlfcn.h>

#include <mutex>

namespace tunelab::gpu {
namespace {

// The subset of nvml.h used here, declared by hand (ABI stable since NVML 10; the _v2/_v3 names are the
// current entry points).
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
constexpr nvmlReturn_t kSuccess = 0;
constexpr nvmlReturn_t kInsufficientSize = 7;
constexpr int kTemperatureGpu = 0;
constexpr unsigned kStringSize = 96;  // NVML_DEVICE_UUID_V2_BUFFER_SIZE, NVML_DEVICE_NAME_V2_BUFFER_SIZE

struct nvmlMemory_t {
  unsigned long long total, free, used;
};
struct nvmlUtilization_t {
  unsigned int gpu, memory;
};
struct nvmlProcessInfo_t {
  unsigned int pid;
  unsigned long long usedGpuMemory;
  unsigned int gpuInstanceId, computeInstanceId;
};

constexpr double kMiB = 1024.0 * 1024.0;

}  // namespace

struct Nvml::Api {
  void* lib = nullptr;
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*device_count)(unsigned*) = nullptr;
  nvmlReturn_t (*handle_by_index)(unsigned, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*uuid)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*name)(nvmlDevice_t, char*, unsigned) = nullptr;
  nvmlReturn_t (*memory)(nvmlDevice_t, nvmlMemory_t*) = nullptr;
  nvmlReturn_t (*utilization)(nvmlDevice_t, nvmlUtilization_t*) = nullptr;
  nvmlReturn_t (*power)(nvmlDevice_t, unsigned*) = nullptr;
  nvmlReturn_t (*temperature)(nvmlDevice_t, int, unsigned*) = nullptr;
  nvmlReturn_t (*energy)(nvmlDevice_t, unsigned long long*) = nullptr;
  nvmlReturn_t (*processes)(nvmlDevice_t, unsigned*, nvmlProcessInfo_t*) = nullptr;

  nvmlDevice_t handle(int index) const {
    nvmlDevice_t d = nullptr;
    if (index < 0 || handle_by_index(static_cast<unsigned>(index), &d) != kSuccess) return nullptr;
    return d;
  }
};

namespace {

template <typename F>
bool resolve(void* lib, const char* name, F* out) {
  *out = reinterpret_cast<F>(dlsym(lib, name));
  return *out != nullptr;
}

}  // namespace

Nvml* Nvml::instance(std::string* why) {
  static std::once_flag once;
  static Nvml* nvml = nullptr;
  static std::string reason;
  std::call_once(once, [] {
    void* lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      reason = "NVML not found (libnvidia-ml.so.1: no NVIDIA driver)";
      return;
    }
    static Api api;
    api.lib = lib;
    bool ok = resolve(lib, "nvmlInit_v2", &api.init) && resolve(lib, "nvmlDeviceGetCount_v2", &api.device_count) &&
              resolve(lib, "nvmlDeviceGetHandleByIndex_v2", &api.handle_by_index) &&
              resolve(lib, "nvmlDeviceGetUUID", &api.uuid) && resolve(lib, "nvmlDeviceGetName", &api.name) &&
              resolve(lib, "nvmlDeviceGetMemoryInfo", &api.memory);
    if (!ok) {
      reason = "NVML lacks a required function";
      return;
    }
    // Optional readings: a device or driver without them just reports less.
    resolve(lib, "nvmlDeviceGetUtilizationRates", &api.utilization);
    resolve(lib, "nvmlDeviceGetPowerUsage", &api.power);
    resolve(lib, "nvmlDeviceGetTemperature", &api.temperature);
    resolve(lib, "nvmlDeviceGetTotalEnergyConsumption", &api.energy);
    if (!resolve(lib, "nvmlDeviceGetComputeRunningProcesses_v3", &api.processes)) {
      resolve(lib, "nvmlDeviceGetComputeRunningProcesses_v2", &api.processes);
    }
    if (const nvmlReturn_t r = api.init(); r != kSuccess) {
      reason = "nvmlInit failed (error " + std::to_string(r) + ")";
      return;
    }
    nvml = new Nvml(&api);  // lives for the process
  });
  if (!nvml && why) *why = reason;
  return nvml;
}

int Nvml::device_count() const {
  unsigned n = 0;
  return api_->device_count(&n) == kSuccess ? static_cast<int>(n) : 0;
}

std::optional<NvmlDeviceInfo> Nvml::device_info(int index) const {
  nvmlDevice_t d = api_->handle(index);
  if (!d) return std::nullopt;
  NvmlDeviceInfo info;
  char buf[kStringSize] = {};
  if (api_->uuid(d, buf, kStringSize) == kSuccess) info.uuid = buf;
  char name[kStringSize] = {};
  if (api_->name(d, name, kStringSize) == kSuccess) info.name = name;
  nvmlMemory_t m{};
  if (api_->memory(d, &m) != kSuccess) return std::nullopt;
  info.memory_total_mb = static_cast<double>(m.total) / kMiB;
  return info;
}

std::optional<double> Nvml::free_memory_mb(int index) const {
  nvmlDevice_t d = api_->handle(index);
  nvmlMemory_t m{};
  if (!d || api_->memory(d, &m) != kSuccess) return std::nullopt;
  return static_cast<double>(m.free) / kMiB;
}

NvmlReading Nvml::read(int index) const {
  NvmlReading r;
  nvmlDevice_t d = api_->handle(index);
  if (!d) return r;
  if (nvmlMemory_t m{}; api_->memory(d, &m) == kSuccess) {
    r.memory_used_mb = static_cast<double>(m.used) / kMiB;
    r.memory_free_mb = static_cast<double>(m.free) / kMiB;
  }
  if (nvmlUtilization_t u{}; api_->utilization && api_->utilization(d, &u) == kSuccess) r.utilization_pct = u.gpu;
  if (unsigned mw = 0; api_->power && api_->power(d, &mw) == kSuccess) r.power_w = mw / 1000.0;
  if (unsigned t = 0; api_->temperature && api_->temperature(d, kTemperatureGpu, &t) == kSuccess) r.temperature_c = t;
  if (unsigned long long mj = 0; api_->energy && api_->energy(d, &mj) == kSuccess) r.energy_j = static_cast<double>(mj) / 1000.0;
  return r;
}

std::vector<NvmlProcess> Nvml::compute_processes(int index) const {
  nvmlDevice_t d = api_->handle(index);
  if (!d || !api_->processes) return {};
  std::vector<nvmlProcessInfo_t> infos(64);
  for (int tries = 0; tries < 3; ++tries) {
    unsigned n = static_cast<unsigned>(infos.size());
    const nvmlReturn_t r = api_->processes(d, &n, infos.data());
    if (r == kInsufficientSize) {
      infos.resize(n + 16);
      continue;
    }
    if (r != kSuccess) return {};
    std::vector<NvmlProcess> out;
    for (unsigned i = 0; i < n && i < infos.size(); ++i) {
      // NVML_VALUE_NOT_AVAILABLE is all ones.
      const unsigned long long mem = infos[i].usedGpuMemory;
      out.push_back({static_cast<int>(infos[i].pid), mem == ~0ULL ? 0.0 : static_cast<double>(mem) / kMiB});
    }
    return out;
  }
  return {};
}

}  // namespace tunelab::gpu
