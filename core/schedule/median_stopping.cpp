#include "core/schedule/median_stopping.h"

#include <cmath>

#include "core/schedule/decision_util.h"

namespace tunelab {

void MedianStoppingRule::on_trial_add(const TrialSnapshot& trial) {
  auto& h = trials_[trial.id];
  h.waiting = trial.status == TrialStatus::Pending;
}

void MedianStoppingRule::on_complete(const TrialSnapshot& trial) {
  auto& h = trials_[trial.id];
  h.finished = true;
  h.waiting = false;
}

double MedianStoppingRule::running_mean(const History& h, double time) const {
  std::vector<double> xs;
  for (const auto& p : h.points) {
    if (p.time >= o_.grace_period && p.time <= time && !std::isnan(p.value)) xs.push_back(p.value);
  }
  return mean_of(xs);  // NaN when there is none
}

Decision MedianStoppingRule::on_result(const TrialSnapshot& trial, const Json& result) {
  const MetricRead t = read_metric(result, o_.time_attr);
  const MetricRead v = read_metric(result, metric_);
  if (!t.ok() || v.state == MetricRead::State::Missing) return Decision::keep_going();
  const double time = t.value;
  const double sign = maximize_ ? 1 : -1;
  auto& h = trials_[trial.id];
  if (h.waiting) {  // its first result since it started
    h.waiting = false;
    h.slice_start = time;
  }
  h.points.push_back({time, v.ok() ? sign * v.value : std::nan("")});
  h.last_time = time;
  const std::string id = std::to_string(trial.id);
  // As Ray: a trial paused by the rule (hard_stop false) and resumed later runs on, judged no more.
  if (stopped_.count(trial.id)) return Decision::keep_going();
  if (time < o_.grace_period) return Decision::keep_going();

  std::vector<double> means;
  for (const auto& [other, oh] : trials_) {
    if (other == trial.id || oh.points.empty() || oh.last_time < time) continue;
    const double m = running_mean(oh, time);
    if (!std::isnan(m)) means.push_back(m);
  }
  if (static_cast<int64_t>(means.size()) < o_.min_samples_required) {
    bool someone_waits = false;
    for (const auto& [other, oh] : trials_) someone_waits = someone_waits || (other != trial.id && oh.waiting);
    if (o_.min_time_slice > 0 && someone_waits && time - h.slice_start >= o_.min_time_slice) {
      h.waiting = true;  // it waits now; its next result starts a new slice
      return Decision::pause("median stopping paused trial " + id + " at " + o_.time_attr + " " + fmt_num(time) +
                                 " to let a waiting trial run: only " + std::to_string(means.size()) +
                                 " other trials to compare with (min_samples_required " +
                                 std::to_string(o_.min_samples_required) + ")",
                             {{"time", time}, {"trials_compared", means.size()}, {"min_time_slice", o_.min_time_slice}});
    }
    return Decision::keep_going();
  }
  double best = std::nan("");
  for (const auto& p : h.points) {
    if (!std::isnan(p.value) && (std::isnan(best) || p.value > best)) best = p.value;
  }
  const double median = *quantile_linear(means, 0.5);
  if (std::isnan(best) || best < median) {
    stopped_.insert(trial.id);
    const std::string what = std::isnan(best) ? metric_ + " has no value but NaN"
                                              : "best " + metric_ + " " + fmt_num(sign * best) +
                                                    (maximize_ ? " < " : " > ") + "median " + fmt_num(sign * median);
    const std::string why = "median stopping " + std::string(o_.hard_stop ? "stopped" : "paused") + " trial " + id +
                            " at " + o_.time_attr + " " + fmt_num(time) + ": " + what + " of " +
                            std::to_string(means.size()) + " other trials' running means";
    Json details = {{"time", time},
                    {"best", json_num(sign * best)},
                    {"median", sign * median},
                    {"trials_compared", means.size()}};
    return o_.hard_stop ? Decision::stop(why, std::move(details)) : Decision::pause(why, std::move(details));
  }
  return Decision::keep_going();
}

std::optional<int64_t> MedianStoppingRule::choose_trial_to_run(const std::vector<TrialSnapshot>& waiting) {
  // Pending trials first; trials it paused run again only when no new trial waits.
  std::optional<int64_t> best;
  bool best_pending = false;
  for (const auto& t : waiting) {
    const bool pending = t.status == TrialStatus::Pending;
    if (!best || (pending && !best_pending) || (pending == best_pending && t.id < *best)) {
      best = t.id;
      best_pending = pending;
    }
  }
  return best;
}

}  // namespace tunelab
