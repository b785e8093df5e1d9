#pragma once
// Small helpers shared by the schedulers, pruners and stoppers: reading a metric from a result,
// quantiles as numpy computes them, and numbers written for people in decision reasons.
#include <optional>
#include <string>
#include <vector>

#include "core/util/json.h"

namespace tunelab {

// A metric as found in one result. Reports carry NaN and infinities as null (the Python client
// converts them), so null counts as NaN; an absent key or a non-numeric value counts as missing.
struct MetricRead {
  enum class State { Missing, NaN, Value };
  State state = State::Missing;
  double value = 0;  // valid when state == Value
  // The result has the key, whatever its value: a string is Missing for judging, but it was reported, so a
  // time limit (max_t) applies to it as Ray applies it.
  bool present = false;

  bool ok() const { return state == State::Value; }
  bool nan() const { return state == State::NaN; }
};
MetricRead read_metric(const Json& result, const std::string& name);

// The q-quantile (0 <= q <= 1) with linear interpolation between closest ranks, as numpy.quantile's
// default; nullopt for no values. `values` need not be sorted.
std::optional<double> quantile_linear(std::vector<double> values, double q);
double mean_of(const std::vector<double>& values);
// Population standard deviation (numpy.std's default, ddof = 0).
double std_of(const std::vector<double>& values);

// A number for a reason text: up to 4 significant digits (%.4g), "NaN" for NaN.
std::string fmt_num(double v);
// A JSON number, or null for NaN and infinities (JSON has neither).
Json json_num(double v);

}  // namespace tunelab
