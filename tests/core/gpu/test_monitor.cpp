// The GPU sampler's attribution, with scripted readings: energy split by share, memory found through a
// trial's process group, GPU-seconds from the share and the running time, and the fake telemetry.
#include <QTest>

#include <unistd.h>

#include <cmath>
#include <thread>

#include "core/gpu/monitor.h"

using namespace tunelab;
using namespace tunelab::gpu;
using namespace std::chrono_literals;

namespace {

// Energy grows by 100 J per reading; this process uses 3000 MiB when `with_processes`.
class ScriptedTelemetry final : public Telemetry {
 public:
  bool with_processes = false;
  double energy = 0;
  NvmlReading read(int, const GpuLoad&) override {
    NvmlReading r;
    energy += 100;
    r.energy_j = energy;
    r.power_w = 250;
    r.utilization_pct = 80;
    r.memory_used_mb = 8000;
    return r;
  }
  std::vector<NvmlProcess> processes(int) override {
    if (!with_processes) return {};
    return {{static_cast<int>(::getpid()), 3000}};
  }
  std::optional<double> free_memory_mb(int) override { return std::nullopt; }
};

Allocation on_card(int pos, double fraction, double memory_mb) {
  Allocation a;
  a.gpus = {pos};
  a.units = ResourceAllocator::units_for(fraction);
  a.memory_mb = memory_mb;
  return a;
}

}  // namespace

class TestMonitor final : public QObject {
  Q_OBJECT
 private slots:
  void energySplitByShare() {
    auto devices = *parse_fake_gpus("2x80GB");
    auto telemetry = std::make_shared<ScriptedTelemetry>();
    std::vector<GpuSampleRecord> stored;
    GpuMonitor m(devices, telemetry, [&stored](std::vector<GpuSampleRecord> s) { stored.insert(stored.end(), s.begin(), s.end()); });
    m.trial_started(1, on_card(0, 0.25, 2000), 0);
    m.trial_started(2, on_card(0, 0.75, 6000), 0);
    m.sample(1000.0);  // first reading: a baseline, nothing to attribute yet
    m.sample(1001.0);  // card 0 used 200 J since (both cards are read each time, +100 J per reading)
    QCOMPARE(stored.size(), size_t(4));
    QCOMPARE(stored[2].gpu, 0);
    QCOMPARE(*stored[2].utilization_pct, 80.0);
    QCOMPARE(m.latest().size(), size_t(2));
    const TrialGpuRecord a = m.trial_ended(1);  // one more reading of card 0: +100 J
    const TrialGpuRecord b = m.trial_ended(2);  // and another one of card 0 alone (+100 J), for trial 2 alone
    QCOMPARE(a.gpus, std::string("0"));
    QCOMPARE(a.fraction, 0.25);
    QCOMPARE(a.memory_gb, 2000.0 / 1024);
    QCOMPARE(a.energy_j, 0.25 * 200 + 0.25 * 200);
    QCOMPARE(b.energy_j, 0.75 * 200 + 0.75 * 200 + 100);
    // No process list: the card's used memory split by reserved memory.
    QCOMPARE(a.peak_memory_mb, 8000.0 * 2000 / 8000);
    QVERIFY(a.gpu_seconds >= 0 && a.gpu_seconds < 1);
  }

  void memoryThroughTheProcessGroup() {
    auto devices = *parse_fake_gpus("1x80GB");
    auto telemetry = std::make_shared<ScriptedTelemetry>();
    telemetry->with_processes = true;
    GpuMonitor m(devices, telemetry, {});
    m.trial_started(7, on_card(0, 0.5, 10000), static_cast<int>(::getpgrp()));
    m.trial_started(8, on_card(0, 0.5, 10000), 999999);  // no process of this group uses the card
    m.sample(1.0);
    const auto mine = m.trial_ended(7);
    const auto other = m.trial_ended(8);
    QCOMPARE(mine.peak_memory_mb, 3000.0);
    QCOMPARE(other.peak_memory_mb, 0.0);
  }

  void gpuSecondsFollowTheShare() {
    auto devices = *parse_fake_gpus("2x80GB");
    GpuMonitor m(devices, std::make_shared<FakeTelemetry>(devices), {});
    Allocation two;
    two.gpus = {0, 1};
    two.units = kUnitsPerGpu;
    m.trial_started(1, two, 0);
    m.trial_started(2, on_card(0, 0.5, 1), 0);  // over-committed on purpose: attribution still splits
    std::this_thread::sleep_for(200ms);
    const auto whole = m.trial_ended(1);
    const auto half = m.trial_ended(2);
    QCOMPARE(whole.gpus, std::string("0,1"));
    QVERIFY2(whole.gpu_seconds >= 0.4 && whole.gpu_seconds < 4.0, std::to_string(whole.gpu_seconds).c_str());
    QVERIFY(half.gpu_seconds >= 0.1 && half.gpu_seconds < 2.0);
    QVERIFY(std::abs(whole.gpu_seconds - 4 * half.gpu_seconds) < 0.2);  // 2 cards x 1 against 0.5 of one
    QVERIFY(!m.trial_ended(42).energy_j);  // unknown trial: nothing
  }

  void samplerThreadRunsEveryPeriod() {
    auto devices = *parse_fake_gpus("1x16GB");
    std::atomic<int> readings{0};
    GpuMonitor m(devices, std::make_shared<FakeTelemetry>(devices),
                 [&readings](std::vector<GpuSampleRecord> s) { readings += static_cast<int>(s.size()); }, 20ms);
    const auto t0 = std::chrono::steady_clock::now();
    m.trial_started(1, on_card(0, 0.5, 4096), 0);
    m.start();
    std::this_thread::sleep_for(300ms);
    m.stop();
    QVERIFY2(readings >= 3 && readings <= 60, std::to_string(readings.load()).c_str());
    const auto u = m.trial_ended(1);
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // Fake power at half use: 60 + 0.5 * 340 = 230 W, of which the trial holds all (it is alone), from the
    // first reading (at start) to the last (at its end).
    QVERIFY2(u.energy_j > 230 * 0.25 && u.energy_j <= 230 * elapsed, std::to_string(u.energy_j).c_str());
    QCOMPARE(m.latest().front().utilization_pct.value_or(-1), 50.0);
  }

  void periodFromTheEnvironment() {
    qputenv("TUNELAB_GPU_SAMPLE_S", "0.25");
    QCOMPARE(GpuMonitor::period_from_env(), std::chrono::milliseconds(250));
    qputenv("TUNELAB_GPU_SAMPLE_S", "-1");
    QCOMPARE(GpuMonitor::period_from_env(), std::chrono::milliseconds(1000));
    qunsetenv("TUNELAB_GPU_SAMPLE_S");
    QCOMPARE(GpuMonitor::period_from_env(), std::chrono::milliseconds(1000));
  }
};

QTEST_GUILESS_MAIN(TestMonitor)
#include "test_monitor.moc"
