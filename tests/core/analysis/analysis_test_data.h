#pragma once
// JSON texts for the analysis tests (kept out of the Q_OBJECT files: moc cannot read raw strings).
namespace tunelab::test_data {

inline constexpr const char* kImportanceSpace = R"({
  "lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": true},
  "noise": {"type": "float", "low": 0, "high": 1},
  "act": {"type": "choice", "values": ["relu", "tanh"]}})";

inline constexpr const char* kConditionalSpace = R"({
  "opt": {"type": "choice", "values": ["sgd", "adam"]},
  "momentum": {"type": "float", "low": 0, "high": 1, "when": {"opt": "sgd"}}})";

inline constexpr const char* kUnitSpace = R"({"x": {"type": "float", "low": 0, "high": 1}})";

inline constexpr const char* kChartSpec = R"({"space": {
  "lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": true},
  "units": {"type": "int", "low": 8, "high": 64},
  "act": {"type": "choice", "values": ["relu", "tanh"]},
  "fixed": 3}})";

struct ConfigCase {
  const char* name;
  const char* config;
  const char* python;
  const char* cli;
};
inline constexpr ConfigCase kConfigCases[] = {
    {"flat", R"({"lr": 0.001, "units": 64})", R"({"lr": 0.001, "units": 64})", "--lr 0.001 --units 64"},
    {"bool null string", R"({"bn": true, "x": null, "act": "relu"})", R"({"bn": True, "x": None, "act": "relu"})",
     "--bn true --x null --act relu"},
    {"nested, quoting", R"({"model": {"depth": 3, "name": "a b"}})", R"({"model": {"depth": 3, "name": "a b"}})",
     "--model.depth 3 --model.name 'a b'"},
};

}  // namespace tunelab::test_data
