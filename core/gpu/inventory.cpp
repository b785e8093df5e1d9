#include "core/gpu/inventory.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

#include "core/gpu/nvml.h"

namespace tunelab::gpu {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool iequals_suffix(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  for (size_t i = 0; i < suffix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(s[s.size() - suffix.size() + i])) != suffix[i]) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<GpuDevice>> parse_fake_gpus(std::string_view text) {
  std::vector<GpuDevice> out;
  const std::string where = "TUNELAB_FAKE_GPUS";
  while (true) {
    const size_t comma = text.find(',');
    std::string_view group = trim(text.substr(0, comma));
    const std::string shown(group);
    const std::string usage = " (expected e.g. \"4x80GB\", \"80GB\" or \"2x40GB,1x16GB\")";
    int count = 1;
    if (const size_t x = group.find_first_of("xX"); x != std::string_view::npos) {
      const std::string_view n = trim(group.substr(0, x));
      auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), count);
      if (ec != std::errc() || p != n.data() + n.size() || count < 1 || count > 1024) {
        return Error{where, "bad count in \"" + shown + "\"" + usage};
      }
      group = trim(group.substr(x + 1));
    }
    double scale = 0;
    if (iequals_suffix(group, "gib") || iequals_suffix(group, "mib")) {
      scale = std::tolower(static_cast<unsigned char>(group[group.size() - 3])) == 'g' ? 1024 : 1;
      group.remove_suffix(3);
    } else if (iequals_suffix(group, "gb") || iequals_suffix(group, "mb")) {
      scale = std::tolower(static_cast<unsigned char>(group[group.size() - 2])) == 'g' ? 1024 : 1;
      group.remove_suffix(2);
    } else if (iequals_suffix(group, "g")) {
      scale = 1024;
      group.remove_suffix(1);
    }
    group = trim(group);
    double size = 0;
    auto [p, ec] = std::from_chars(group.data(), group.data() + group.size(), size);
    if (scale == 0 || ec != std::errc() || p != group.data() + group.size() || !(size > 0) || size > 1e6) {
      return Error{where, "bad memory size in \"" + shown + "\"" + usage};
    }
    for (int i = 0; i < count; ++i) {
      GpuDevice d;
      d.index = static_cast<int>(out.size());
      d.uuid = "FAKE-" + std::to_string(d.index);
      d.name = "fake";
      d.memory_total_mb = size * scale;
      d.fake = true;
      out.push_back(std::move(d));
    }
    if (out.size() > 1024) return Error{where, "at most 1024 fake GPUs"};
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

std::optional<std::vector<std::string>> parse_visible_devices(const char* value) {
  if (!value) return std::nullopt;
  std::vector<std::string> ids;
  std::string_view rest = value;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view id = trim(rest.substr(0, comma));
    const bool numeric = !id.empty() && std::all_of(id.begin(), id.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    const bool uuid = id.size() >= 5 && (id.substr(0, 4) == "GPU-" || id.substr(0, 4) == "MIG-" || id.substr(0, 5) == "FAKE-");
    if (!numeric && !uuid) break;  // "-1", "" or garbage: CUDA ignores it and everything after it
    ids.emplace_back(id);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return ids;
}

std::vector<GpuDevice> filter_visible(const std::vector<GpuDevice>& all, const std::vector<std::string>& visible) {
  std::vector<GpuDevice> out;
  for (const auto& id : visible) {
    for (const auto& d : all) {
      const bool by_index = std::isdigit(static_cast<unsigned char>(id.front())) && std::to_string(d.index) == id;
      const bool by_uuid = !std::isdigit(static_cast<unsigned char>(id.front())) && d.uuid.compare(0, id.size(), id) == 0;
      if (!by_index && !by_uuid) continue;
      bool seen = false;
      for (const auto& o : out) seen = seen || o.index == d.index;
      if (!seen) out.push_back(d);
      break;
    }
  }
  return out;
}

Result<Inventory> discover_gpus() {
  Inventory inv;
  if (const char* fake = std::getenv("TUNELAB_FAKE_GPUS"); fake && *fake) {
    auto devices = parse_fake_gpus(fake);
    if (!devices) return devices.errors();
    inv.devices = std::move(*devices);
    inv.source = "fake";
  } else {
    std::string why;
    if (Nvml* nvml = Nvml::instance(&why)) {
      const int n = nvml->device_count();
      for (int i = 0; i < n; ++i) {
        auto info = nvml->device_info(i);
        if (!info) continue;
        GpuDevice d;
        d.index = i;
        d.uuid = info->uuid;
        d.name = info->name;
        d.memory_total_mb = info->memory_total_mb;
        inv.devices.push_back(std::move(d));
      }
      inv.source = "nvml";
      if (inv.devices.empty()) inv.note = "NVML found no GPU";
    } else {
      inv.note = why;
    }
  }
  if (auto visible = parse_visible_devices(std::getenv("CUDA_VISIBLE_DEVICES"))) {
    const size_t before = inv.devices.size();
    inv.devices = filter_visible(inv.devices, *visible);
    if (inv.devices.size() < before) {
      inv.note = "CUDA_VISIBLE_DEVICES leaves " + std::to_string(inv.devices.size()) + " of " +
                 std::to_string(before) + " GPUs";
    }
  }
  return inv;
}

}  // namespace tunelab::gpu
