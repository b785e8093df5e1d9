#include "core/search/wrappers.h"

#include <numeric>

namespace tunelab {

Suggestion PointsToEvaluate::suggest(int64_t trial_id) {
  const int64_t i = own_index(trial_id);
  if (i >= 0 && static_cast<size_t>(i) < points_.size()) return Suggestion::of(points_[static_cast<size_t>(i)]);
  return inner_->suggest(trial_id);
}

int64_t PointsToEvaluate::total_trials() const {
  const int64_t inner = inner_->total_trials();
  return inner < 0 ? inner : std::max<int64_t>(inner, static_cast<int64_t>(points_.size()));
}

Suggestion ConcurrencyLimiter::suggest(int64_t trial_id) {
  if (static_cast<int64_t>(live_.size()) >= max_) return Suggestion::wait();
  Suggestion s = inner_->suggest(trial_id);
  if (s.kind == Suggestion::Kind::Config) live_[trial_id] = true;
  return s;
}

void ConcurrencyLimiter::on_complete(const TrialSnapshot& t) {
  live_.erase(t.id);
  inner_->on_complete(t);
}

Suggestion Repeater::suggest(int64_t trial_id) {
  const int64_t own = own_index(trial_id);
  const int64_t g = own / k_;
  auto it = groups_.find(g);
  if (it == groups_.end() || it->second.config.is_null()) {
    // The first of a group (or, after a resume, a later one whose group's start is unknown).
    Suggestion s = inner_->suggest(g);
    if (s.kind != Suggestion::Kind::Config) return s;
    groups_[g].config = s.config;
    it = groups_.find(g);
  }
  Json c = it->second.config;
  c[kIndexKey] = own % k_;
  return Suggestion::of(std::move(c));
}

void Repeater::on_complete(const TrialSnapshot& t) {
  if (is_external(t.id)) return;  // added by hand: not one of the repeated configs
  const int64_t g = own_index(t.id) / k_;
  Group& grp = groups_[g];
  if (grp.config.is_null()) {
    grp.config = t.config;
    if (grp.config.is_object()) grp.config.erase(kIndexKey);
  }
  ++grp.finished;
  std::optional<double> v;
  if (t.last_result.is_object() && t.last_result.contains(metric_) && t.last_result[metric_].is_number()) {
    v = t.last_result[metric_].get<double>();
  } else if (t.last_objective) {
    v = t.last_objective;
  }
  if (t.status == TrialStatus::Error || !v) ++grp.errors;
  else grp.values.push_back(*v);
  if (grp.finished < k_) return;
  // All k runs ended: the inner searcher sees one trial, the config with the mean value.
  TrialSnapshot s = t;
  s.id = g;
  s.config = grp.config;
  s.iteration = t.iteration;
  if (grp.values.empty()) {
    s.status = TrialStatus::Error;
    s.last_objective.reset();
    s.best_objective.reset();
    s.last_result = Json();
  } else {
    const double mean = std::accumulate(grp.values.begin(), grp.values.end(), 0.0) / static_cast<double>(grp.values.size());
    s.status = TrialStatus::Completed;
    s.last_objective = mean;
    s.best_objective = mean;
    s.last_result = Json{{metric_, mean}, {"training_iteration", t.iteration}};
  }
  inner_->on_complete(s);
}

int64_t Repeater::total_trials() const {
  const int64_t inner = inner_->total_trials();
  return inner < 0 ? inner : inner * k_;
}

}  // namespace tunelab
