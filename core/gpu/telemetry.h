#pragma once
// Readings of GPUs: from NVML for real devices, made up from the allocation for fake ones (so the sampler,
// the store and attribution can be tested without a GPU).
#include <memory>
#include <optional>
#include <vector>

#include "core/gpu/allocator.h"
#include "core/gpu/nvml.h"

namespace tunelab::gpu {

class Telemetry {
 public:
  virtual ~Telemetry() = default;
  // One reading of the device at `pos`; `load` is what this study holds there (fake devices derive from it).
  virtual NvmlReading read(int pos, const GpuLoad& load) = 0;
  // Processes using the device, with their memory; empty when unknown.
  virtual std::vector<NvmlProcess> processes(int pos) = 0;
  // Free memory the driver reports, or nullopt when unknown (fake devices).
  virtual std::optional<double> free_memory_mb(int pos) = 0;
};

// Fake readings: utilisation = the share held (x 100), memory used = 90% of what is reserved, power from an
// idle 60 W to 400 W at full use, temperature 30..80 C, and an energy counter that integrates the power.
class FakeTelemetry final : public Telemetry {
 public:
  explicit FakeTelemetry(std::vector<GpuDevice> devices);
  NvmlReading read(int pos, const GpuLoad& load) override;
  std::vector<NvmlProcess> processes(int) override { return {}; }
  std::optional<double> free_memory_mb(int) override { return std::nullopt; }
  static constexpr double kIdleW = 60, kMaxW = 400;

 private:
  std::vector<GpuDevice> devices_;
  std::vector<double> energy_j_;
  std::vector<double> last_s_;
};

// NVML readings of real devices.
class NvmlTelemetry final : public Telemetry {
 public:
  NvmlTelemetry(Nvml* nvml, std::vector<GpuDevice> devices) : nvml_(nvml), devices_(std::move(devices)) {}
  NvmlReading read(int pos, const GpuLoad&) override { return nvml_->read(index(pos)); }
  std::vector<NvmlProcess> processes(int pos) override { return nvml_->compute_processes(index(pos)); }
  std::optional<double> free_memory_mb(int pos) override { return nvml_->free_memory_mb(index(pos)); }

 private:
  int index(int pos) const { return devices_.at(static_cast<size_t>(pos)).index; }
  Nvml* nvml_;
  std::vector<GpuDevice> devices_;
};

// FakeTelemetry for an inventory of fake devices, NVML for real ones; nullptr when there are no devices.
std::shared_ptr<Telemetry> make_telemetry(const Inventory& inventory);

}  // namespace tunelab::gpu
