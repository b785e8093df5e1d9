// Applying decisions: stop, pause, and PBT exploits (restart from a donor's checkpoint with a new config);
// replaying a resumed study's history to its scheduler; and a restarted trial's abandoned results.
#include <filesystem>
#include <fstream>

#include "core/run/checkpoint_pin.h"
#include "core/run/controller.h"
#include "core/run/progress.h"
#include "core/run/trial_state.h"

namespace tunelab {
namespace fs = std::filesystem;

namespace {

// {"lr": [old, new], ...} over the leaves that differ between two nested configs.
void config_changes(const Json& before, const Json& after, const std::string& prefix, Json& out) {
  for (auto it = after.begin(); it != after.end(); ++it) {
    const std::string name = prefix.empty() ? it.key() : prefix + "." + it.key();
    const Json old = before.is_object() && before.contains(it.key()) ? before[it.key()] : Json();
    if (it->is_object() && old.is_object()) config_changes(old, *it, name, out);
    else if (old != *it) out[name] = Json::array({old, *it});
  }
}

}  // namespace

void Controller::record_decision(const Trial& t, const std::string& source, const std::string& action,
                                 const std::string& reason, const Json& details) {
  store_->add_decision({t.rec.id, now_seconds(), source, action, reason, details});
  StudyEvent e;
  e.kind = StudyEvent::Kind::Decision;
  e.trial_id = t.rec.id;
  e.data = {{"source", source}, {"action", action}, {"reason", reason}, {"details", details}};
  e.message = decision_text(t.rec.id, action, source, reason);
  notify(std::move(e));
}

void Controller::apply_decision(Trial& t, const Decision& d, const std::string& source) {
  switch (d.action) {
    case Decision::Action::Continue:
      return;
    case Decision::Action::Stop:
      if (t.running) {
        // A trial that used its whole budget (ASHA's or HyperBand's max_t) completed; others stopped early.
        request_end(t, d.reached_end ? TrialStatus::Completed : TrialStatus::Stopped, source, d.reason, d.details);
      } else if (t.rec.status == TrialStatus::Pending || t.rec.status == TrialStatus::Paused) {
        record_decision(t, source, d.reached_end ? "complete" : "stop", d.reason, d.details);
        finish_trial(t, d.reached_end ? TrialStatus::Completed : TrialStatus::Stopped, d.reason);
      }
      return;
    case Decision::Action::Pause:
      if (t.running) {
        request_end(t, TrialStatus::Paused, source, d.reason, d.details);
      } else if (t.rec.status == TrialStatus::Pending) {
        t.rec.status = TrialStatus::Paused;
        record_decision(t, source, "pause", d.reason, d.details);
        pause_ended(t);
      }
      return;
    case Decision::Action::Exploit: {
      auto donor = trials_.find(d.donor);
      if (donor == trials_.end() || donor->second->rec.checkpoint.empty() || d.donor == t.rec.id) {
        log(t.rec.id, "exploit_refused",
            "trial " + std::to_string(t.rec.id) + ": cannot exploit trial " + std::to_string(d.donor) +
                ": it has no checkpoint; continuing unchanged");
        return;
      }
      if (Status s = spec_.space.check_config(d.config); !s) {
        log(t.rec.id, "exploit_refused", "trial " + std::to_string(t.rec.id) + ": explored config rejected: " + s.error_text());
        return;
      }
      if (!t.running) return;
      t.exploit = d;
      request_end(t, TrialStatus::Paused, source, d.reason, d.details, "exploit");
      return;
    }
  }
}

void Controller::apply_idle_decisions() {
  for (auto& td : scheduler_->take_decisions()) {
    auto it = trials_.find(td.trial_id);
    if (it == trials_.end() || is_finished(it->second->rec.status)) continue;
    apply_decision(*it->second, td.decision, "scheduler");
  }
}

void Controller::pause_ended(Trial& t) {
  t.rec.status = TrialStatus::Paused;
  if (t.exploit) exploit(t);
  store_->put_trial(t.rec);
  log(t.rec.id, "paused",
      "trial " + std::to_string(t.rec.id) + " paused at iteration " + std::to_string(t.rec.last_iteration) +
          (t.rec.held ? " (until the user resumes it)" : ""));
  StudyEvent e;
  e.kind = StudyEvent::Kind::TrialEnded;
  e.trial_id = t.rec.id;
  e.data = {{"status", "paused"}, {"reason", t.end_reason}};
  notify(std::move(e));
}

void Controller::exploit(Trial& t) {
  const Decision d = std::move(*t.exploit);
  t.exploit.reset();
  const Trial& donor = *trials_.at(d.donor);
  // The donor's checkpoint becomes this trial's, labelled with this trial's own iteration: the trial
  // keeps counting its iterations while its trainable continues from the donor's count.
  auto pinned = pin_checkpoint(donor.rec.checkpoint, t.rec.trial_dir, t.rec.last_iteration);
  if (!pinned) {
    log(t.rec.id, "exploit_failed", "trial " + std::to_string(t.rec.id) + ": " + pinned.error_text() + "; continuing unchanged");
    return;
  }
  hold_checkpoint(t.checkpoints, t.rec.trial_dir, t.rec.last_iteration, *pinned, "");
  const int64_t donor_count = donor.rec.checkpoint_iteration - donor.rec.iteration_offset;
  Json changes = Json::object();
  config_changes(t.rec.config, d.config, "", changes);
  t.rec.checkpoint = *pinned;
  t.rec.checkpoint_iteration = t.rec.last_iteration;
  t.rec.iteration_offset = t.rec.last_iteration - donor_count;
  t.rec.config = d.config;
  t.rec.parent_id = d.donor;
  t.rec.generation += 1;
  store_->add_checkpoint(t.rec.id, t.rec.checkpoint_iteration, t.rec.checkpoint, now_seconds());
  store_->put_trial(t.rec);  // before the release: the stored row must not name a deleted checkpoint
  release_after_commit(*store_, t.checkpoints, spec_.checkpoint_keep, t.rec.checkpoint);
  const Json lineage = {{"donor", d.donor},
                        {"generation", t.rec.generation},
                        {"donor_iteration", donor.rec.checkpoint_iteration},
                        {"changes", changes}};
  log(t.rec.id, "exploited",
      "trial " + std::to_string(t.rec.id) + " continues from trial " + std::to_string(d.donor) + "'s checkpoint (iteration " +
          std::to_string(donor.rec.checkpoint_iteration) + ") with config " + dump_compact(t.rec.config) + " (generation " +
          std::to_string(t.rec.generation) + ")",
      lineage);
  StudyEvent e;
  e.kind = StudyEvent::Kind::TrialUpdated;
  e.trial_id = t.rec.id;
  e.data = {{"config", t.rec.config}, {"parent_id", d.donor}, {"generation", t.rec.generation}, {"changes", changes}};
  notify(std::move(e));
}

void Controller::replay_history(const std::vector<ResultRecord>& results) {
  // Schedulers keep no storage: they see the stored history again, in the order it happened.
  for (auto& [id, t] : trials_) {
    if (t->rec.origin != "search") searcher_->note_external_trial(id);
    scheduler_->on_trial_add(snapshot(*t));
  }
  // The scheduler's decision on each trial's last stored result: an engine killed between storing a
  // result and ending the trial never applied it.
  std::map<int64_t, Decision> last_decision;
  for (const auto& r : results) {
    auto it = trials_.find(r.trial_id);
    if (it == trials_.end()) continue;
    Trial& t = *it->second;
    note_result(t, r.metrics);
    const TrialSnapshot snap = snapshot(t);
    last_decision[r.trial_id] = scheduler_->on_result(snap, r.metrics);
    for (auto& s : stoppers_) s->on_result(snap, r.metrics);
  }
  for (auto& [id, d] : last_decision) {
    Trial& t = *trials_.at(id);
    const bool unfinished = t.rec.status == TrialStatus::Running || t.rec.status == TrialStatus::Pending;
    if (!unfinished || t.rec.held || d.action != Decision::Action::Stop) continue;
    if (t.rec.status == TrialStatus::Running) executor_->kill_stale(static_cast<int>(t.rec.pgid), t.rec.trial_dir);
    t.rec.status = d.reached_end ? TrialStatus::Completed : TrialStatus::Stopped;
    t.rec.pgid = 0;
    t.rec.ended_at = now_seconds();
    store_->put_trial(t.rec);
    log(id, to_string(t.rec.status),
        "trial " + std::to_string(id) + " " + to_string(t.rec.status) + ": " + d.reason +
            " (decided before the engine stopped, applied on resume)");
  }
  for (auto& [id, t] : trials_) {
    if (!is_finished(t->rec.status)) continue;
    const TrialSnapshot snap = snapshot(*t);
    searcher_->on_complete(snap);
    scheduler_->on_complete(snap);
    for (auto& s : stoppers_) s->on_complete(snap);
    t->last_result = compact_result(t->last_result, spec_.objectives);
  }
}

// A new attempt restarts the trial after `iteration`: the previous attempt's later results become history.
void Controller::abandon_results(Trial& t, int64_t iteration) {
  const int64_t abandoned = t.rec.attempts - 1;  // the attempt before the one starting now
  store_->supersede_results(t.rec.id, iteration, now_seconds());
  log(t.rec.id, "results_superseded",
      "trial " + std::to_string(t.rec.id) + ": attempt " + std::to_string(abandoned) + "'s results for iterations " +
          std::to_string(iteration + 1) + " to " + std::to_string(t.rec.last_iteration) +
          " are kept as history; the trial restarts from " +
          (iteration > 0 ? "its checkpoint at iteration " + std::to_string(iteration) : std::string("the start")),
      {{"attempt", abandoned}, {"from_iteration", iteration + 1}, {"to_iteration", t.rec.last_iteration}});
  t.rec.last_iteration = iteration;
  StudyEvent e;  // observers drop the curve points after `curve_until`
  e.kind = StudyEvent::Kind::TrialUpdated;
  e.trial_id = t.rec.id;
  e.data = {{"curve_until", iteration}};
  notify(std::move(e));
  // The trial's values are its current curve's: read back what stays of it.
  t.best.reset();
  t.last.reset();
  t.last_result = nullptr;
  if (iteration > 0 && store_->flush()) {
    if (auto kept = store_->load_results(t.rec.id)) {
      for (const auto& r : *kept) note_result(t, r.metrics);
    }
  }
  best_value_.reset();
  best_trial_.reset();
  for (const auto& [id, other] : trials_) {
    if (other->best && (!best_value_ || spec_.objective.better(*other->best, *best_value_))) {
      best_value_ = other->best;
      best_trial_ = id;
    }
  }
}

}  // namespace tunelab
