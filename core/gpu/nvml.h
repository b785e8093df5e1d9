#pragma once
// NVML, loaded with dlopen("libnvidia-ml.so.1") at run time: no build-time dependency on the driver. The few
// functions used are declared by hand in nvml.cpp. Every call fails softly (nullopt / false / empty).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tunelab::gpu {

struct NvmlDeviceInfo {
  std::string uuid, name;
  double memory_total_mb = 0;
};

struct NvmlReading {
  std::optional<double> utilization_pct;  // 0..100 over the driver's last sample period
  std::optional<double> memory_used_mb;
  std::optional<double> memory_free_mb;
  std::optional<double> power_w;
  std::optional<double> temperature_c;
  std::optional<double> energy_j;  // counter since the driver was loaded (Volta and newer)
};

struct NvmlProcess {
  int pid = 0;
  double memory_mb = 0;  // 0 when the driver does not say
};

class Nvml {
 public:
  // The loaded library, initialised once per process; nullptr when there is none (no driver, no GPU).
  // `why` gets the reason then.
  static Nvml* instance(std::string* why = nullptr);

  int device_count() const;
  std::optional<NvmlDeviceInfo> device_info(int index) const;
  NvmlReading read(int index) const;
  std::optional<double> free_memory_mb(int index) const;
  std::vector<NvmlProcess> compute_processes(int index) const;

  struct Api;  // the resolved function pointers (nvml.cpp)

 private:
  explicit Nvml(const Api* api) : api_(api) {}
  const Api* api_;
};

}  // namespace tunelab::gpu
