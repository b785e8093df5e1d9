#pragma once
// The data behind the workbench's charts and `tunelab plot`: computed here, drawn by ui/charts.
// Nothing here draws. Every function reads a StudySummary (core/analysis/summary.h).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/analysis/importance.h"
#include "core/analysis/summary.h"
#include "core/util/pareto.h"

namespace tunelab {

// A column a chart can plot: a parameter ("lr", "model.depth") or a reported metric ("accuracy").
struct ChartColumn {
  std::string name;
  bool is_param = false;
  bool log = false;         // a log-scaled parameter: plot it on a log axis
  bool numeric = true;      // false for choices of strings (plotted by their index)
};

// Parameters of the study's space (constants left out), then the numeric metrics its trials report
// (training_iteration, time_total_s and the like last).
std::vector<ChartColumn> chart_columns(const StudySummary& s);

// The value of `column` for one trial: a parameter's value (a choice's index when not a number), or a
// metric from the trial's best result for the objective metric and from its last result otherwise.
std::optional<double> column_value(const StudySummary& s, const TrialSummary& t, const ChartColumn& column);
std::optional<ChartColumn> find_column(const StudySummary& s, const std::string& name);

// One point per trial that has both values (and the colour value when a colour column is given).
struct ScatterData {
  ChartColumn x, y;
  std::optional<ChartColumn> color;
  std::vector<int64_t> trial_ids;
  std::vector<double> xs, ys, colors;  // colors is empty without a colour column
};
Result<ScatterData> scatter_data(const StudySummary& s, const std::string& x, const std::string& y,
                                 const std::string& color = "");

// The Pareto front of two metrics with the given senses.
struct ParetoData {
  ChartColumn x, y;
  Sense x_sense = Sense::Maximize, y_sense = Sense::Maximize;
  std::vector<int64_t> trial_ids;
  std::vector<double> xs, ys;
  std::vector<bool> on_front;
  std::vector<size_t> front;  // indices on the front, sorted by x
};
Result<ParetoData> pareto_data(const StudySummary& s, const std::string& x, Sense x_sense, const std::string& y,
                               Sense y_sense);

// Optimisation history: each finished-or-reporting trial's objective value in order of creation (or of
// its first start, when by_time) and the best value so far.
struct HistoryData {
  bool by_time = false;
  std::vector<int64_t> trial_ids;
  std::vector<double> xs;       // trial number (1-based) or seconds since the study was created
  std::vector<double> values;   // the trial's best objective value
  std::vector<double> best;     // best so far, in the study's mode
};
HistoryData history_data(const StudySummary& s, bool by_time = false);

// Learning curves: per trial, the metric against training_iteration (or time_total_s).
struct CurveData {
  int64_t trial_id = 0;
  TrialStatus status = TrialStatus::Pending;
  std::vector<double> xs, ys;
};
Result<std::vector<CurveData>> curve_data(const Store& store, const StudySummary& s, const std::string& metric,
                                          bool by_time = false);

// Importance of each parameter for the objective (core/analysis/importance.h).
Result<std::vector<ParamImportance>> importance_data(const StudySummary& s);

// Decimation for drawing: indices of the points to keep so that a series covering `buckets` pixels
// keeps, per pixel column, its first, minimum, maximum and last point (in x order). Series with at
// most 4 * buckets points are kept whole. `xs` must be ascending.
std::vector<size_t> decimate_min_max(const std::vector<double>& xs, const std::vector<double>& ys, int buckets);

}  // namespace tunelab
