#pragma once
// Specs for test_search_cli.cpp (kept out of the moc-processed file).
namespace tunelab::test {

inline const char* kTwoObjectiveSpec = R"({
  "name": "two", "objective": [{"metric": "score", "mode": "max"}, {"metric": "time_total_s", "mode": "min"}],
  "space": {"x": {"type": "float", "low": 0, "high": 1}, "iterations": 2},
  "trainable": {"builtin": "synthetic"}, "search": {"type": "nsga2", "population_size": 4},
  "num_samples": 10, "resources_per_trial": {"cpu": 0.25}, "seed": 4
})";

inline const char* kTpeSpec = R"({
  "name": "tpe", "objective": {"metric": "score", "mode": "max"},
  "space": {"x": {"type": "float", "low": 0.001, "high": 1}, "iterations": 2},
  "trainable": {"builtin": "synthetic"}, "search": {"type": "tpe", "n_startup_trials": 4},
  "num_samples": 10, "resources_per_trial": {"cpu": 0.25}, "seed": 4
})";

}  // namespace tunelab::test
