#pragma once
// CurveChart: live learning curves, one line per trial.
//
// Points are appended per trial and drawn on flush(), once per batch: only the trials that got points
// are touched, and a line denser than the pixels it spans is decimated (first/min/max/last per pixel
// column, core/analysis/chart_data.h). While the chart is hidden, flush() only records what is dirty;
// showing it draws. Finished trials fade, the selected trial is drawn thick, the best one stands out.
#include <QPointF>

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "ui/charts/chart_panel.h"

QT_BEGIN_NAMESPACE
class QLineSeries;
class QValueAxis;
QT_END_NAMESPACE

namespace tunelab::ui {

class CurveChart final : public ChartPanel {
  Q_OBJECT
 public:
  explicit CurveChart(QWidget* parent = nullptr);

  void clear();
  void set_axis_titles(const QString& x, const QString& y);
  void append(int64_t trial, const std::vector<double>& xs, const std::vector<double>& ys);
  void set_finished(int64_t trial, bool finished);
  void set_selected(std::optional<int64_t> trial);
  void set_best(std::optional<int64_t> trial);
  // Draws what changed since the last flush (nothing while hidden).
  void flush();

  bool has_data() const override;
  int series_count() const { return static_cast<int>(curves_.size()); }
  // Points drawn for a trial (after decimation); -1 when unknown.
  int drawn_points(int64_t trial) const;

 signals:
  void trial_clicked(int64_t trial);

 protected:
  void showEvent(QShowEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;

 private:
  struct Curve {
    QLineSeries* series = nullptr;
    std::vector<double> xs, ys;
    size_t drawn = 0;       // points already handed to the series (when not decimated)
    bool decimated = false;
    bool finished = false;
  };
  Curve& curve(int64_t trial);
  void restyle(int64_t trial);
  void redraw(Curve& c);

  std::map<int64_t, Curve> curves_;
  std::set<int64_t> dirty_, restyle_;
  std::optional<int64_t> selected_, best_;
  QValueAxis* x_axis_;
  QValueAxis* y_axis_;
  double x_min_ = 0, x_max_ = 1, y_min_ = 0, y_max_ = 1;
  bool have_range_ = false;
  bool ranges_dirty_ = false;
};

}  // namespace tunelab::ui
