#include "core/run/controller.h"

#include <signal.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/analysis/summary.h"
#include "core/run/checkpoint_pin.h"
#include "core/run/progress.h"
#include "core/run/trial_state.h"
#include "core/util/json_read.h"

namespace tunelab {
namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr size_t kMaxConfigEnvBytes = 64 * 1024;  // TUNELAB_CONFIG is set up to this size (docs/protocol.md)

double seconds_between(SteadyClock::time_point a, SteadyClock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// The last `max_bytes` of a file, starting at a line boundary where possible.
std::string file_tail(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return {};
  const auto size = static_cast<size_t>(in.tellg());
  const size_t start = size > max_bytes ? size - max_bytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string s(size - start, '\0');
  in.read(s.data(), static_cast<std::streamsize>(s.size()));
  if (start > 0) {
    if (auto nl = s.find('\n'); nl != std::string::npos && nl + 1 < s.size()) s.erase(0, nl + 1);
  }
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string describe_exit(const ExecEvent& e) {
  if (e.signal) return std::string("killed by signal ") + std::to_string(e.signal) + " (" + strsignal(e.signal) + ")";
  return "exited with status " + std::to_string(e.exit_code);
}

}  // namespace

Json compact_result(const Json& result, const std::vector<Objective>& objectives) {
  // One objective: the trial's numbers (t.best, t.last) are all that is used once it has finished.
  if (!result.is_object() || objectives.size() <= 1) return nullptr;
  Json kept = Json::object();
  for (const auto& o : objectives) {
    if (result.contains(o.metric)) kept[o.metric] = result[o.metric];
  }
  for (const char* key : {"training_iteration", "time_total_s"}) {
    if (result.contains(key)) kept[key] = result[key];
  }
  return kept;
}

void Controller::add_observer(Observer observer) { observers_.push_back(std::move(observer)); }

void Controller::wake() { executor_->wake(); }

double Controller::elapsed_s() const { return elapsed_before_ + seconds_between(session_start_, clock_->now()); }

Result<std::string> Controller::run() {
  session_start_ = clock_->now();
  if (gpu_monitor_) gpu_monitor_->start();
  store_->set_study_status("running", elapsed_before_);
  if (const std::string how = executor_->containment(); !how.empty()) log(std::nullopt, "containment", how);
  emit_progress(true);
  start_channel();
  bool interrupted = false, store_failed = false;
  while (true) {
    apply_commands();
    if (!interrupted && options_.interrupt && options_.interrupt->load()) {
      interrupted = true;
      stopping_study_ = true;
      end_status_ = "interrupted";
      log(std::nullopt, "interrupted", "interrupted: stopping running trials; `tunelab resume` continues the study");
      for (auto& [id, t] : trials_) {
        if (t->running) request_end(*t, TrialStatus::Pending, "user", "study interrupted");
      }
    }
    if (!store_failed && store_->write_failed()) {
      // Disk full, I/O error: nothing more can be recorded, so nothing more may run. Trials restart on
      // `tunelab resume` from what the store holds, as after a crash.
      store_failed = stopping_study_ = true;
      end_status_ = "interrupted";
      log(std::nullopt, "store_failed", "cannot write the study database; stopping running trials");
      for (auto& [id, t] : trials_) {
        if (t->running) request_end(*t, TrialStatus::Pending, "engine", "the study database cannot be written");
      }
    }
    check_timers();
    check_study_stoppers();
    apply_idle_decisions();
    if (!stopping_study_ && !study_paused_) fill_slots();
    if (done()) break;
    if (running_ == 0 && waiting_for_user()) {
      // Paused by the user: wait for a command (each one wakes the loop).
      executor_->wait(options_.progress_interval);
      emit_progress(false);
      continue;
    }
    if (running_ == 0) {
      // A scheduler just told that no more trials come (HyperBand with an unfilled bracket) may now
      // decide about the trials it holds.
      apply_idle_decisions();
      if (!stopping_study_ && !study_paused_) fill_slots();
      if (done()) break;
    }
    if (running_ == 0 && !stopping_study_ && clock_->now() < resource_retry_at_) {
      executor_->wait(std::chrono::duration_cast<std::chrono::milliseconds>(resource_retry_at_ - clock_->now()) +
                      std::chrono::milliseconds(1));
      continue;  // the engine was short of descriptors or processes: try again
    }
    if (running_ == 0) {
      // Nothing runs and nothing can start: a searcher waiting on results that will never come.
      log(std::nullopt, "stalled", "no trial is running and none can start; ending the session");
      end_status_ = "stopped";
      break;
    }
    for (auto& e : executor_->wait(time_to_next_timer())) handle(e);
    emit_progress(false);
  }
  stop_channel();
  const std::string status = end_status_;
  if (gpu_monitor_) gpu_monitor_->stop();
  store_->set_study_status(status, elapsed_s());
  log(std::nullopt, "finished", "session ended: study " + status);
  auto flushed = store_->flush();
  StudyEvent fin;
  fin.kind = StudyEvent::Kind::Finished;
  fin.message = status;
  fin.progress = progress();
  notify(std::move(fin));
  if (!flushed) {
    Errors errs = flushed.errors();
    errs.back().message += ". The study stopped; the database holds everything up to that write and is intact. "
                           "Make room or fix the file, then `tunelab resume " + store_->path() + "`";
    return errs;
  }
  if (!resource_error_.empty()) {
    return Error{"", resource_error_ + ". The study stopped; nothing was lost. Raise the limit (`ulimit -n`, `ulimit -u`) "
                     "or free memory, then `tunelab resume " + store_->path() + "`"};
  }
  return status;
}

void Controller::engine_short_of_resources(Trial& t, const std::string& why) {
  t.rec.attempts -= 1;  // it did not run
  ++resource_failures_;
  if (running_ == 0) ++idle_resource_failures_;
  if (idle_resource_failures_ >= 4) {
    // Not even one trial can start with none running: waiting will not help.
    resource_error_ = "the engine cannot start a trial: " + why;
    log(t.rec.id, "engine_resources", resource_error_ + "; stopping the study (resumable)");
    stopping_study_ = true;
    end_status_ = "interrupted";
    for (auto& [id, other] : trials_) {
      if (other->running) request_end(*other, TrialStatus::Pending, "engine", "the engine is out of resources");
    }
    return;
  }
  const double backoff = std::min(5.0, 0.25 * static_cast<double>(1 << std::min(resource_failures_ - 1, 5)));
  resource_retry_at_ = clock_->now() + std::chrono::milliseconds(static_cast<int64_t>(backoff * 1000));
  log(t.rec.id, "engine_resources", "trial " + std::to_string(t.rec.id) + " cannot start now: " + why +
                                        "; it waits, no trial starts for " + dump_compact(Json(backoff)) + " s");
}

bool Controller::done() const {
  if (running_ > 0) return false;
  if (stopping_study_) return true;
  for (const auto& [id, t] : trials_) {
    if (t->rec.status == TrialStatus::Pending || t->rec.status == TrialStatus::Paused) return false;
  }
  return searcher_finished_ || (total_trials_ >= 0 && static_cast<int64_t>(trials_.size()) >= total_trials_);
}

void Controller::mark_searcher_finished() {
  if (searcher_finished_) return;
  searcher_finished_ = true;
  scheduler_->on_no_more_trials();
}

bool Controller::waiting_for_user() const {
  if (stopping_study_) return false;
  if (study_paused_) return true;
  for (const auto& [id, t] : trials_) {
    if (t->rec.held && t->rec.status == TrialStatus::Paused) return true;
  }
  return false;
}

bool Controller::can_start(const Trial& t) const {
  (void)t;  // every trial asks for the same resources today
  return slot_free();
}

bool Controller::slot_free() const {
  if (max_concurrent_ > 0 && static_cast<int64_t>(running_) >= max_concurrent_) return false;
  // At least one trial always runs, even when it asks for more CPUs than there are.
  return resources_->find(request_, running_ == 0).has_value();
}

Controller::Trial* Controller::next_waiting() {
  std::vector<TrialSnapshot> waiting;
  for (const auto& [id, t] : trials_) {
    if (!t->running && !t->rec.held &&
        (t->rec.status == TrialStatus::Pending || t->rec.status == TrialStatus::Paused)) {
      waiting.push_back(snapshot(*t));
    }
  }
  if (waiting.empty()) return nullptr;
  auto id = scheduler_->choose_trial_to_run(waiting);
  return id ? trials_.at(*id).get() : nullptr;
}

Controller::Trial* Controller::create_trial() {
  if (searcher_finished_) return nullptr;
  const auto id = static_cast<int64_t>(trials_.size());
  if (total_trials_ >= 0 && id >= total_trials_) {
    mark_searcher_finished();
    return nullptr;
  }
  Suggestion s = searcher_->suggest(id);
  if (s.kind == Suggestion::Kind::Finished) mark_searcher_finished();
  if (s.kind != Suggestion::Kind::Config) return nullptr;
  auto t = std::make_unique<Trial>();
  t->rec.id = id;
  t->rec.config = std::move(s.config);
  t->rec.created_at = now_seconds();
  t->rec.trial_dir = (fs::path(study_.trials_dir) / pad_trial_id(id)).string();
  store_->put_trial(t->rec);
  scheduler_->on_trial_add(snapshot(*t));
  StudyEvent e;
  e.kind = StudyEvent::Kind::TrialCreated;
  e.trial_id = id;
  e.data = t->rec.config;
  Trial* raw = t.get();
  trials_[id] = std::move(t);
  notify(std::move(e));
  return raw;
}

void Controller::fill_slots() {
  while (true) {
    // The engine was short of descriptors or processes: wait, or stop.
    if (stopping_study_ || clock_->now() < resource_retry_at_) return;
    // The scheduler and the searcher are asked only for a trial that can start now: the searcher then
    // chooses with every result so far (one slot: after the previous trial ended), nothing waits as
    // pending that it did not queue, and a scheduler is never asked while every slot is taken.
    if (!slot_free()) {
      // Past num_samples no trial will come: a scheduler waiting to fill a group learns it at once.
      if (total_trials_ >= 0 && static_cast<int64_t>(trials_.size()) >= total_trials_) mark_searcher_finished();
      return;
    }
    Trial* t = next_waiting();
    if (!t) t = create_trial();
    if (!t) return;
    if (!can_start(*t)) return;
    start_trial(*t);
  }
}

bool Controller::start_trial(Trial& t) {
  auto alloc = resources_->allocate(request_, running_ == 0);
  if (!alloc) return false;  // can_start() said it fits; nothing was freed or taken since
  Launch l;
  l.trial_id = t.rec.id;
  l.trial_dir = t.rec.trial_dir;
  if (!spec_.trainable.builtin.empty()) {
    l.argv = trial_exe_.empty() ? std::vector<std::string>{options_.self_exe, "trial", spec_.trainable.builtin}
                                : std::vector<std::string>{trial_exe_, spec_.trainable.builtin};
  } else if (spec_.trainable.shell) {
    l.argv = {"/bin/sh", "-c", spec_.trainable.command.at(0)};
  } else {
    l.argv = spec_.trainable.command;
  }
  l.cwd = spec_.trainable.cwd;
  l.env = spec_.trainable.env;
  for (auto& [k, v] : gpu::trial_gpu_env(*alloc, resources_->devices(), mps_)) l.env[k] = v;
  const std::string config_text = dump_compact(t.rec.config);
  // One environment variable holds at most 128 KiB (the kernel's MAX_ARG_STRLEN; exec fails with E2BIG past it):
  // a larger config reaches the trial only through TUNELAB_CONFIG_FILE, which is always written.
  if (config_text.size() <= kMaxConfigEnvBytes) l.env["TUNELAB_CONFIG"] = config_text;
  l.env["TUNELAB_CONFIG_FILE"] = (fs::path(t.rec.trial_dir) / "config.json").string();
  l.env["TUNELAB_TRIAL_DIR"] = t.rec.trial_dir;
  l.env["TUNELAB_TRIAL_ID"] = std::to_string(t.rec.id);
  l.env["TUNELAB_STUDY"] = spec_.name;
  l.env["TUNELAB_ATTEMPT"] = std::to_string(t.rec.attempts);
  l.env["TUNELAB_REPORT_FD"] = "3";
  // Continue from the last checkpoint the trial reported, if it still exists.
  t.iteration_base = 0;
  std::error_code ec;
  if (!t.rec.checkpoint.empty() && fs::exists(t.rec.checkpoint, ec)) {
    l.env["TUNELAB_RESTORE_PATH"] = t.rec.checkpoint;
    // In the trainable's own count (they differ after a PBT exploit).
    l.env["TUNELAB_RESTORE_ITERATION"] = std::to_string(t.rec.checkpoint_iteration - t.rec.iteration_offset);
    t.iteration_base = t.rec.checkpoint_iteration;
  }
  fs::create_directories(t.rec.trial_dir, ec);
  {
    std::ofstream cfg(l.env["TUNELAB_CONFIG_FILE"], std::ios::trunc);
    cfg << config_text << "\n";
  }
  const bool restoring = l.env.count("TUNELAB_RESTORE_PATH") > 0;
  if (!restoring) t.rec.iteration_offset = 0;  // a fresh start: the trainable's count is the trial's again
  t.rec.attempts += 1;
  if (Status s = executor_->start(l); !s) {
    if (s.errors().front().where == kOutOfResources) {
      resources_->release(*alloc);
      engine_short_of_resources(t, s.errors().front().message);
      return false;
    }
    // It cannot start at all (missing program, bad cwd): retrying will not help.
    t.rec.error = s.error_text();
    resources_->release(*alloc);
    finish_trial(t, TrialStatus::Error, s.error_text());
    return false;
  }
  // What the last attempt reported after the point this one restarts from is no longer the trial's curve.
  if (t.rec.last_iteration > t.iteration_base) abandon_results(t, t.iteration_base);
  t.running = true;
  t.end_as.reset();
  t.end_reason.clear();
  t.done_reported = false;
  t.ignored_after_end = false;
  t.reattached = false;
  t.reports_in_attempt = 0;
  t.last_reported.reset();
  t.attempt_start = t.last_activity = clock_->now();
  ++running_;
  t.alloc = *alloc;
  t.rec.status = TrialStatus::Running;
  if (!t.rec.started_at) t.rec.started_at = now_seconds();
  t.rec.ended_at.reset();
  resource_failures_ = idle_resource_failures_ = 0;
  t.rec.pgid = executor_->process_group(t.rec.id);
  t.rec.executor_job = executor_->job_id(t.rec.id);
  if (gpu_monitor_) gpu_monitor_->trial_started(t.rec.id, t.alloc, static_cast<int>(t.rec.pgid));
  store_->put_trial(t.rec);
  StudyEvent e;
  e.kind = StudyEvent::Kind::TrialStarted;
  e.trial_id = t.rec.id;
  e.data = {{"attempt", t.rec.attempts}, {"restore_path", restoring ? Json(t.rec.checkpoint) : Json()}};
  notify(std::move(e));
  if (t.rec.attempts == 1) {
    log(t.rec.id, "started", "trial " + std::to_string(t.rec.id) + " started");
  } else {
    log(t.rec.id, "restarted",
        "trial " + std::to_string(t.rec.id) + " restarted (attempt " + std::to_string(t.rec.attempts) + ")" +
            (restoring ? " from checkpoint at iteration " + std::to_string(t.rec.checkpoint_iteration) : " from the start"));
  }
  return true;
}

void Controller::handle(const ExecEvent& e) {
  auto it = trials_.find(e.trial_id);
  if (it == trials_.end()) return;
  Trial& t = *it->second;
  if (!t.running && e.kind != ExecEvent::Kind::Exited) return;  // an ended attempt adds nothing
  switch (e.kind) {
    case ExecEvent::Kind::Report: {
      // Each trial reports on its own channel (fd 3): a report claiming to be another trial's is refused.
      for (const char* key : {"trial_id", "_trial_id"}) {
        if (e.report.contains(key) && e.report[key] != Json(e.trial_id)) {
          t.last_activity = clock_->now();
          log(t.rec.id, "bad_report", "trial " + std::to_string(t.rec.id) + ": report ignored: it names trial " +
                                          dump_compact(e.report[key]) + " but came on trial " +
                                          std::to_string(t.rec.id) + "'s channel");
          return;
        }
      }
      if (!e.message.empty()) log(t.rec.id, "bad_report", "trial " + std::to_string(t.rec.id) + ": " + e.message);
      on_report(t, e.report);
      break;
    }
    case ExecEvent::Kind::BadReport:
      t.last_activity = clock_->now();
      log(t.rec.id, "bad_report", "trial " + std::to_string(t.rec.id) + ": report ignored: " + e.message);
      break;
    case ExecEvent::Kind::Exited:
      resource_retry_at_ = {};  // what it held is free again: a trial waiting for it may try now
      on_exit(t, e);
      break;
  }
}

void Controller::on_report(Trial& t, Json report) {
  const auto now = clock_->now();
  t.last_activity = now;
  ++t.reports_in_attempt;
  // Reserved keys are instructions, not metrics.
  std::optional<std::string> checkpoint;
  if (report.contains("_checkpoint")) {
    if (report["_checkpoint"].is_string()) checkpoint = report["_checkpoint"].get<std::string>();
    else log(t.rec.id, "bad_report", "trial " + std::to_string(t.rec.id) + ": _checkpoint must be a path string");
  }
  const bool done_flag = report.contains("_done") && report["_done"] == true;
  erase_members_if(report, [](const std::string& k) { return k.starts_with("_"); });  // one pass, not one per key
  // Left out, it is one more than the attempt's previous report (explicit or counted), not the report count:
  // after a jump to 5, the next reports are 6, 7, ... (a re-attached job's reports count from its base again).
  int64_t iteration = t.last_reported.value_or(t.iteration_base) + 1;
  if (report.contains("training_iteration")) {
    // Iterations count from 1; anything else a trial claims is not believed.
    const Json& v = report["training_iteration"];
    if (v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() >= 1 && v.get<double>() < 9e15) {
      iteration = static_cast<int64_t>(v.get<double>()) + t.rec.iteration_offset;
    } else {
      log(t.rec.id, "bad_report", "trial " + std::to_string(t.rec.id) + ": training_iteration " + dump_compact(v) +
                                      " is not a number from 1 to 9e15; counting reports instead");
    }
  }
  report["training_iteration"] = iteration;
  t.last_reported = iteration;
  if (!report.contains("time_total_s") || !report["time_total_s"].is_number()) {
    report["time_total_s"] = t.rec.runtime_s + seconds_between(t.attempt_start, now);
  }
  if (t.end_as && *t.end_as != TrialStatus::Pending) {
    // It was told to end or pause (done, stop criterion, scheduler, user, timeout): what it says on its
    // way out does not count; a paused trial repeats it after its checkpoint. (An interrupted session
    // keeps everything: the trial continues on resume.) They are expected: counted on the trial (stored with
    // it when it exits), with one ignored_report event for its first.
    t.ignored_after_end = true;
    if (t.rec.ignored_reports++ == 0) {
      log(t.rec.id, "ignored_report", "trial " + std::to_string(t.rec.id) +
                                          ": reports after it was told to end are ignored (counted in ignored_reports)");
    }
    if (checkpoint) discard_checkpoint(*store_, t.checkpoints, t.rec.trial_dir, *checkpoint);
    return;
  }
  if (iteration <= t.rec.last_iteration) {
    // A re-attached job's reports are read from the start: those already stored are skipped quietly.
    if (!t.reattached) log(t.rec.id, "duplicate_report",
        "trial " + std::to_string(t.rec.id) + ": training_iteration " + std::to_string(iteration) +
            " is already stored; report ignored");
    // A restarted trial repeating its last iteration may still say it is done.
    if (done_flag && !t.end_as) mark_done(t, now);
    return;
  }
  if (checkpoint) {
    fs::path p = *checkpoint;
    if (p.is_relative()) p = fs::path(t.rec.trial_dir) / p;
    std::error_code ec;
    // Confined to the trial's folder once symlinks are resolved: a trial cannot make the engine copy
    // (and later hand out) files that are not its own.
    const fs::path real = fs::weakly_canonical(p, ec);
    const fs::path rel = real.lexically_relative(fs::weakly_canonical(t.rec.trial_dir, ec));
    if (!fs::exists(p, ec)) {
      log(t.rec.id, "bad_report", "trial " + std::to_string(t.rec.id) + ": checkpoint " + p.string() + " does not exist");
    } else if (rel.empty() || *rel.begin() == ".." || rel == ".") {
      log(t.rec.id, "bad_report", "trial " + std::to_string(t.rec.id) + ": checkpoint " + p.string() +
                                      " is not inside the trial's folder; ignored");
    } else if (const std::string own = engine_owned_checkpoint(rel.string()); !own.empty()) {
      log(t.rec.id, "bad_report", "trial " + std::to_string(t.rec.id) + ": checkpoint " + p.string() + " " + own);
    } else if (auto pinned = pin_checkpoint(real.string(), t.rec.trial_dir, iteration); !pinned) {
      log(t.rec.id, "checkpoint_failed", "trial " + std::to_string(t.rec.id) + ": " + pinned.error_text());
    } else {
      hold_checkpoint(t.checkpoints, t.rec.trial_dir, iteration, *pinned, real.string());
      t.rec.checkpoint = *pinned;
      t.rec.checkpoint_iteration = iteration;
      store_->add_checkpoint(t.rec.id, iteration, t.rec.checkpoint, now_seconds());
    }
  }
  if (const Json* m = report.contains(spec_.objective.metric) ? &report[spec_.objective.metric] : nullptr;
      m && !m->is_number() && !m->is_null()) {
    log(t.rec.id, "bad_report", "trial " + std::to_string(t.rec.id) + ": metric \"" + spec_.objective.metric + "\" is a " +
                                    m->type_name() + " (" + dump_compact(*m).substr(0, 80) +
                                    "), not a number; the result is stored but counts as missing it");
  }
  t.rec.last_iteration = iteration;
  ResultRecord r{t.rec.id, iteration, report["time_total_s"].get<double>(), now_seconds(), report, t.rec.attempts};
  store_->append_result(r);
  // The trial row changes with a checkpoint; last_iteration alone is rebuilt from the results on resume.
  if (checkpoint) store_->put_trial(t.rec);
  if (checkpoint) release_after_commit(*store_, t.checkpoints, spec_.checkpoint_keep, t.rec.checkpoint);
  note_result(t, report);
  const auto& obj = spec_.objective;
  StudyEvent ev;
  ev.kind = StudyEvent::Kind::TrialResult;
  ev.trial_id = t.rec.id;
  ev.data = report;
  notify(std::move(ev));

  if (t.end_as) return;  // already on its way out: no more decisions
  const TrialSnapshot snap = snapshot(t);
  searcher_->on_result(snap, report);
  if (done_flag) {
    mark_done(t, now);
    return;
  }
  if (const Decision d = spec_.stop.check(report, obj.metric, obj.maximize); d.action == Decision::Action::Stop) {
    request_end(t, d.reached_end ? TrialStatus::Completed : TrialStatus::Stopped, "stopper", d.reason, d.details);
    return;
  }
  if (apply_stoppers(t, snap, report)) return;
  apply_decision(t, scheduler_->on_result(snap, report), "scheduler");
}

void Controller::note_result(Trial& t, const Json& report) {
  t.last_result = report;
  t.rec.last_iteration = std::max(t.rec.last_iteration, report.value("training_iteration", int64_t{0}));
  const auto& obj = spec_.objective;
  if (!report.contains(obj.metric) || !report[obj.metric].is_number()) return;
  const double v = report[obj.metric].get<double>();
  if (!std::isfinite(v)) return;
  t.last = v;
  if (!t.best || obj.better(v, *t.best)) t.best = v;
  if (!best_value_ || obj.better(v, *best_value_)) {
    best_value_ = v;
    best_trial_ = t.rec.id;
  }
}

void Controller::request_end(Trial& t, TrialStatus as, const std::string& source, const std::string& reason,
                             const Json& details, const char* action) {
  if (!t.running) return;
  if (t.end_as) {
    // Already on its way out. Only a pause can still become a stop or a completion (e.g. a scheduler
    // deciding about a trial whose pause has not taken effect yet).
    if (*t.end_as != TrialStatus::Paused || (as != TrialStatus::Stopped && as != TrialStatus::Completed)) return;
    t.exploit.reset();
    t.end_as = as;
    t.end_reason = reason;
    if (source != "trial") {
      record_decision(t, source, action ? action : as == TrialStatus::Completed ? "complete" : "stop", reason, details);
    }
    return;
  }
  t.end_as = as;
  t.end_reason = reason;
  // The action names what the trial becomes: pause, stop (stopped early), or complete (reached its planned end).
  if (!action) action = as == TrialStatus::Paused ? "pause" : as == TrialStatus::Completed ? "complete" : "stop";
  if (source != "trial") record_decision(t, source, action, reason, details);
  // A trial that said it is done gets the grace period to exit by itself before being signalled.
  if (!t.done_reported) executor_->stop(t.rec.id, options_.kill_grace);
}

void Controller::on_exit(Trial& t, const ExecEvent& e) {
  if (!t.running) return;
  t.running = false;
  --running_;
  release_resources(t);
  t.rec.runtime_s += seconds_between(t.attempt_start, clock_->now());
  t.rec.pgid = 0;
  t.rec.executor_job.clear();
  if (t.end_as) {
    if (*t.end_as == TrialStatus::Pending) {  // interrupted session: leave it to restart on resume
      t.rec.status = TrialStatus::Pending;
      store_->put_trial(t.rec);
      return;
    }
    if (*t.end_as == TrialStatus::Paused) {
      pause_ended(t);
      return;
    }
    finish_trial(t, *t.end_as, t.end_reason);
    return;
  }
  if (e.exit_code == 0 && !e.signal) {
    finish_trial(t, TrialStatus::Completed, "finished");
    return;
  }
  t.rec.failures += 1;
  const std::string how = describe_exit(e);
  const std::string tail = file_tail(t.rec.trial_dir + "/stderr.log", 4096);
  if (t.rec.failures <= spec_.max_failures) {
    t.rec.status = TrialStatus::Pending;
    store_->put_trial(t.rec);
    log(t.rec.id, "retried",
        "trial " + std::to_string(t.rec.id) + " " + how + "; retrying (failure " + std::to_string(t.rec.failures) +
            " of at most " + std::to_string(spec_.max_failures) + ")",
        {{"exit_code", e.exit_code}, {"signal", e.signal}, {"stderr_tail", tail}});
    return;
  }
  t.rec.error = how + (tail.empty() ? "" : "; stderr ends with:\n" + tail);
  finish_trial(t, TrialStatus::Error, how);
}

void Controller::finish_trial(Trial& t, TrialStatus status, const std::string& reason) {
  t.rec.status = status;
  t.rec.ended_at = now_seconds();
  store_->put_trial(t.rec);
  const TrialSnapshot snap = snapshot(t);
  searcher_->on_complete(snap);
  scheduler_->on_complete(snap);
  for (auto& s : stoppers_) s->on_complete(snap);
  if (spec_.objectives.size() > 1) note_pareto_front();
  t.last_result = compact_result(t.last_result, spec_.objectives);
  log(t.rec.id, status == TrialStatus::Error ? "errored" : to_string(status),
      "trial " + std::to_string(t.rec.id) + " " + to_string(status) + ": " + reason,
      status == TrialStatus::Error ? Json{{"error", t.rec.error}} : Json());
  StudyEvent e;
  e.kind = StudyEvent::Kind::TrialEnded;
  e.trial_id = t.rec.id;
  e.data = {{"status", to_string(status)}, {"reason", reason}};
  notify(std::move(e));
}

std::chrono::milliseconds Controller::time_to_next_timer() const {
  // The timers check_timers() acts on: trial timeouts, the grace of trials that said they are done,
  // and the study's time budget; at most one progress interval.
  const auto now = clock_->now();
  double left = std::chrono::duration<double>(options_.progress_interval).count();
  const double grace = std::chrono::duration<double>(options_.kill_grace).count();
  for (const auto& [id, t] : trials_) {
    if (!t->running) continue;
    if (spec_.trial_timeout_s && !t->end_as) left = std::min(left, *spec_.trial_timeout_s - seconds_between(t->last_activity, now));
    if (t->done_reported) left = std::min(left, grace - seconds_between(t->done_at, now));
  }
  if (spec_.stop.time_budget_s && !budget_spent_) left = std::min(left, *spec_.stop.time_budget_s - elapsed_s());
  if (resource_retry_at_ > now) left = std::min(left, seconds_between(now, resource_retry_at_));
  return std::chrono::milliseconds(static_cast<int64_t>(std::max(0.0, left) * 1000) + 1);
}

void Controller::release_resources(Trial& t) {
  // Freed the moment the process is gone: the loop starts the next pending trial in the same turn.
  resources_->release(t.alloc);
  if (gpu_monitor_ && !t.alloc.gpus.empty()) store_->add_trial_gpu(gpu_monitor_->trial_ended(t.rec.id));
  t.alloc = {};
}

void Controller::mark_done(Trial& t, SteadyClock::time_point now) {
  t.done_reported = true;
  t.done_at = now;
  request_end(t, TrialStatus::Completed, "trial", "the trial reported it is done");
}

void Controller::check_timers() {
  const auto now = clock_->now();
  for (auto& [id, t] : trials_) {
    // A trial that said it is done had the grace period to exit by itself.
    if (t->running && t->done_reported && now - t->done_at >= options_.kill_grace) {
      t->done_reported = false;
      executor_->stop(id, options_.kill_grace);
    }
  }
  if (spec_.trial_timeout_s) {
    for (auto& [id, t] : trials_) {
      if (!t->running || t->end_as) continue;
      if (seconds_between(t->last_activity, now) >= *spec_.trial_timeout_s) {
        t->rec.error = "no report for " + dump_compact(Json(*spec_.trial_timeout_s)) + " s (trial_timeout_s)";
        request_end(*t, TrialStatus::Error, "stopper", t->rec.error);
      }
    }
  }
  if (spec_.stop.time_budget_s && !budget_spent_ && elapsed_s() >= *spec_.stop.time_budget_s) {
    budget_spent_ = true;
    stopping_study_ = true;
    const std::string why = "study time budget of " + dump_compact(Json(*spec_.stop.time_budget_s)) + " s used up";
    log(std::nullopt, "budget", why);
    for (auto& [id, t] : trials_) {
      if (t->running) request_end(*t, TrialStatus::Stopped, "stopper", why);
    }
  }
}

TrialSnapshot Controller::snapshot(const Trial& t) const {
  TrialSnapshot s;
  s.id = t.rec.id;
  s.config = t.rec.config;
  s.status = t.rec.status;
  s.iteration = t.rec.last_iteration;
  s.last_objective = t.last;
  s.best_objective = t.best;
  s.last_result = t.last_result;
  if (t.last_result.is_object()) s.time_total_s = t.last_result.value("time_total_s", 0.0);
  s.checkpoint_iteration = t.rec.checkpoint.empty() ? 0 : t.rec.checkpoint_iteration;
  s.parent_id = t.rec.parent_id;
  return s;
}

void Controller::log(std::optional<int64_t> trial, const std::string& kind, const std::string& message,
                     const Json& details) {
  store_->add_event({trial, now_seconds(), kind, message, details});
  StudyEvent e;
  e.kind = StudyEvent::Kind::Log;
  e.trial_id = trial.value_or(-1);
  e.message = message;
  e.data = {{"kind", kind}};
  notify(std::move(e));
}

void Controller::note_pareto_front() {
  std::vector<std::pair<int64_t, const Json*>> last;
  for (const auto& [id, t] : trials_) {
    if (is_finished(t->rec.status)) last.emplace_back(id, &t->last_result);
  }
  std::vector<int64_t> front = pareto_optimal_ids(spec_.objectives, last);
  if (front == pareto_front_) return;
  pareto_front_ = std::move(front);
  std::string ids;
  for (int64_t id : pareto_front_) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
  log(std::nullopt, "pareto_front", "Pareto front: trial" + std::string(pareto_front_.size() == 1 ? " " : "s ") + ids,
      {{"trials", pareto_front_}});
}

void Controller::notify(StudyEvent e) {
  for (auto& o : observers_) o(e);
}

Progress Controller::progress() const {
  Progress p;
  p.total = total_trials_;
  p.created = static_cast<int64_t>(trials_.size());
  for (const auto& [id, t] : trials_) count_trial(p, t->rec.status);
  p.best_trial = best_trial_;
  p.best_value = best_value_;
  p.study_paused = study_paused_;
  p.elapsed_s = elapsed_s();
  p.eta_s = estimate_eta(p, spec_.stop.time_budget_s);
  return p;
}

void Controller::emit_progress(bool force) {
  const auto now = clock_->now();
  if (!force && now - last_progress_ < options_.progress_interval) return;
  last_progress_ = now;
  // The study's running time survives an engine crash (the time budget counts every session).
  if (!force) store_->set_study_status("running", elapsed_s());
  StudyEvent e;
  e.kind = StudyEvent::Kind::Progress;
  e.progress = progress();
  notify(std::move(e));
}

// The spec's "stoppers": a trial that reached its planned end (its iteration limit, a metric threshold:
// Decision::reached_end) completed; one stopped for a plateau or a timeout was stopped early.
bool Controller::apply_stoppers(Trial& t, const TrialSnapshot& snap, const Json& report) {
  for (size_t i = 0; i < stoppers_.size(); ++i) {
    const Decision d = stoppers_[i]->on_result(snap, report);
    if (d.action != Decision::Action::Stop) continue;
    request_end(t, d.reached_end ? TrialStatus::Completed : TrialStatus::Stopped, "stopper", d.reason, d.details);
    return true;
  }
  return false;
}

void Controller::check_study_stoppers() {
  if (stopping_study_) return;
  for (auto& s : stoppers_) {
    auto why = s->stop_study();
    if (!why) continue;
    stopping_study_ = true;
    log(std::nullopt, "stopped", "study stopped: " + *why);
    for (auto& [id, t] : trials_) {
      if (t->running) request_end(*t, TrialStatus::Stopped, "stopper", *why);
    }
    return;
  }
}

}  // namespace tunelab
