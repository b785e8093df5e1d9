#pragma once
// GpuMonitor: a sampler thread that reads every GPU each period (default 1 s), hands the readings to a sink
// (the store's gpu_samples table), and attributes what each running trial used: GPU-seconds (its share x
// time), peak memory (its processes' memory, found through its process group; the share of the card's used
// memory when the driver lists no processes) and energy (each reading's energy split among the trials on the
// card by their shares).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/gpu/allocator.h"
#include "core/gpu/telemetry.h"
#include "core/model/gpu_records.h"

namespace tunelab::gpu {

class GpuMonitor {
 public:
  using Sink = std::function<void(std::vector<GpuSampleRecord>)>;

  GpuMonitor(std::vector<GpuDevice> devices, std::shared_ptr<Telemetry> telemetry, Sink sink,
             std::chrono::milliseconds period = std::chrono::seconds(1));
  ~GpuMonitor();
  GpuMonitor(const GpuMonitor&) = delete;
  GpuMonitor& operator=(const GpuMonitor&) = delete;

  // Starts the thread (one reading at once, then one per period). Without it, sample() does the work.
  void start();
  void stop();

  // A trial now holds `a` (positions in `devices`); `pgid` is its process group (0 when unknown).
  void trial_started(int64_t trial_id, const Allocation& a, int pgid);
  // Takes one last reading of its cards and returns what the trial used since trial_started.
  TrialGpuRecord trial_ended(int64_t trial_id);

  // One reading of every device at wall time `ts`; returns the readings (also given to the sink).
  std::vector<GpuSampleRecord> sample(double ts);
  // The latest reading of each device (empty before the first).
  std::vector<GpuSampleRecord> latest() const;

  // The sampling period: TUNELAB_GPU_SAMPLE_S (seconds, > 0) when set, else 1 s.
  static std::chrono::milliseconds period_from_env();

 private:
  struct Holder {
    Allocation alloc;
    int pgid = 0;
    std::chrono::steady_clock::time_point start;
    TrialGpuRecord usage;
  };
  std::vector<GpuSampleRecord> read_devices(double ts, const std::vector<int>& only);
  void loop();

  std::vector<GpuDevice> devices_;
  std::shared_ptr<Telemetry> telemetry_;
  Sink sink_;
  std::chrono::milliseconds period_;

  mutable std::mutex mutex_;
  std::mutex read_mutex_;                  // one reading at a time (telemetry and last_* are not shared)
  std::map<int64_t, Holder> holders_;      // guarded by mutex_
  std::vector<GpuSampleRecord> latest_;    // guarded by mutex_
  std::vector<double> last_ts_, last_energy_;  // guarded by read_mutex_
  std::condition_variable wake_;
  bool stopping_ = false;                  // guarded by mutex_
  std::thread thread_;
};

}  // namespace tunelab::gpu
