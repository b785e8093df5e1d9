#include "core/run/study_watch.h"

#include <algorithm>

#include "core/run/progress.h"
#include "core/search/searcher.h"
#include "core/study/spec.h"

namespace tunelab {

Result<std::unique_ptr<StudyWatch>> StudyWatch::open(const std::string& path) {
  auto tail = StudyTail::open(path);
  if (!tail) return tail.errors();
  std::unique_ptr<StudyWatch> w(new StudyWatch());
  w->tail_ = std::move(*tail);
  w->tail_->set_columns(true);
  const StudyRecord& study = w->tail_->study();
  // The planned total, as the engine counts it (num_samples times the grid); unknown for a spec this
  // build cannot read (a newer one): progress then shows "?".
  if (auto spec = parse_spec(study.spec, study.base_dir)) {
    w->time_budget_s_ = spec->stop.time_budget_s;
    if (auto searcher = make_searcher(search_context(*spec))) w->planned_ = (*searcher)->total_trials();
  }
  w->progress_.total = w->planned_;
  return w;
}

Result<StudyWatch::Update> StudyWatch::poll(size_t max_results) {
  auto batch = tail_->poll(max_results);
  if (!batch) return batch.errors();
  Update u;
  if (!batch->changed) return u;
  u.changed = true;
  u.more = batch->more;
  auto& ev = u.events;
  std::vector<StudyEvent> ended;  // sent after the results, as the engine does
  for (const TrialRecord& t : batch->trials) {
    auto known = status_.find(t.id);
    const bool fresh = known == status_.end();
    if (fresh) {
      StudyEvent e;
      e.kind = StudyEvent::Kind::TrialCreated;
      e.trial_id = t.id;
      e.data = t.config;
      ev.push_back(std::move(e));
      count_trial(progress_, TrialStatus::Pending);
      ++progress_.created;
      known = status_.emplace(t.id, TrialStatus::Pending).first;
      generation_[t.id] = t.generation;
    } else if (generation_[t.id] != t.generation) {
      generation_[t.id] = t.generation;
      StudyEvent e;
      e.kind = StudyEvent::Kind::TrialUpdated;
      e.trial_id = t.id;
      e.data = {{"config", t.config}, {"generation", t.generation}};
      if (t.parent_id) e.data["parent_id"] = *t.parent_id;
      ev.push_back(std::move(e));
    }
    if (known->second == t.status) continue;
    count_trial(progress_, known->second, -1);
    count_trial(progress_, t.status);
    known->second = t.status;
    StudyEvent e;
    e.trial_id = t.id;
    if (is_finished(t.status) || t.status == TrialStatus::Paused) {
      e.kind = StudyEvent::Kind::TrialEnded;
      e.data = {{"status", to_string(t.status)}, {"reason", t.error}};
      ended.push_back(std::move(e));
    } else if (t.status == TrialStatus::Running) {
      e.kind = StudyEvent::Kind::TrialStarted;
      e.data = {{"attempt", t.attempts}};
      ev.push_back(std::move(e));
    }
  }
  for (const auto& [trial, until] : batch->rewound) {
    StudyEvent e;
    e.kind = StudyEvent::Kind::TrialUpdated;
    e.trial_id = trial;
    e.data = {{"curve_until", std::max<int64_t>(0, until)}};
    ev.push_back(std::move(e));
  }
  u.results = std::move(batch->block);
  auto& after = u.after;
  after = std::move(ended);
  // The event log and the decisions, merged in time order as the engine interleaves them.
  size_t i = 0, j = 0;
  const auto& logs = batch->events;
  const auto& decisions = batch->decisions;
  while (i < logs.size() || j < decisions.size()) {
    StudyEvent e;
    if (j >= decisions.size() || (i < logs.size() && logs[i].ts <= decisions[j].ts)) {
      const EventRecord& l = logs[i++];
      e.kind = StudyEvent::Kind::Log;
      e.trial_id = l.trial_id.value_or(-1);
      e.message = l.message;
      e.data = {{"kind", l.kind}, {"ts", l.ts}};
    } else {
      const DecisionRecord& d = decisions[j++];
      e.kind = StudyEvent::Kind::Decision;
      e.trial_id = d.trial_id;
      e.data = {{"source", d.source}, {"action", d.action}, {"reason", d.reason}, {"details", d.details}, {"ts", d.ts}};
      e.message = decision_text(d.trial_id, d.action, d.source, d.reason);
    }
    after.push_back(std::move(e));
  }
  progress_.elapsed_s = batch->elapsed_s;
  progress_.eta_s = batch->status == "running" ? estimate_eta(progress_, time_budget_s_) : std::nullopt;
  if (!u.more) {
    // Progress once everything new is read; the end of a session once, when the study stops running.
    StudyEvent p;
    const bool running = batch->status == "running";
    p.kind = running || batch->status == study_status_ ? StudyEvent::Kind::Progress : StudyEvent::Kind::Finished;
    p.message = batch->status;
    p.progress = progress_;
    after.push_back(std::move(p));
    study_status_ = batch->status;
  }
  return u;
}

}  // namespace tunelab
