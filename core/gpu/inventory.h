#pragma once
// The GPUs a study may use: found through NVML (loaded at run time), or made up for tests and simulation
// with TUNELAB_FAKE_GPUS ("4x80GB", "2x40GB,1x80GB"). Both honour CUDA_VISIBLE_DEVICES. See docs/gpu.md.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/result.h"

namespace tunelab::gpu {

struct GpuDevice {
  int index = 0;               // NVML index (or position in the fake list): what the store and the GUI show
  std::string uuid;            // "GPU-..." for real devices, "FAKE-<index>" for fake ones
  std::string name;            // e.g. "NVIDIA H100 80GB HBM3", or "fake"
  double memory_total_mb = 0;  // MiB
  bool fake = false;
  // What a trial's CUDA_VISIBLE_DEVICES names this device by: the UUID for real devices (unambiguous whatever
  // CUDA_DEVICE_ORDER says), the index for fake ones.
  std::string visible_id() const { return fake ? std::to_string(index) : uuid; }
};

struct Inventory {
  std::vector<GpuDevice> devices;
  std::string source = "none";  // "nvml", "fake" or "none"
  std::string note;             // why there are none, for the log (no NVML, CUDA_VISIBLE_DEVICES empty, ...)
};

// Parses TUNELAB_FAKE_GPUS: comma-separated groups "[N x]SIZE", SIZE a number with GB (GiB) or MB (MiB);
// "4x80GB", "80GB", "2x40GB,1x80GB". Errors name the offending group.
Result<std::vector<GpuDevice>> parse_fake_gpus(std::string_view text);

// Parses CUDA_VISIBLE_DEVICES: nullopt when unset (all devices visible); otherwise the listed ids (indices or
// UUIDs, "GPU-" prefixes allowed). CUDA stops at the first invalid entry, and so does this ("-1" hides all).
std::optional<std::vector<std::string>> parse_visible_devices(const char* value);

// Keeps the devices CUDA_VISIBLE_DEVICES names, in its order. An id matches a device by index or by a UUID
// prefix of at least 5 characters ("GPU-1a2b").
std::vector<GpuDevice> filter_visible(const std::vector<GpuDevice>& all, const std::vector<std::string>& visible);

// TUNELAB_FAKE_GPUS when set (an error if it does not parse), else NVML, else none; then CUDA_VISIBLE_DEVICES.
Result<Inventory> discover_gpus();

}  // namespace tunelab::gpu
