// The controller's resources: the GPU inventory, the allocator and the GPU sampler (docs/gpu.md).
#include "core/gpu/inventory.h"
#include "core/gpu/telemetry.h"
#include "core/run/controller.h"

namespace tunelab {

Status Controller::init_resources(double cpu_slots) {
  if (!executor_->runs_locally()) {
    // The cluster places trials (docs/cluster.md): only max_concurrent limits how many are submitted.
    resources_ = std::make_unique<gpu::ResourceAllocator>(1e9, std::vector<gpu::GpuDevice>{});
    request_.cpu = spec_.cpu_per_trial;
    return {};
  }
  auto inventory = gpu::discover_gpus();
  if (!inventory) return inventory.errors();
  std::shared_ptr<gpu::Telemetry> telemetry = spec_.gpu_per_trial > 0 ? gpu::make_telemetry(*inventory) : nullptr;
  gpu::ResourceAllocator::FreeMemoryProbe probe;
  if (telemetry) probe = [telemetry](int pos) { return telemetry->free_memory_mb(pos); };
  resources_ = std::make_unique<gpu::ResourceAllocator>(cpu_slots, inventory->devices, std::move(probe));
  request_.cpu = spec_.cpu_per_trial;
  request_.gpu = spec_.gpu_per_trial;
  request_.gpu_memory_gb = spec_.gpu_memory_gb;
  request_.placement = spec_.gpu_placement == "spread" ? gpu::Placement::Spread : gpu::Placement::Pack;
  if (Status s = resources_->check_satisfiable(request_); !s) {
    Error e = s.errors().front();
    if (!inventory->note.empty()) e.message += " (" + inventory->note + ")";
    if (inventory->devices.empty()) e.message += "; TUNELAB_FAKE_GPUS=\"4x80GB\" simulates GPUs";
    return e;
  }
  if (spec_.gpu_per_trial <= 0) return {};
  mps_ = gpu::mps_daemon_running();
  std::string list;
  for (const auto& d : inventory->devices) {
    list += (list.empty() ? "" : ", ") + std::to_string(d.index) + ": " + d.name + " " +
            gpu::format_number(d.memory_total_mb / 1024.0) + " GB";
  }
  log(std::nullopt, "gpus",
      std::to_string(inventory->devices.size()) + " GPU(s) from " + inventory->source + ": " + list +
          (mps_ ? "; MPS daemon found" : ""),
      {{"source", inventory->source}, {"count", inventory->devices.size()}, {"mps", mps_}});
  if (telemetry) {
    Store* store = store_.get();
    gpu_monitor_ = std::make_unique<gpu::GpuMonitor>(
        inventory->devices, telemetry, [store](std::vector<GpuSampleRecord> s) { store->add_gpu_samples(std::move(s)); },
        gpu::GpuMonitor::period_from_env());
  }
  return {};
}

}  // namespace tunelab
