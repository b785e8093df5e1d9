#include "core/gpu/monitor.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace tunelab::gpu {
namespace {

double wall_s() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

GpuMonitor::GpuMonitor(std::vector<GpuDevice> devices, std::shared_ptr<Telemetry> telemetry, Sink sink,
                       std::chrono::milliseconds period)
    : devices_(std::move(devices)),
      telemetry_(std::move(telemetry)),
      sink_(std::move(sink)),
      period_(period),
      last_ts_(devices_.size(), -1.0),
      last_energy_(devices_.size(), -1.0) {}

GpuMonitor::~GpuMonitor() { stop(); }

std::chrono::milliseconds GpuMonitor::period_from_env() {
  if (const char* v = std::getenv("TUNELAB_GPU_SAMPLE_S"); v && *v) {
    char* end = nullptr;
    const double s = std::strtod(v, &end);
    if (end && *end == '\0' && s > 0 && s < 86400) return std::chrono::milliseconds(std::max<int64_t>(1, static_cast<int64_t>(s * 1000)));
  }
  return std::chrono::seconds(1);
}

void GpuMonitor::start() {
  if (thread_.joinable() || !telemetry_) return;
  thread_ = std::thread([this] { loop(); });
}

void GpuMonitor::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void GpuMonitor::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    sample(wall_s());
    lock.lock();
    wake_.wait_for(lock, period_, [this] { return stopping_; });
  }
}

void GpuMonitor::trial_started(int64_t trial_id, const Allocation& a, int pgid) {
  if (a.gpus.empty()) return;
  Holder h;
  h.alloc = a;
  h.pgid = pgid;
  h.start = std::chrono::steady_clock::now();
  h.usage.trial_id = trial_id;
  for (int pos : a.gpus) {
    h.usage.gpus += (h.usage.gpus.empty() ? "" : ",") + std::to_string(devices_.at(static_cast<size_t>(pos)).index);
  }
  h.usage.fraction = a.fraction();
  h.usage.memory_gb = a.memory_mb / 1024.0;
  std::lock_guard lock(mutex_);
  holders_[trial_id] = std::move(h);
}

TrialGpuRecord GpuMonitor::trial_ended(int64_t trial_id) {
  std::vector<int> cards;
  {
    std::lock_guard lock(mutex_);
    auto it = holders_.find(trial_id);
    if (it == holders_.end()) return TrialGpuRecord{trial_id, "", 0, 0, 0, 0, 0};
    cards = it->second.alloc.gpus;
  }
  // Its last stretch of energy, so that a trial shorter than the period still gets its part.
  if (telemetry_) {
    auto readings = read_devices(wall_s(), cards);
    if (sink_ && !readings.empty()) sink_(std::move(readings));
  }
  std::lock_guard lock(mutex_);
  auto it = holders_.find(trial_id);
  Holder h = std::move(it->second);
  holders_.erase(it);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - h.start).count();
  h.usage.gpu_seconds = seconds * h.alloc.fraction() * static_cast<double>(h.alloc.gpus.size());
  return h.usage;
}

std::vector<GpuSampleRecord> GpuMonitor::sample(double ts) {
  if (!telemetry_) return {};
  std::vector<int> all(devices_.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  auto readings = read_devices(ts, all);
  {
    std::lock_guard lock(mutex_);
    latest_ = readings;
  }
  if (sink_) sink_(readings);
  return readings;
}

std::vector<GpuSampleRecord> GpuMonitor::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

std::vector<GpuSampleRecord> GpuMonitor::read_devices(double ts, const std::vector<int>& only) {
  std::lock_guard read_lock(read_mutex_);
  // What this study holds on each card, from the trials now running.
  std::vector<GpuLoad> loads(devices_.size());
  std::map<int64_t, Holder> holders;
  {
    std::lock_guard lock(mutex_);
    holders = holders_;
  }
  for (const auto& [id, h] : holders) {
    for (int pos : h.alloc.gpus) {
      GpuLoad& l = loads[static_cast<size_t>(pos)];
      l.units_used += h.alloc.units;
      l.memory_reserved_mb += h.alloc.memory_mb;
      ++l.holders;
    }
  }
  std::vector<GpuSampleRecord> out;
  std::map<int64_t, TrialGpuRecord> deltas;  // energy and memory found in this reading
  for (int pos : only) {
    const auto i = static_cast<size_t>(pos);
    const NvmlReading r = telemetry_->read(pos, loads[i]);
    GpuSampleRecord s;
    s.ts = ts;
    s.gpu = devices_[i].index;
    s.utilization_pct = r.utilization_pct;
    s.memory_used_mb = r.memory_used_mb;
    s.power_w = r.power_w;
    s.temperature_c = r.temperature_c;
    s.energy_j = r.energy_j;
    out.push_back(s);

    double energy = 0;
    if (last_ts_[i] >= 0) {
      if (r.energy_j && last_energy_[i] >= 0) energy = std::max(0.0, *r.energy_j - last_energy_[i]);
      else if (r.power_w) energy = *r.power_w * std::max(0.0, ts - last_ts_[i]);
    }
    last_ts_[i] = ts;
    last_energy_[i] = r.energy_j.value_or(-1.0);
    if (loads[i].holders == 0) continue;

    std::map<int, double> memory_by_group;  // process group -> MiB on this card
    const auto procs = telemetry_->processes(pos);
    for (const auto& p : procs) {
      const pid_t g = ::getpgid(p.pid);
      if (g > 0) memory_by_group[static_cast<int>(g)] += p.memory_mb;
    }
    for (const auto& [id, h] : holders) {
      if (std::find(h.alloc.gpus.begin(), h.alloc.gpus.end(), pos) == h.alloc.gpus.end()) continue;
      TrialGpuRecord& d = deltas[id];
      d.energy_j += energy * static_cast<double>(h.alloc.units) / static_cast<double>(loads[i].units_used);
      double mem = 0;
      if (!procs.empty()) {
        auto m = memory_by_group.find(h.pgid);
        mem = m == memory_by_group.end() ? 0.0 : m->second;
      } else if (r.memory_used_mb && loads[i].memory_reserved_mb > 0) {
        mem = *r.memory_used_mb * h.alloc.memory_mb / loads[i].memory_reserved_mb;
      }
      d.peak_memory_mb = std::max(d.peak_memory_mb, mem);
    }
  }
  std::lock_guard lock(mutex_);
  for (const auto& [id, d] : deltas) {
    auto it = holders_.find(id);
    if (it == holders_.end()) continue;
    it->second.usage.energy_j += d.energy_j;
    it->second.usage.peak_memory_mb = std::max(it->second.usage.peak_memory_mb, d.peak_memory_mb);
  }
  return out;
}

}  // namespace tunelab::gpu
