#pragma once
// LoadPanel: the resource panel of the Monitor view. While visible it looks once a second at the study's
// database (read-only, only when the file changed) for new GPU readings (gpu_samples) and per-trial GPU use
// (trial_gpu): per-GPU utilisation and memory lines, and the study's energy (kJ, GPU-hours, energy per point
// of improvement). Without GPU readings it shows the machine's CPU and memory use (from /proc) instead.
// Hidden, it does nothing; shown again, it catches up with what was stored meanwhile.
#include <QElapsedTimer>
#include <QString>
#include <QTimer>
#include <QWidget>

#include <map>
#include <memory>
#include <optional>

#include "core/gpu/energy.h"
#include "core/model/gpu_records.h"

class QLabel;
class QStackedWidget;

namespace tunelab {
class Store;
}

namespace tunelab::ui {

class GpuChart;
class LoadChart;

class LoadPanel final : public QWidget {
  Q_OBJECT
 public:
  explicit LoadPanel(QWidget* parent = nullptr);
  ~LoadPanel() override;

  // Starts over for a study stored at `db_path` ("" for none: CPU and memory only).
  void set_study(const QString& db_path);
  // The study's first objective value and its best so far (for the energy per point of improvement).
  void set_objective_range(std::optional<double> first, std::optional<double> best);
  // One tick: CPU and memory, then new GPU readings and the energy from the store.
  void sample();

  bool showing_gpus() const;
  GpuChart* gpu_chart() const { return gpu_chart_; }
  LoadChart* load_chart() const { return chart_; }
  QString energy_text() const;
  const std::map<int64_t, TrialGpuRecord>& trial_gpu() const { return trial_gpu_; }

  // "GPU energy: 12.3 kJ, 0.004 GPU-hours, 1.5 kJ per point of improvement" (no improvement yet: "n/a").
  static QString describe_energy(const gpu::EnergyReport& r);

 signals:
  // The per-trial GPU use changed (read from the store).
  void trial_gpu_changed();

 protected:
  void showEvent(QShowEvent* e) override;
  void hideEvent(QHideEvent* e) override;

 private:
  void sample_machine();
  void poll_store();
  void update_energy();

  LoadChart* chart_;
  GpuChart* gpu_chart_;
  QStackedWidget* stack_;
  QLabel* energy_;
  QTimer timer_;
  QElapsedTimer clock_;
  std::optional<std::pair<long long, long long>> last_cpu_;  // busy, total jiffies
  QString db_path_;
  std::unique_ptr<Store> store_;
  qint64 last_stamp_ = -1;
  double last_ts_ = -1;  // newest GPU reading shown
  std::map<int64_t, TrialGpuRecord> trial_gpu_;
  std::optional<double> first_, best_;
};

// CPU jiffies (busy, total) from /proc/stat and memory in use (percent) from /proc/meminfo.
std::optional<std::pair<long long, long long>> read_cpu_jiffies();
std::optional<double> read_memory_percent();

}  // namespace tunelab::ui
