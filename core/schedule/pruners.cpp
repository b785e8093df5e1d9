#include "core/schedule/pruners.h"

#include <cmath>

#include "core/schedule/decision_util.h"

namespace tunelab {

bool first_in_interval_step(double step, const std::set<double>& earlier_steps, int64_t n_warmup_steps,
                            int64_t interval_steps) {
  const auto warm = static_cast<double>(n_warmup_steps), interval = static_cast<double>(std::max<int64_t>(1, interval_steps));
  const double nearest_lower = std::floor((step - warm) / interval) * interval + warm;
  double previous = -1;
  for (double s : earlier_steps) {
    if (s < step) previous = std::max(previous, s);
  }
  return previous < nearest_lower;
}

void PercentilePruner::on_complete(const TrialSnapshot& trial) {
  if (trial.status == TrialStatus::Completed) completed_.insert(trial.id);
}

Decision PercentilePruner::on_result(const TrialSnapshot& trial, const Json& result) {
  const MetricRead t = read_metric(result, o_.time_attr);
  const MetricRead v = read_metric(result, metric_);
  if (!t.ok() || v.state == MetricRead::State::Missing) return Decision::keep_going();
  const double step = t.value;
  auto& mine = values_[trial.id];
  std::set<double> earlier;
  for (const auto& [s, x] : mine) earlier.insert(s);
  mine[step] = v.ok() ? v.value : std::nan("");
  if (static_cast<int64_t>(completed_.size()) < std::max<int64_t>(1, o_.n_startup_trials)) return Decision::keep_going();
  if (step < static_cast<double>(o_.n_warmup_steps)) return Decision::keep_going();
  if (!first_in_interval_step(step, earlier, o_.n_warmup_steps, o_.interval_steps)) return Decision::keep_going();

  double best = std::nan("");
  for (const auto& [s, x] : mine) {
    if (!std::isnan(x) && (std::isnan(best) || (maximize_ ? x > best : x < best))) best = x;
  }
  const std::string id = std::to_string(trial.id);
  const std::string where = "percentile pruner stopped trial " + id + " at " + o_.time_attr + " " + fmt_num(step) + ": ";
  if (std::isnan(best)) {
    return Decision::stop(where + metric_ + " has only NaN values", {{"step", step}, {"best", nullptr}});
  }
  std::vector<double> others;
  for (int64_t c : completed_) {
    const auto it = values_.find(c);
    if (it == values_.end()) continue;
    const auto at = it->second.find(step);
    if (at != it->second.end() && !std::isnan(at->second)) others.push_back(at->second);
  }
  if (static_cast<int64_t>(others.size()) < o_.n_min_trials) return Decision::keep_going();
  // Optuna: in max mode the cutoff is the (100 - percentile)th percentile, so that percentile 25 keeps the top 25%.
  const double q = (maximize_ ? 100 - o_.percentile : o_.percentile) / 100;
  const double cutoff = *quantile_linear(others, q);
  if (maximize_ ? best < cutoff : best > cutoff) {
    return Decision::stop(where + "best " + metric_ + " " + fmt_num(best) + (maximize_ ? " < " : " > ") +
                              fmt_num(o_.percentile) + "th percentile " + fmt_num(cutoff) + " of " +
                              std::to_string(others.size()) + " completed trials at this step",
                          {{"step", step}, {"best", best}, {"cutoff", cutoff}, {"percentile", o_.percentile},
                           {"trials_at_step", others.size()}});
  }
  return Decision::keep_going();
}

Decision ThresholdPruner::on_result(const TrialSnapshot& trial, const Json& result) {
  const MetricRead t = read_metric(result, o_.time_attr);
  const MetricRead v = read_metric(result, metric_);
  if (!t.ok() || v.state == MetricRead::State::Missing) return Decision::keep_going();
  const double step = t.value;
  auto& steps = steps_[trial.id];
  const std::set<double> earlier = steps;
  steps.insert(step);
  if (step < static_cast<double>(o_.n_warmup_steps)) return Decision::keep_going();
  if (!first_in_interval_step(step, earlier, o_.n_warmup_steps, o_.interval_steps)) return Decision::keep_going();
  const std::string where = "threshold pruner stopped trial " + std::to_string(trial.id) + " at " + o_.time_attr +
                            " " + fmt_num(step) + ": " + metric_ + " ";
  if (v.nan()) return Decision::stop(where + "is NaN", {{"step", step}, {"value", nullptr}});
  if (o_.lower && v.value < *o_.lower) {
    return Decision::stop(where + fmt_num(v.value) + " < lower " + fmt_num(*o_.lower),
                          {{"step", step}, {"value", v.value}, {"lower", *o_.lower}});
  }
  if (o_.upper && v.value > *o_.upper) {
    return Decision::stop(where + fmt_num(v.value) + " > upper " + fmt_num(*o_.upper),
                          {{"step", step}, {"value", v.value}, {"upper", *o_.upper}});
  }
  return Decision::keep_going();
}

}  // namespace tunelab
