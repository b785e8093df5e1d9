#include "core/analysis/replay.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace tunelab {
namespace {

enum class SimStatus { Unborn, Pending, Running, Paused, Done };

struct SimTrial {
  const RecordedTrial* rec = nullptr;
  SimStatus status = SimStatus::Unborn;
  size_t next = 0;        // index of the next result to deliver
  double due = 0;         // simulated time its next result arrives
  TrialSnapshot snap;
  std::string end_status, reason;
};

std::optional<double> final_value(const Json& r, const Objective& obj) {
  if (!r.contains(obj.metric) || !r[obj.metric].is_number()) return std::nullopt;
  const double v = r[obj.metric].get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

double step_time(const RecordedTrial& t, size_t i) {
  const double now = member_or(t.results[i], "time_total_s", 0.0);
  const double before = i == 0 ? 0.0 : member_or(t.results[i - 1], "time_total_s", 0.0);
  const double dt = now - before;
  return std::isfinite(dt) && dt > 0 ? dt : 1.0;
}

}  // namespace

Result<ReplayReport> replay_curves(const std::vector<RecordedTrial>& recorded, Scheduler& scheduler,
                                   const Objective& obj, int64_t concurrency) {
  if (concurrency < 1) concurrency = 1;
  ReplayReport rep;
  std::vector<SimTrial> sims(recorded.size());
  std::map<int64_t, size_t> by_id;
  for (size_t i = 0; i < recorded.size(); ++i) {
    sims[i].rec = &recorded[i];
    sims[i].snap.id = recorded[i].id;
    sims[i].snap.config = recorded[i].config;
    by_id[recorded[i].id] = i;
    rep.epochs_recorded += static_cast<int64_t>(recorded[i].results.size());
  }
  double now = 0;
  int64_t running = 0;
  size_t next_new = 0;
  bool told_no_more = false;
  auto finish = [&](SimTrial& t, const std::string& status, const std::string& reason) {
    if (t.status == SimStatus::Running) --running;
    t.status = SimStatus::Done;
    t.end_status = status;
    t.reason = reason;
    t.snap.status = status == "stopped" ? TrialStatus::Stopped : TrialStatus::Completed;
    scheduler.on_complete(t.snap);
  };
  auto record = [&](const SimTrial& t, const Decision& d) {
    // As the engine records it: a stop at the scheduler's end (max_t) completes the trial.
    const std::string action = d.action == Decision::Action::Stop && d.reached_end ? "complete" : to_string(d.action);
    rep.decisions.push_back({t.snap.id, now, "scheduler", action, d.reason, d.details});
  };
  auto apply = [&](SimTrial& t, const Decision& d) -> Status {
    switch (d.action) {
      case Decision::Action::Continue:
        return {};
      case Decision::Action::Exploit:
        return Error{"scheduler", "PBT cannot be replayed: its exploits change configs, whose curves were never recorded"};
      case Decision::Action::Stop:
        record(t, d);
        finish(t, d.reached_end ? "completed" : "stopped", d.reason);
        return {};
      case Decision::Action::Pause:
        record(t, d);
        if (t.status == SimStatus::Running) --running;
        t.status = SimStatus::Paused;
        t.snap.status = TrialStatus::Paused;
        t.reason = d.reason;
        return {};
    }
    return {};
  };
  auto start = [&](SimTrial& t) {
    // Paused on its last recorded result (a curve shorter than the scheduler's max_t, as Ray's or an early
    // stop leaves it): resuming has nothing more to deliver.
    if (t.next >= t.rec->results.size()) {
      finish(t, "completed", "end of the recorded curve");
      return;
    }
    t.status = SimStatus::Running;
    t.snap.status = TrialStatus::Running;
    ++running;
    t.due = now + step_time(*t.rec, t.next);
  };

  auto take_decisions = [&]() -> Status {
    for (auto& td : scheduler.take_decisions()) {
      auto it = by_id.find(td.trial_id);
      if (it == by_id.end() || sims[it->second].status == SimStatus::Done) continue;
      if (auto s = apply(sims[it->second], td.decision); !s) return s;
    }
    return {};
  };
  int idle_turns = 0;  // turns in a row with nothing running
  while (true) {
    // Fill free slots as the controller does: a waiting trial the scheduler picks, else a new one.
    while (running < concurrency) {
      std::vector<TrialSnapshot> waiting;
      for (auto& t : sims) {
        if (t.status == SimStatus::Pending || t.status == SimStatus::Paused) waiting.push_back(t.snap);
      }
      std::optional<int64_t> pick;
      if (!waiting.empty()) pick = scheduler.choose_trial_to_run(waiting);
      if (pick) {
        start(sims[by_id.at(*pick)]);
        continue;
      }
      if (next_new >= sims.size()) {
        if (told_no_more) break;
        // As the controller does when the searcher runs out: a scheduler waiting to fill a group
        // (HyperBand's brackets) decides with the trials it has.
        told_no_more = true;
        scheduler.on_no_more_trials();
        for (auto& td : scheduler.take_decisions()) {
          auto it = by_id.find(td.trial_id);
          if (it == by_id.end() || sims[it->second].status == SimStatus::Done) continue;
          if (auto s = apply(sims[it->second], td.decision); !s) return s.errors();
        }
        continue;
      }
      SimTrial& t = sims[next_new++];
      t.status = SimStatus::Pending;
      t.snap.status = TrialStatus::Pending;
      scheduler.on_trial_add(t.snap);
      if (t.rec->results.empty()) {
        finish(t, "completed", "no recorded results");
        continue;
      }
      start(t);  // like the controller, a new trial starts at once
    }
    // The running trial whose next result comes first.
    SimTrial* next = nullptr;
    for (auto& t : sims) {
      if (t.status == SimStatus::Running && (!next || t.due < next->due)) next = &t;
    }
    if (!next) {
      // Nothing runs: like the engine's loop, poll the scheduler again (a synchronous scheduler may now
      // close a bracket that cannot fill) before concluding that nothing more will run.
      if (++idle_turns > 2) break;
      if (auto s = take_decisions(); !s) return s.errors();
      continue;
    }
    idle_turns = 0;
    SimTrial& t = *next;
    now = t.due;
    const Json& r = t.rec->results[t.next++];
    ++rep.epochs_consumed;
    t.snap.iteration = member_or(r, "training_iteration", static_cast<int64_t>(t.next));
    t.snap.last_result = r;
    t.snap.time_total_s = member_or(r, "time_total_s", 0.0);
    t.snap.checkpoint_iteration = t.snap.iteration;
    if (r.contains(obj.metric) && r[obj.metric].is_number()) {
      const double v = r[obj.metric].get<double>();
      if (std::isfinite(v)) {
        t.snap.last_objective = v;
        if (!t.snap.best_objective || obj.better(v, *t.snap.best_objective)) t.snap.best_objective = v;
      }
    }
    const Decision d = scheduler.on_result(t.snap, r);
    if (auto s = apply(t, d); !s) return s.errors();
    if (t.status == SimStatus::Running) {
      if (t.next >= t.rec->results.size()) finish(t, "completed", "end of the recorded curve");
      else t.due = now + step_time(*t.rec, t.next);
    }
    if (auto s = take_decisions(); !s) return s.errors();
  }
  rep.time_s = now;

  // Outcomes and the true best.
  for (const auto& t : sims) {
    ReplayTrialOutcome o;
    o.id = t.snap.id;
    o.epochs = static_cast<int64_t>(t.next);
    o.status = t.status == SimStatus::Done ? t.end_status : t.status == SimStatus::Paused ? "paused" : "not started";
    o.best = t.snap.best_objective;
    o.last = t.next > 0 ? final_value(t.rec->results[t.next - 1], obj) : std::nullopt;
    o.reason = t.reason;
    if (o.best && (!rep.best_any_epoch || obj.better(*o.best, *rep.best_any_epoch))) {
      rep.best_any_epoch = o.best;
      rep.best_any_epoch_trial = o.id;
    }
    if (o.status == "completed" && o.last && (!rep.best_final || obj.better(*o.last, *rep.best_final))) {
      rep.best_final = o.last;
      rep.best_final_trial = o.id;
    }
    if (!t.rec->results.empty()) {
      if (const auto f = final_value(t.rec->results.back(), obj);
          f && (!rep.true_best_final || obj.better(*f, *rep.true_best_final))) {
        rep.true_best_final = f;
        rep.true_best_final_trial = t.snap.id;
      }
    }
    for (const auto& r : t.rec->results) {
      if (!r.contains(obj.metric) || !r[obj.metric].is_number()) continue;
      const double v = r[obj.metric].get<double>();
      if (std::isfinite(v) && (!rep.true_best || obj.better(v, *rep.true_best))) {
        rep.true_best = v;
        rep.true_best_trial = t.snap.id;
      }
    }
    rep.trials.push_back(std::move(o));
  }
  if (rep.true_best_trial) {
    const auto& tb = rep.trials[by_id.at(*rep.true_best_trial)];
    rep.true_best_survived = tb.epochs == static_cast<int64_t>(recorded[by_id.at(*rep.true_best_trial)].results.size());
    int rank = 1;
    for (const auto& o : rep.trials) {
      if (o.id != tb.id && o.best && (!tb.best || obj.better(*o.best, *tb.best))) ++rank;
    }
    rep.true_best_rank = rank;
  }
  if (rep.best_final_trial) {
    // Ranked by recorded final values: what the configuration it ends with is worth among all of them.
    const auto& kept = recorded[by_id.at(*rep.best_final_trial)];
    const auto kept_final = final_value(kept.results.back(), obj);
    int rank = 1;
    for (const auto& r : recorded) {
      if (r.id == kept.id || r.results.empty()) continue;
      const auto f = final_value(r.results.back(), obj);
      if (f && kept_final && obj.better(*f, *kept_final)) ++rank;
    }
    rep.final_rank = rank;
  }
  return rep;
}

Result<std::vector<RecordedTrial>> recorded_trials(const Store& store) {
  auto trials = store.load_trials();
  if (!trials) return trials.errors();
  auto results = store.load_results();  // by trial, then iteration
  if (!results) return results.errors();
  std::map<int64_t, RecordedTrial> by_id;
  for (const auto& t : *trials) by_id[t.id] = {t.id, t.config, {}};
  for (auto& r : *results) {
    if (auto it = by_id.find(r.trial_id); it != by_id.end()) it->second.results.push_back(std::move(r.metrics));
  }
  std::vector<RecordedTrial> out;
  for (auto& [id, t] : by_id) {
    if (!t.results.empty()) out.push_back(std::move(t));
  }
  return out;
}

Result<ReplayReport> replay_study(const Store& store, const Json& scheduler_json, int64_t concurrency) {
  auto study = store.load_study();
  if (!study) return study.errors();
  Json raw = study->spec;
  raw["scheduler"] = scheduler_json;
  auto spec = parse_spec(raw, study->base_dir);
  if (!spec) {
    // Only the scheduler is new; anything else wrong was wrong in the stored spec.
    return spec.errors();
  }
  if (spec->scheduler.value("type", "") == "pbt") {
    // Refused whatever the curves: a replay in which no exploit happened to fall would still stand for a PBT run.
    return Error{"scheduler.type", "PBT cannot be replayed: its exploits change configs, whose curves were never recorded"};
  }
  auto scheduler = make_scheduler(
      {spec->objective.metric, spec->objective.maximize, spec->scheduler, &spec->space, spec->seed.value_or(0)});
  if (!scheduler) return scheduler.errors();
  auto trials = recorded_trials(store);
  if (!trials) return trials.errors();
  if (trials->empty()) return Error{"", "the study has no recorded results to replay"};
  if (concurrency <= 0) concurrency = spec->max_concurrent > 0 ? spec->max_concurrent : 1;
  return replay_curves(*trials, **scheduler, spec->objective, concurrency);
}

Json to_json(const ReplayReport& r) {
  Json trials = Json::array();
  for (const auto& t : r.trials) {
    trials.push_back({{"id", t.id}, {"epochs", t.epochs}, {"status", t.status},
                      {"best", t.best ? Json(*t.best) : Json()}, {"last", t.last ? Json(*t.last) : Json()},
                      {"reason", t.reason}});
  }
  Json decisions = Json::array();
  for (const auto& d : r.decisions) {
    decisions.push_back({{"trial_id", d.trial_id}, {"time_s", d.ts}, {"action", d.action}, {"reason", d.reason}, {"details", d.details}});
  }
  auto opt = [](const auto& v) { return v ? Json(*v) : Json(); };
  return {{"epochs_consumed", r.epochs_consumed},
          {"epochs_recorded", r.epochs_recorded},
          {"time_s", r.time_s},
          {"best_final", opt(r.best_final)},
          {"best_final_trial", opt(r.best_final_trial)},
          {"final_rank", r.final_rank},
          {"best_any_epoch", opt(r.best_any_epoch)},
          {"best_any_epoch_trial", opt(r.best_any_epoch_trial)},
          {"true_best_final", opt(r.true_best_final)},
          {"true_best_final_trial", opt(r.true_best_final_trial)},
          {"true_best", opt(r.true_best)},
          {"true_best_trial", opt(r.true_best_trial)},
          {"true_best_survived", r.true_best_survived},
          {"true_best_rank", r.true_best_rank},
          {"trials", trials},
          {"decisions", decisions}};
}

}  // namespace tunelab
