#pragma once
// CurveChart: learning curves, readable from one trial to many thousands.
//
// Drawn in full (their own colour, a legend entry and a tooltip): the selected trial, the best K
// trials (default 10; ranked by set_score, else by the best value of their curve) and the running
// trials. Every other trial is summarised, as the user picks on the panel's bar:
//   - Faded:  one faded grey line per trial, painted into one cached image (a pixmap, not a series);
//   - Band:   the median and the 10-90 % quantile band per iteration (a QAreaSeries and a QLineSeries).
// So the chart holds at most K + 1 trial series plus the band's two, whatever the number of trials.
// The best K and the selected trial are QLineSeries; running trials and the faded background are
// painted by one graphics item (CurveLayer) into cached images under the series: appending points
// draws only the new segments; a cache is redrawn whole only when the axis ranges change, the plot is
// resized, or a trial leaves it. A line denser than the pixels it spans is decimated (first/min/max/
// last per pixel column, core/analysis/chart_data.h). Axes have 1-2-5 ticks (core/util/nice_axis.h);
// fit() ends the x axis at the last iteration, while points stream in it keeps headroom. A hidden chart
// only stores points.
#include <QPointF>
#include <QString>

#include <map>
#include <optional>
#include <vector>

#include "ui/charts/chart_panel.h"

QT_BEGIN_NAMESPACE
class QAreaSeries;
class QComboBox;
class QLabel;
class QLineSeries;
class QSpinBox;
class QValueAxis;
QT_END_NAMESPACE

namespace tunelab::ui {

class CurveLayer;

class CurveChart final : public ChartPanel {
  Q_OBJECT
 public:
  enum class Others { Faded, Band };
  // The per-iteration summary of the trials not drawn in full.
  struct Band {
    std::vector<double> xs, low, median, high;  // low: 10 %, high: 90 %
  };

  explicit CurveChart(QWidget* parent = nullptr);
  ~CurveChart() override;

  void clear();
  void set_axis_titles(const QString& x, const QString& y);
  void append(int64_t trial, const std::vector<double>& xs, const std::vector<double>& ys);
  // finished: the trial has ended (completed, stopped or errored); until then it counts as running.
  void set_finished(int64_t trial, bool finished);
  void set_selected(std::optional<int64_t> trial);
  // The study's best trial: always first among the best K.
  void set_best(std::optional<int64_t> trial);
  // The value trials are ranked by for the best K (the study's objective); without one, the best
  // value of the trial's curve counts. set_maximize says which end is best (default: larger).
  void set_score(int64_t trial, std::optional<double> score);
  void set_maximize(bool maximize);
  // Shown in the trial's tooltip (its config).
  void set_label(int64_t trial, const QString& label);
  void set_best_count(int k);
  int best_count() const { return best_k_; }
  void set_others(Others mode);
  Others others() const { return others_; }
  // Applies the axis ranges and schedules one repaint for everything appended since the last flush.
  void flush();
  // Fits the axis ranges to the data: the x axis ends at the last point.
  void fit();

  bool has_data() const override;
  int series_count() const;
  // Points of the trial's line drawn so far (after decimation); -1 for an unknown trial.
  int drawn_points(int64_t trial) const;
  // Times a whole cached image was redrawn (for tests and the benchmark).
  int full_redraws() const;
  // What is drawn in full, by role (ascending ids), and how many trials the background summarises.
  std::vector<int64_t> best_trials() const;     // best first
  std::vector<int64_t> running_trials() const;  // running and not among the best K nor selected
  std::vector<int64_t> full_trials() const;     // selected + best K + running
  int background_trials() const;
  const Band& band() const { return band_; }
  // The tooltip text of a trial: its id, role, label and last value.
  QString describe(int64_t trial) const;
  QComboBox* others_box() const { return others_box_; }
  QSpinBox* best_box() const { return best_box_; }

 signals:
  void trial_clicked(int64_t trial);

 protected:
  void showEvent(QShowEvent* e) override;

 private:
  friend class CurveLayer;
  void update_roles();
  void update_series();
  void update_band();
  void apply_ranges(bool exact);
  QLineSeries* make_trial_series(int64_t trial);

  CurveLayer* layer_;
  QValueAxis* x_axis_;
  QValueAxis* y_axis_;
  QComboBox* others_box_;
  QSpinBox* best_box_;
  QLabel* summary_;
  std::map<int64_t, QLineSeries*> series_;  // the best K and the selected trial
  QAreaSeries* band_area_ = nullptr;
  QLineSeries* band_median_ = nullptr;
  Band band_;
  std::vector<int64_t> ranked_;  // the best K, best first
  std::vector<int64_t> legend_order_;  // the trial series as last added to the chart
  Others others_ = Others::Faded;
  int best_k_ = 10;
  bool maximize_ = true;
  bool roles_dirty_ = true, band_dirty_ = true, pending_ = false;
};

}  // namespace tunelab::ui
