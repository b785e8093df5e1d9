#include "ui/models/study_state.h"

#include <cmath>
#include <limits>

#include "core/analysis/summary.h"
#include "core/run/progress.h"

namespace tunelab::ui {

void StudyState::reset(const Objective& objective, std::vector<std::string> param_names) {
  *this = StudyState();
  objective_ = objective;
  param_names_ = std::move(param_names);
}

std::optional<size_t> StudyState::index_of(int64_t id) const {
  auto it = index_.find(id);
  return it == index_.end() ? std::nullopt : std::optional(it->second);
}

size_t StudyState::index_for(int64_t id, StudyDelta& delta) {
  if (auto it = index_.find(id); it != index_.end()) return it->second;
  const size_t i = trials_.size();
  index_[id] = i;
  trials_.push_back(TrialData{});
  trials_.back().id = id;
  count_trial(counts_, TrialStatus::Pending);
  ++counts_.created;
  delta.added.push_back(i);
  return i;
}

void StudyState::set_status(TrialData& t, TrialStatus s) {
  count_trial(counts_, t.status, -1);
  count_trial(counts_, s);
  t.status = s;
}

void StudyState::rewind(size_t i, int64_t iteration, StudyDelta& delta) {
  TrialData& t = trials_[i];
  size_t keep = 0;
  while (keep < t.iterations.size() && t.iterations[keep] <= static_cast<double>(iteration)) ++keep;
  if (keep == t.iterations.size()) return;
  t.iterations.resize(keep);
  t.times.resize(keep);
  for (auto& [name, col] : t.metrics) col.resize(std::min(col.size(), keep));
  t.iteration = keep ? static_cast<int64_t>(t.iterations.back()) : 0;
  t.runtime_s = keep ? t.times.back() : 0;
  t.last.reset();
  t.best.reset();
  if (auto it = t.metrics.find(objective_.metric); it != t.metrics.end()) {
    for (double v : it->second) {
      if (!std::isfinite(v)) continue;
      t.last = v;
      if (!t.best || objective_.better(v, *t.best)) t.best = v;
    }
  }
  // The study's best may have been in the dropped points.
  const auto old_best = best_trial_;
  best_trial_.reset();
  best_value_.reset();
  for (const TrialData& other : trials_) {
    if (other.best && (!best_value_ || objective_.better(*other.best, *best_value_))) {
      best_value_ = other.best;
      best_trial_ = other.id;
    }
  }
  if (best_trial_ != old_best) {
    delta.best_changed = true;
    if (old_best) {
      if (auto o = index_of(*old_best)) delta.status_changed.insert(*o);
    }
  }
  delta.rewound.insert(i);
  delta.changed.insert(i);
  if (auto a = delta.appended.find(i); a != delta.appended.end()) a->second = std::min(a->second, keep);
}

StudyDelta StudyState::apply(const std::vector<StudyEvent>& batch) {
  StudyDelta d;
  for (const StudyEvent& e : batch) {
    switch (e.kind) {
      case StudyEvent::Kind::TrialCreated: {
        const size_t i = index_for(e.trial_id, d);
        TrialData& t = trials_[i];
        t.config = e.data;
        t.flat_config.clear();
        const Json flat = flatten_json(e.data);
        for (auto it = flat.begin(); it != flat.end(); ++it) t.flat_config[it.key()] = it.value();
        d.changed.insert(i);
        d.status_changed.insert(i);
        break;
      }
      case StudyEvent::Kind::TrialStarted: {
        const size_t i = index_for(e.trial_id, d);
        set_status(trials_[i], TrialStatus::Running);
        d.changed.insert(i);
        d.status_changed.insert(i);
        break;
      }
      case StudyEvent::Kind::TrialResult: {
        const size_t i = index_for(e.trial_id, d);
        const Json& r = e.data;
        std::optional<int64_t> iteration;
        std::optional<double> time;
        values_.clear();
        if (r.is_object()) {
          for (auto it = r.begin(); it != r.end(); ++it) {
            if (!it.value().is_number()) continue;
            if (it.key() == "training_iteration") iteration = it.value().get<int64_t>();
            else values_.emplace_back(&it.key(), it.value().get<double>());
            if (it.key() == "time_total_s") time = it.value().get<double>();
          }
        }
        add_point(i, iteration, time, values_, false, d);
        break;
      }
      case StudyEvent::Kind::TrialEnded: {
        const size_t i = index_for(e.trial_id, d);
        TrialData& t = trials_[i];
        const std::string status = e.data.value("status", "");
        set_status(t, trial_status_from_string(status).value_or(TrialStatus::Completed));
        t.reason = e.data.value("reason", "");
        if (is_finished(t.status)) d.ended.insert(i);
        d.changed.insert(i);  // the engine's Log event for the end carries the log line
        d.status_changed.insert(i);
        break;
      }
      case StudyEvent::Kind::TrialUpdated: {
        // An exploit (PBT) replaced the trial's config, or a restart ended its curve at curve_until.
        const size_t i = index_for(e.trial_id, d);
        if (e.data.contains("curve_until") && e.data["curve_until"].is_number_integer()) {
          rewind(i, e.data["curve_until"].get<int64_t>(), d);
        }
        TrialData& t = trials_[i];
        if (e.data.contains("config") && e.data["config"].is_object()) {
          t.config = e.data["config"];
          t.flat_config.clear();
          const Json flat = flatten_json(t.config);
          for (auto it = flat.begin(); it != flat.end(); ++it) t.flat_config[it.key()] = it.value();
        }
        d.changed.insert(i);
        d.status_changed.insert(i);
        break;
      }
      case StudyEvent::Kind::Decision:
      case StudyEvent::Kind::Log:
        d.log_lines.push_back(describe_event(e));
        d.log_times.push_back(e.data.is_object() && e.data.contains("ts") && e.data["ts"].is_number()
                                  ? e.data["ts"].get<double>()
                                  : 0.0);
        break;
      case StudyEvent::Kind::Progress:
        d.progress = e.progress;
        progress_ = e.progress;
        break;
      case StudyEvent::Kind::Finished:
        d.progress = e.progress;
        progress_ = e.progress;
        d.finished = true;
        d.log_lines.push_back(describe_event(e));
        d.log_times.push_back(0.0);
        break;
    }
  }
  return d;
}

void StudyState::add_point(size_t i, std::optional<int64_t> iteration, std::optional<double> time_total_s,
                           const std::vector<std::pair<const std::string*, double>>& values, bool names_known,
                           StudyDelta& d) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  TrialData& t = trials_[i];
  // An iteration the curve already has: a new attempt's curve replaces what followed it.
  if (iteration && !t.iterations.empty() && static_cast<double>(*iteration) <= t.iterations.back()) {
    rewind(i, *iteration - 1, d);
  }
  if (t.status == TrialStatus::Pending) {
    set_status(t, TrialStatus::Running);
    d.status_changed.insert(i);
  }
  t.iteration = iteration.value_or(t.iteration + 1);
  t.runtime_s = time_total_s.value_or(t.runtime_s);
  const size_t n = t.iterations.size();
  if (!d.appended.count(i)) d.appended[i] = n;
  t.iterations.push_back(static_cast<double>(t.iteration));
  t.times.push_back(t.runtime_s);
  std::optional<double> objective;
  for (const auto& [name, v] : values) {
    if (!names_known && metric_set_.insert(*name).second) metric_names_.push_back(*name);
    auto& col = t.metrics[*name];
    col.resize(n, nan);
    col.push_back(v);
    if (*name == objective_.metric) objective = v;
  }
  for (auto& [name, col] : t.metrics) col.resize(n + 1, nan);
  if (objective && std::isfinite(*objective)) {
    const double v = *objective;
    t.last = v;
    if (!t.best || objective_.better(v, *t.best)) t.best = v;
    if (!best_value_ || objective_.better(v, *best_value_)) {
      best_value_ = v;
      if (best_trial_ != t.id) {
        d.best_changed = true;
        if (best_trial_) {
          if (auto old = index_of(*best_trial_)) d.status_changed.insert(*old);  // its row is no longer bold
        }
        d.status_changed.insert(i);
      }
      best_trial_ = t.id;
    }
  }
  d.changed.insert(i);
}

StudyDelta StudyState::apply_results(const ResultBlock& block) {
  StudyDelta d;
  // The block's metric names become columns in the order they were first met.
  for (const std::string& name : block.names) {
    if (metric_set_.insert(name).second) metric_names_.push_back(name);
  }
  std::optional<size_t> last_index;
  int64_t last_trial = 0;
  for (const ResultBlock::Row& r : block.rows) {
    if (!last_index || last_trial != r.trial_id) {
      last_index = index_for(r.trial_id, d);
      last_trial = r.trial_id;
    }
    values_.clear();
    for (uint32_t k = r.first; k < r.first + r.count; ++k) {
      values_.emplace_back(&block.names[block.values[k].first], block.values[k].second);
    }
    add_point(*last_index, r.iteration, r.time_total_s, values_, true, d);
  }
  return d;
}

std::string describe_event(const StudyEvent& e) {
  if (e.kind == StudyEvent::Kind::Finished) return "study " + e.message;
  if (!e.message.empty()) return e.message;
  if (e.kind == StudyEvent::Kind::Decision) {
    return decision_text(e.trial_id, e.data.value("action", ""), e.data.value("source", ""),
                         e.data.value("reason", ""));
  }
  return {};
}

}  // namespace tunelab::ui
