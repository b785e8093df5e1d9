#pragma once
// The spec's "stop" block applied to each result: a trial ends (as completed) when it reaches
// stop.training_iteration, or when a metric reaches its threshold. Thresholds follow Ray Tune
// (result >= threshold), except for the objective metric in "min" mode, which stops at <= threshold.
#include <map>
#include <optional>
#include <string>

#include "core/schedule/scheduler.h"
#include "core/util/json.h"

namespace tunelab {

struct StopCriteria {
  std::optional<int64_t> training_iteration;
  std::map<std::string, double> thresholds;  // metric -> threshold
  std::optional<double> time_budget_s;       // whole study, checked by the controller

  // Decision::complete with the reason when the trial reached a criterion with this result, else Continue.
  Decision check(const Json& result, const std::string& objective_metric, bool maximize) const;
};

}  // namespace tunelab
