#pragma once
// ParallelCoordinates: a custom-painted chart with one vertical axis per column (parameters, then the
// objective) and one line per trial, coloured by the objective. Dragging along an axis brushes a range;
// trials outside any brush fade, and `brushed` tells which trials pass (the trial table filters on it).
// A click on an axis without dragging clears its brush. Axis names and tick values are laid out from
// the font's metrics so that none overlaps another and none is clipped: names are staggered on two
// rows and then elided when the axes are close, ticks are 1-2-5 values (core/util/nice_axis.h), fewer
// on a short widget, and the margins fit the outermost labels.
#include <QWidget>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/analysis/chart_data.h"

namespace tunelab::ui {

class ParallelCoordinates final : public QWidget {
  Q_OBJECT
 public:
  explicit ParallelCoordinates(QWidget* parent = nullptr);
  // Columns: the study's parameters and the objective; values from core/analysis column_value.
  void set_summary(const StudySummary& summary);
  // Brushes a range of axis `column` in data units (what a drag does); nullopt clears it.
  void set_brush(size_t column, std::optional<std::pair<double, double>> range);
  std::optional<std::set<int64_t>> passing() const;
  size_t column_count() const { return columns_.size(); }
  bool has_data() const { return !ids_.empty(); }
  // Every text drawn (axis names, then tick values) and its rectangle, at the widget's current size.
  struct Label {
    QString text;
    QRectF rect;
    bool is_name = false;
  };
  std::vector<Label> labels() const;

 signals:
  void brushed(const std::optional<std::set<int64_t>>& ids);

 protected:
  void paintEvent(QPaintEvent* e) override;
  void resizeEvent(QResizeEvent* e) override;
  bool event(QEvent* e) override;
  void changeEvent(QEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;

 private:
  double axis_x(size_t column) const;
  double to_unit(size_t column, double v) const;     // 0 at the bottom, 1 at the top
  double from_unit(size_t column, double u) const;
  QRectF plot_rect() const;
  struct Tick {
    double unit;   // 0 at the bottom, 1 at the top
    Label label;
  };
  struct Layout {
    QRectF plot;
    std::vector<Label> names;               // per column
    std::vector<std::vector<Tick>> ticks;   // per column
  };
  const Layout& layout() const;
  Layout compute_layout() const;
  mutable std::optional<Layout> layout_;

  std::vector<ChartColumn> columns_;
  std::vector<std::pair<double, double>> ranges_;    // per column, min and max
  std::vector<std::vector<QString>> choices_;        // per column: a choice's values (its ticks), else empty
  std::vector<int64_t> ids_;
  std::vector<std::vector<double>> values_;          // per trial, per column (NaN: none)
  std::vector<double> color_;                        // per trial, objective in [0, 1]
  std::map<size_t, std::pair<double, double>> brushes_;
  std::optional<size_t> drag_column_;
  double drag_start_ = 0, drag_now_ = 0;
};

}  // namespace tunelab::ui
