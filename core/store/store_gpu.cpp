// The store's GPU tables: gpu_samples (the sampler's readings) and trial_gpu (per-trial totals).
#include "core/store/sqlite_util.h"
#include "core/store/store.h"

namespace tunelab {

void Store::add_gpu_samples(std::vector<GpuSampleRecord> samples) {
  if (samples.empty()) return;
  enqueue([samples = std::move(samples)](sql::StmtCache& c) {
    auto& st = c.get(
        "INSERT INTO gpu_samples(ts, gpu, utilization_pct, memory_used_mb, power_w, temperature_c, energy_j) "
        "VALUES(?, ?, ?, ?, ?, ?, ?)");
    for (const auto& s : samples) {
      st.reset();
      st.bind(1, s.ts).bind(2, static_cast<int64_t>(s.gpu)).bind(3, s.utilization_pct).bind(4, s.memory_used_mb);
      st.bind(5, s.power_w).bind(6, s.temperature_c).bind(7, s.energy_j);
      st.step();
      if (!st.error().empty()) return st.error();
    }
    return std::string();
  });
}

void Store::add_trial_gpu(const TrialGpuRecord& u) {
  enqueue([u](sql::StmtCache& c) {
    auto& st = c.get(
        "INSERT INTO trial_gpu(trial_id, gpus, fraction, memory_gb, gpu_seconds, peak_memory_mb, energy_j) "
        "VALUES(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(trial_id) DO UPDATE SET gpus = excluded.gpus, "
        "fraction = excluded.fraction, memory_gb = excluded.memory_gb, "
        "gpu_seconds = gpu_seconds + excluded.gpu_seconds, "
        "peak_memory_mb = MAX(peak_memory_mb, excluded.peak_memory_mb), energy_j = energy_j + excluded.energy_j");
    st.bind(1, u.trial_id).bind(2, u.gpus).bind(3, u.fraction).bind(4, u.memory_gb).bind(5, u.gpu_seconds);
    st.bind(6, u.peak_memory_mb).bind(7, u.energy_j);
    st.step();
    return st.error();
  });
}

Result<std::vector<GpuSampleRecord>> Store::load_gpu_samples() const { return load_gpu_samples_after(-1e300); }

Result<std::vector<GpuSampleRecord>> Store::load_gpu_samples_after(double ts) const {
  sql::Stmt st(read_db_,
               "SELECT ts, gpu, utilization_pct, memory_used_mb, power_w, temperature_c, energy_j FROM gpu_samples "
               "WHERE ts > ? ORDER BY id");
  if (!st.ok()) return Error{path_, st.error()};
  st.bind(1, ts);
  std::vector<GpuSampleRecord> out;
  while (st.step()) {
    out.push_back({st.real(0), static_cast<int>(st.int64(1)), st.opt_real(2), st.opt_real(3), st.opt_real(4),
                   st.opt_real(5), st.opt_real(6)});
  }
  if (!st.error().empty()) return Error{path_, st.error()};
  return out;
}

Result<std::vector<TrialGpuRecord>> Store::load_trial_gpu() const {
  sql::Stmt st(read_db_,
               "SELECT trial_id, gpus, fraction, memory_gb, gpu_seconds, peak_memory_mb, energy_j FROM trial_gpu "
               "ORDER BY trial_id");
  if (!st.ok()) return Error{path_, st.error()};
  std::vector<TrialGpuRecord> out;
  while (st.step()) {
    out.push_back({st.int64(0), st.text(1), st.real(2), st.real(3), st.real(4), st.real(5), st.real(6)});
  }
  if (!st.error().empty()) return Error{path_, st.error()};
  return out;
}

}  // namespace tunelab
