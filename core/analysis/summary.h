#pragma once
// A study read back from its store: per-trial last and best results, the best trial, and the
// flat tables `tunelab show` and `tunelab export` print. Data only; nothing here draws or prints.
#include <optional>
#include <string>
#include <vector>

#include "core/analysis/table_io.h"
#include "core/gpu/energy.h"
#include "core/search/searcher.h"
#include "core/store/store.h"
#include "core/study/spec.h"

namespace tunelab {

struct TrialSummary {
  TrialRecord rec;
  int64_t iterations = 0;   // results stored
  Json last;                // last result, or null
  Json best;                // result with the best objective value, or null
  std::optional<double> best_value;
  std::optional<TrialGpuRecord> gpu;  // its GPU use, when it had a GPU
  bool pareto_optimal = false;  // several objectives: on the Pareto front of the last results
};

struct StudySummary {
  StudyRecord study;
  Objective objective;
  std::vector<Objective> objectives;  // every objective (one unless the spec lists several)
  std::vector<TrialSummary> trials;
  std::vector<int64_t> pareto_front;  // several objectives: ids of the non-dominated trials
  std::optional<int64_t> best_trial;
  int64_t total_trials = -1;  // what the study will run in all, when known
  std::vector<DecisionRecord> decisions;  // every stop, pause and exploit, with its reason, in order
  std::optional<gpu::EnergyReport> energy;  // when trials used GPUs (grid intensity: TUNELAB_GRID_INTENSITY)
};

// Recomputes s.energy with another grid intensity (g CO2 per kWh), e.g. from `--grid-intensity`.
void set_grid_intensity(StudySummary& s, double g_per_kwh);

// Reads everything from the store (a read-only store works).
Result<StudySummary> summarize(const Store& store);

// Several objectives: the ids of the trials whose last results are non-dominated, ascending. A trial
// counts when its last result has every objective metric. O(n log n) for two objectives.
std::vector<int64_t> pareto_optimal_trials(const std::vector<Objective>& objectives, const std::vector<TrialSummary>& trials);
// The same from (trial id, last result) pairs.
std::vector<int64_t> pareto_optimal_ids(const std::vector<Objective>& objectives,
                                        const std::vector<std::pair<int64_t, const Json*>>& last_results);

// The `tunelab show --json` document:
// {"study": {...}, "best_trial": id|null, "trials": [{"id", "status", "config", "iterations", "last", "best", ...}]}
Json show_json(const StudySummary& s);

// Flattens nested objects into dotted keys: {"a": {"b": 1}} -> {"a.b": 1}. A key that comes again ({"a": {"b": 1},
// "a.b": 2}) keeps its first place and takes the last value; `collided`, when given, receives such keys.
Json flatten_json(const Json& j, const std::string& prefix = "", std::vector<std::string>* collided = nullptr);

// Metric columns never take the name of a fixed column or start with "config.": such a metric ("config.x", or a
// nested {"config": {"x": ...}}) is exported as "metric.config.x" (more "metric." prefixes until the name is free).
// One row per trial: id, status, iterations, runtime, config.*, then the last result's metrics,
// then best_<objective>, error, and gpu_seconds, gpu_peak_memory_mb, energy_j (and co2_g with a grid
// intensity) when trials used GPUs.
Table trials_table(const StudySummary& s);
// One row per stored result of each trial's current curve: trial_id, iteration, time_total_s, ts, config.*,
// metrics. With attempts, also the results of abandoned attempts, and after iteration the columns attempt
// (null for results stored before attempts were recorded) and superseded (true for an abandoned attempt's).
Result<Table> results_table(const Store& store, const StudySummary& s, bool with_attempts = false);
// The same table a row at a time, holding none of the results (two passes over the store: the columns, then the
// rows); its notes are added to `notes` before the first row.
Status stream_results_table(const Store& store, const StudySummary& s, bool with_attempts, TableSink& sink,
                            std::vector<std::string>& notes);

}  // namespace tunelab
