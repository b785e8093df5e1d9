#include "core/schedule/stop_criteria.h"

namespace tunelab {

Decision StopCriteria::check(const Json& result, const std::string& objective_metric, bool maximize) const {
  if (training_iteration && result.contains("training_iteration") && result["training_iteration"].is_number() &&
      result["training_iteration"].get<double>() >= static_cast<double>(*training_iteration)) {
    return Decision::complete("reached training_iteration " + std::to_string(*training_iteration),
                              {{"training_iteration", *training_iteration}});
  }
  for (const auto& [metric, threshold] : thresholds) {
    if (!result.contains(metric) || !result[metric].is_number()) continue;
    const double v = result[metric].get<double>();
    const bool lower_is_better = metric == objective_metric && !maximize;
    if (lower_is_better ? v <= threshold : v >= threshold) {
      return Decision::complete(metric + " reached " + dump_compact(Json(v)) + (lower_is_better ? " <= " : " >= ") +
                                    dump_compact(Json(threshold)),
                                {{"metric", metric}, {"value", v}, {"threshold", threshold}});
    }
  }
  return Decision::keep_going();
}

}  // namespace tunelab
