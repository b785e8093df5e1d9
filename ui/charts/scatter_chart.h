#pragma once
// ScatterChart: a parameter or metric against another, one point per trial. Log-scaled parameters get
// a log axis; an optional third column colours the points; hovering shows the trial, clicking selects it.
#include <optional>

#include "core/analysis/chart_data.h"
#include "ui/charts/chart_panel.h"

QT_BEGIN_NAMESPACE
class QScatterSeries;
QT_END_NAMESPACE

namespace tunelab::ui {

class ScatterChart final : public ChartPanel {
  Q_OBJECT
 public:
  explicit ScatterChart(QWidget* parent = nullptr);
  void set_data(const ScatterData& input);
  void set_selected(std::optional<int64_t> trial);
  bool has_data() const override { return !data_.xs.empty(); }
  bool x_is_log() const { return x_log_; }
  // The trial nearest to a point in chart coordinates (for tooltips and clicks).
  std::optional<size_t> nearest(QPointF value) const;

 signals:
  void trial_clicked(int64_t trial);

 private:
  ScatterData data_;
  QScatterSeries* points_ = nullptr;
  QScatterSeries* selected_ = nullptr;
  bool x_log_ = false;
};

// The axis a chart column gets: logarithmic for log-scaled parameters (and positive data).
QAbstractAxis* make_value_axis(const ChartColumn& column, const std::vector<double>& values, bool* is_log = nullptr);

}  // namespace tunelab::ui
