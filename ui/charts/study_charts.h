#pragma once
// The analysis charts that redraw from scratch (their data is small): Pareto front, optimisation
// history, parameter importance, and the machine-load panel. Data comes from core/analysis.
#include <deque>

#include "core/analysis/chart_data.h"
#include "ui/charts/chart_panel.h"

namespace tunelab::ui {

// Dominated trials faded, the front highlighted and joined by a line.
class ParetoChart final : public ChartPanel {
  Q_OBJECT
 public:
  explicit ParetoChart(QWidget* parent = nullptr);
  void set_data(const ParetoData& input);
  bool has_data() const override { return !data_.xs.empty(); }
  const ParetoData& data() const { return data_; }

 private:
  ParetoData data_;
};

// Each trial's objective value and the best so far, against trial number or time.
class HistoryChart final : public ChartPanel {
  Q_OBJECT
 public:
  explicit HistoryChart(QWidget* parent = nullptr);
  void set_data(const HistoryData& input, const QString& metric);
  bool has_data() const override { return !data_.xs.empty(); }

 private:
  HistoryData data_;
};

// Horizontal bars, most important parameter on top.
class ImportanceChart final : public ChartPanel {
  Q_OBJECT
 public:
  explicit ImportanceChart(QWidget* parent = nullptr);
  void set_data(const std::vector<ParamImportance>& input);
  bool has_data() const override { return !data_.empty(); }

 private:
  std::vector<ParamImportance> data_;
};

// CPU and memory use of the machine over the last minutes, in percent.
class LoadChart final : public ChartPanel {
  Q_OBJECT
 public:
  explicit LoadChart(QWidget* parent = nullptr);
  void add_sample(double t_s, double cpu_percent, double memory_percent);
  bool has_data() const override { return !samples_.empty(); }

 private:
  struct Sample {
    double t, cpu, mem;
  };
  std::deque<Sample> samples_;
};

}  // namespace tunelab::ui
