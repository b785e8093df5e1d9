#pragma once
// LoadPanel: the machine's CPU and memory use, sampled every second while visible (from /proc).
// It stands in for the per-GPU panel until GPU probing lands.
#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

#include <optional>

namespace tunelab::ui {

class LoadChart;

class LoadPanel final : public QWidget {
  Q_OBJECT
 public:
  explicit LoadPanel(QWidget* parent = nullptr);
  void sample();

 protected:
  void showEvent(QShowEvent* e) override;
  void hideEvent(QHideEvent* e) override;

 private:
  LoadChart* chart_;
  QTimer timer_;
  QElapsedTimer clock_;
  std::optional<std::pair<long long, long long>> last_cpu_;  // busy, total jiffies
};

// CPU jiffies (busy, total) from /proc/stat and memory in use (percent) from /proc/meminfo.
std::optional<std::pair<long long, long long>> read_cpu_jiffies();
std::optional<double> read_memory_percent();

}  // namespace tunelab::ui
