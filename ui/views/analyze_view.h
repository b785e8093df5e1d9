#pragma once
// AnalyzeView: charts of a study read back from its store (core/analysis computes, ui/charts draws):
// scatter, Pareto front, history, parallel coordinates and importance; copy the best config; export
// any chart (PNG/SVG) and the trial table (CSV). It reads the store again while visible when the
// database changed, at most every two seconds.
#include <QElapsedTimer>
#include <QTimer>
#include <QWidget>

#include <memory>
#include <optional>
#include <set>

#include "core/analysis/summary.h"

class QComboBox;
class QLabel;
class QSpinBox;
class QTabWidget;

namespace tunelab::ui {

class HistoryChart;
class ImportanceChart;
class ParallelCoordinates;
class ParetoChart;
class ScatterChart;

class AnalyzeView final : public QWidget {
  Q_OBJECT
 public:
  explicit AnalyzeView(QWidget* parent = nullptr);
  ~AnalyzeView() override;

  // The study to analyse (read-only); empty clears.
  void set_database(const QString& db_path);
  // Reads the store and redraws now. While the view is visible, a study that changed is read again every 2 s, or
  // every ten times what the last reading took when that is longer (at most a minute): summarising a study of
  // millions of results takes a while, and the view must not spend the window's time doing nothing else.
  void refresh();
  static qint64 refresh_interval_ms(qint64 last_refresh_cost_ms);
  void set_selected(std::optional<int64_t> trial);

  ScatterChart* scatter() const { return scatter_; }
  ParetoChart* pareto() const { return pareto_; }
  ParallelCoordinates* parallel() const { return parallel_; }
  QComboBox* x_box() const { return x_; }
  QComboBox* y_box() const { return y_; }
  QComboBox* color_box() const { return color_; }
  // The scatter's "value at iteration N" (0: each trial's value as summarised, its best result).
  QSpinBox* at_iteration_box() const { return at_iteration_; }
  QTabWidget* tabs() const { return tabs_; }
  const std::optional<StudySummary>& summary() const { return summary_; }
  // The text a copy of the best config puts on the clipboard: "json", "python" or "cli".
  QString best_config_text(const QString& format) const;
  // Exports the visible chart / the trial table. Error text, empty on success.
  QString export_chart(const QString& path, QSize size = {});
  QString export_table_csv(const QString& path) const;

 signals:
  void trial_selected(int64_t id);
  void brushed(const std::optional<std::set<int64_t>>& ids);

 protected:
  void showEvent(QShowEvent* e) override;
  void hideEvent(QHideEvent* e) override;

 private:
  void fill_columns();
  void redraw();
  void copy_best(const QString& format);
  qint64 stamp() const;

  QString db_path_;
  std::optional<StudySummary> summary_;
  qint64 last_stamp_ = -1;
  qint64 refresh_cost_ms_ = 0;
  QElapsedTimer since_refresh_;
  QTimer timer_;
  QComboBox* x_;
  QComboBox* y_;
  QComboBox* color_;
  QComboBox* x_mode_;
  QComboBox* y_mode_;
  QSpinBox* at_iteration_;
  QLabel* status_;
  QTabWidget* tabs_;
  ScatterChart* scatter_;
  ParetoChart* pareto_;
  HistoryChart* history_;
  ParallelCoordinates* parallel_;
  ImportanceChart* importance_;
};

}  // namespace tunelab::ui
