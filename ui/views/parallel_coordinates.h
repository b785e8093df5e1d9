#pragma once
// ParallelCoordinates: a custom-painted chart with one vertical axis per column (parameters, then the
// objective) and one line per trial, coloured by the objective. Dragging along an axis brushes a range;
// trials outside any brush fade, and `brushed` tells which trials pass (the trial table filters on it).
// A click on an axis without dragging clears its brush.
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

 signals:
  void brushed(const std::optional<std::set<int64_t>>& ids);

 protected:
  void paintEvent(QPaintEvent* e) override;
  void mousePressEvent(QMouseEvent* e) override;
  void mouseMoveEvent(QMouseEvent* e) override;
  void mouseReleaseEvent(QMouseEvent* e) override;

 private:
  double axis_x(size_t column) const;
  double to_unit(size_t column, double v) const;     // 0 at the bottom, 1 at the top
  double from_unit(size_t column, double u) const;
  QRectF plot_rect() const;

  std::vector<ChartColumn> columns_;
  std::vector<std::pair<double, double>> ranges_;    // per column, min and max
  std::vector<int64_t> ids_;
  std::vector<std::vector<double>> values_;          // per trial, per column (NaN: none)
  std::vector<double> color_;                        // per trial, objective in [0, 1]
  std::map<size_t, std::pair<double, double>> brushes_;
  std::optional<size_t> drag_column_;
  double drag_start_ = 0, drag_now_ = 0;
};

}  // namespace tunelab::ui
