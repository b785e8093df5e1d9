#include "core/gpu/telemetry.h"

#include <algorithm>
#include <chrono>

namespace tunelab::gpu {
namespace {

double steady_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

FakeTelemetry::FakeTelemetry(std::vector<GpuDevice> devices)
    : devices_(std::move(devices)), energy_j_(devices_.size(), 0.0), last_s_(devices_.size(), -1.0) {}

NvmlReading FakeTelemetry::read(int pos, const GpuLoad& load) {
  const auto i = static_cast<size_t>(pos);
  NvmlReading r;
  const double use = std::clamp(static_cast<double>(load.units_used) / kUnitsPerGpu, 0.0, 1.0);
  r.utilization_pct = use * 100.0;
  r.memory_used_mb = 0.9 * load.memory_reserved_mb;
  r.memory_free_mb = devices_[i].memory_total_mb - *r.memory_used_mb;
  r.power_w = kIdleW + use * (kMaxW - kIdleW);
  r.temperature_c = 30.0 + 50.0 * use;
  const double now = steady_s();
  if (last_s_[i] >= 0) energy_j_[i] += *r.power_w * (now - last_s_[i]);
  last_s_[i] = now;
  r.energy_j = energy_j_[i];
  return r;
}

std::shared_ptr<Telemetry> make_telemetry(const Inventory& inventory) {
  if (inventory.devices.empty()) return nullptr;
  if (inventory.source == "fake") return std::make_shared<FakeTelemetry>(inventory.devices);
  if (Nvml* nvml = Nvml::instance()) return std::make_shared<NvmlTelemetry>(nvml, inventory.devices);
  return nullptr;
}

}  // namespace tunelab::gpu
