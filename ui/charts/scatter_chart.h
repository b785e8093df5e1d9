#pragma once
// ScatterChart: a parameter or metric against another, one point per trial. Log-scaled parameters get
// a log axis; axes have 1-2-5 ticks (core/util/nice_axis.h). Points are coloured by a third column,
// or, given the study, by status (completed, stopped early, errored, still running) or by the
// iterations each trial reached, with a legend; the best trial is marked with a star. Hovering shows
// the trial, its status, iterations and config; clicking selects it.
#include <map>
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
  enum class Colour { Status, Iterations };
  explicit ScatterChart(QWidget* parent = nullptr);
  // Without the study: one colour (or the data's colour column), no best mark.
  void set_data(const ScatterData& input);
  // With the study: colour by `by` unless the data has a colour column, mark the best trial, and say
  // the status, iterations and config of a trial on hover. `note` is added to the title.
  void set_data(const ScatterData& input, const StudySummary& study, Colour by = Colour::Status,
                const QString& note = {});
  void set_selected(std::optional<int64_t> trial);
  bool has_data() const override { return !data_.xs.empty(); }
  bool x_is_log() const { return x_log_; }
  // The trial nearest to a point in chart coordinates (for tooltips and clicks).
  std::optional<size_t> nearest(QPointF value) const;
  // The legend's groups: name -> trial ids, in the order drawn (for tests).
  std::vector<std::pair<QString, std::vector<int64_t>>> groups() const;
  // The colour the point of `trial` is drawn in (invalid for an unknown trial).
  QColor point_color(int64_t trial) const;
  // The trial marked as the best, if drawn.
  std::optional<int64_t> marked_best() const { return marked_best_; }
  QString tooltip(size_t i) const;

 signals:
  void trial_clicked(int64_t trial);

 private:
  struct Info {
    QString status, config;
    int64_t iterations = 0;
  };
  QScatterSeries* add_points(const QString& name, const std::vector<size_t>& rows, const QColor& color);

  ScatterData data_;
  std::map<int64_t, Info> info_;
  std::vector<std::pair<QString, std::vector<int64_t>>> groups_;
  std::map<int64_t, QColor> colors_;
  std::optional<int64_t> marked_best_;
  QScatterSeries* selected_ = nullptr;
  bool x_log_ = false;
};

// The axis a chart column gets: logarithmic for log-scaled parameters (and positive data), on
// decades; else linear with 1-2-5 ticks and a range that fits the data with a small margin.
QAbstractAxis* make_value_axis(const ChartColumn& column, const std::vector<double>& values, bool* is_log = nullptr);
// A linear axis for a sequence (trial number, seconds): it starts on a tick and ends just past the last value (2 %
// of the span), not at the next tick, which could add a third (300 trials on an axis to 400).
QAbstractAxis* make_sequence_axis(const std::string& title, const std::vector<double>& values);

// The scatter with every metric axis (x or y, whichever is not a parameter) replaced by the metric's
// value at iteration n (the last result at or before n), keeping only the trials that reached n.
// `x_curves` / `y_curves`: curve_data of the axis's metric (empty for a parameter axis).
ScatterData value_at_iteration(const ScatterData& data, const std::vector<CurveData>& x_curves,
                               const std::vector<CurveData>& y_curves, double n);

}  // namespace tunelab::ui
