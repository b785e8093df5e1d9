#pragma once
// CurveChart: live learning curves, one line per trial, for a thousand trials and more.
//
// Qt Charts draws the frame, axes and title; the lines are painted by one graphics item (CurveLayer)
// into a cached image of the plot area, because a chart series per trial does not scale. Appending
// points draws only the new segments onto the cache; the cache is redrawn whole only when the axis
// ranges change (they grow with headroom, so rarely) or the plot is resized or a trial's style
// changes. A line denser than the pixels it spans is decimated (first/min/max/last per pixel column,
// core/analysis/chart_data.h). Finished trials fade; the best trial and the selected one are drawn
// over the cache, so selecting costs no redraw. A hidden chart only stores points.
#include <QPointF>

#include <map>
#include <optional>
#include <vector>

#include "ui/charts/chart_panel.h"

QT_BEGIN_NAMESPACE
class QValueAxis;
QT_END_NAMESPACE

namespace tunelab::ui {

class CurveLayer;

class CurveChart final : public ChartPanel {
  Q_OBJECT
 public:
  explicit CurveChart(QWidget* parent = nullptr);
  ~CurveChart() override;

  void clear();
  void set_axis_titles(const QString& x, const QString& y);
  void append(int64_t trial, const std::vector<double>& xs, const std::vector<double>& ys);
  void set_finished(int64_t trial, bool finished);
  void set_selected(std::optional<int64_t> trial);
  void set_best(std::optional<int64_t> trial);
  // Applies the axis ranges and schedules one repaint for everything appended since the last flush.
  void flush();
  // Fits the axis ranges to the data (without the headroom kept while points stream in).
  void fit();

  bool has_data() const override;
  int series_count() const;
  // Points of the trial's line painted so far (after decimation); -1 for an unknown trial.
  int drawn_points(int64_t trial) const;
  // Times the whole cache was redrawn (for tests and the benchmark).
  int full_redraws() const;

 signals:
  void trial_clicked(int64_t trial);

 private:
  friend class CurveLayer;
  CurveLayer* layer_;
  QValueAxis* x_axis_;
  QValueAxis* y_axis_;
};

}  // namespace tunelab::ui
