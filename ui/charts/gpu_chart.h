#pragma once
// GpuChart: per-GPU utilisation (%, left axis) and memory used (GiB, right axis) over time, one pair of lines
// per card. Readings are appended as they arrive; each line keeps the last kMaxPoints points.
#include <map>
#include <vector>

#include "core/model/gpu_records.h"
#include "ui/charts/chart_panel.h"

QT_BEGIN_NAMESPACE
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace tunelab::ui {

class GpuChart final : public ChartPanel {
  Q_OBJECT
 public:
  static constexpr int kMaxPoints = 600;

  explicit GpuChart(QWidget* parent = nullptr);
  void clear();
  // Appends readings (any order of cards; times in seconds, as stored). A card seen first gets its lines.
  void add_samples(const std::vector<GpuSampleRecord>& samples);

  bool has_data() const override { return !lines_.empty(); }
  int gpu_count() const { return static_cast<int>(lines_.size()); }
  // Points of a card's lines; -1 for a card not seen.
  int utilization_points(int gpu) const;
  int memory_points(int gpu) const;

 private:
  struct Lines {
    QLineSeries* util = nullptr;
    QLineSeries* mem = nullptr;
  };
  Lines& lines_for(int gpu);

  std::map<int, Lines> lines_;
  QValueAxis* x_;
  QValueAxis* util_axis_;
  QValueAxis* mem_axis_;
  double t0_ = -1;
  double t_max_ = 0;
  double mem_max_gb_ = 1;
};

}  // namespace tunelab::ui
