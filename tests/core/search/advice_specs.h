#pragma once
// Spec texts for test_space_advice.cpp (kept out of the moc-processed file).
namespace tunelab::test {

inline const char* kLintSpec = R"({
  "name": "lint", "objective": {"metric": "acc", "mode": "max"},
  "trainable": {"builtin": "synthetic"}, "num_samples": 50,
  "space": {
    "lr": {"type": "float", "low": 1e-4, "high": 1.0},
    "lr_ok": {"type": "float", "low": 1e-4, "high": 1.0, "log": true},
    "narrow": {"type": "float", "low": 0.1, "high": 5.0},
    "units": {"type": "int", "low": 1, "high": 100000},
    "units_log": {"type": "int", "low": 1, "high": 100000, "log": true},
    "opt": {"choice": ["sgd", "adam"]},
    "momentum": {"type": "float", "low": 0, "high": 1, "step": 0.1, "when": {"opt": "sgd"}},
    "nesterov": {"type": "choice", "values": [true, false], "when": {"opt": "adam", "momentum": 0.5}},
    "dampening": {"type": "float", "low": 0, "high": 1, "when": {"nesterov": true}},
    "beta": {"type": "float", "low": 0, "high": 1},
    "gamma": {"type": "float", "low": 0, "high": 1, "when": {"beta": 0.5}},
    "depth": {"grid_search": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]},
    "width": {"grid_search": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21]}
  }
})";

inline const char* kCleanSpec = R"({
  "name": "clean", "objective": {"metric": "acc", "mode": "max"},
  "trainable": {"builtin": "synthetic"}, "num_samples": 50,
  "space": {"lr": {"loguniform": [1e-4, 1e-1]}, "layers": {"type": "int", "low": 1, "high": 8},
            "opt": {"choice": ["sgd", "adam"]},
            "momentum": {"type": "float", "low": 0, "high": 1, "when": {"opt": "sgd"}}}
})";

inline const char* kMultiSpec = R"({
  "name": "mo", "trainable": {"builtin": "synthetic"}, "search": {"type": "nsga2"},
  "objective": [{"metric": "acc", "mode": "max"}, {"metric": "latency", "mode": "min"}],
  "space": {"x": {"type": "float", "low": 0, "high": 1}}
})";

inline const char* kRefineSpec = R"({
  "name": "r", "objective": {"metric": "loss", "mode": "min"}, "trainable": {"builtin": "synthetic"},
  "space": {"lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": true},
            "units": {"type": "int", "low": 8, "high": 512, "step": 8},
            "opt": {"choice": ["sgd", "adam", "rmsprop"]},
            "momentum": {"type": "float", "low": 0, "high": 0.99, "when": {"opt": "sgd"}}}
})";

}  // namespace tunelab::test
