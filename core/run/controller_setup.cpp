// Creating and resuming studies: everything the controller does before its loop starts.
#include <unistd.h>

#include <filesystem>
#include <map>
#include <random>
#include <thread>

#include "core/exec/executor_registry.h"
#include "core/run/controller.h"
#include "core/run/trial_state.h"

namespace tunelab {
namespace fs = std::filesystem;

namespace {

std::string default_self_exe() {
  if (const char* bin = std::getenv("TUNELAB_BIN"); bin && *bin) return bin;
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("tunelab") : p.string();
}

// Trial folders live beside the database: study.db -> study_trials/.
std::string trials_dir_for(const std::string& db_path) {
  fs::path db = fs::absolute(db_path);
  return (db.parent_path() / (db.stem().string() + "_trials")).string();
}

// A trial left running by a dead engine (unless its batch job may still run) or waiting to be retried
// restarts from its checkpoint, or from the start without one: what its last attempt stored after that
// point becomes history before the scheduler and the searcher are replayed the trial's curve.
void supersede_abandoned_results(Store& store, std::vector<TrialRecord>& trials, std::vector<ResultRecord>& results) {
  std::map<int64_t, int64_t> restart_from;
  for (const auto& rec : trials) {
    const bool restarts = rec.status == TrialStatus::Pending || (rec.status == TrialStatus::Running && rec.executor_job.empty());
    if (!restarts) continue;
    std::error_code ec;
    const bool restorable = !rec.checkpoint.empty() && fs::exists(rec.checkpoint, ec);
    restart_from[rec.id] = restorable ? rec.checkpoint_iteration : 0;
  }
  std::map<int64_t, int64_t> moved;  // trial -> last iteration moved
  std::erase_if(results, [&](const ResultRecord& r) {
    auto it = restart_from.find(r.trial_id);
    if (it == restart_from.end() || r.iteration <= it->second) return false;
    moved[r.trial_id] = std::max(moved[r.trial_id], r.iteration);
    return true;
  });
  for (auto& rec : trials) {
    auto it = moved.find(rec.id);
    if (it == moved.end()) continue;
    const int64_t from = restart_from.at(rec.id);
    store.supersede_results(rec.id, from, now_seconds());
    store.add_event({rec.id, now_seconds(), "results_superseded",
                     "trial " + std::to_string(rec.id) + ": attempt " + std::to_string(rec.attempts) +
                         "'s results for iterations " + std::to_string(from + 1) + " to " +
                         std::to_string(it->second) + " are kept as history; the trial restarts from " +
                         (from > 0 ? "its checkpoint at iteration " + std::to_string(from) : std::string("the start")),
                     Json{{"attempt", rec.attempts}, {"from_iteration", from + 1}, {"to_iteration", it->second}}});
    rec.last_iteration = std::min(rec.last_iteration, from);
    store.put_trial(rec);
  }
}

}  // namespace

Controller::~Controller() = default;

Result<std::unique_ptr<Controller>> Controller::create(StudySpec spec, const std::string& db_path,
                                                       ControllerOptions options) {
  if (!spec.seed) {
    // Fixed now and stored, so a resumed study draws exactly what this one would have.
    spec.seed = std::random_device{}() & 0x7fffffffULL;
    spec.raw["seed"] = *spec.seed;
  }
  auto store = Store::open(db_path, Store::Mode::Create);
  if (!store) return store.errors();
  std::unique_ptr<Controller> c(new Controller());
  c->options_ = std::move(options);
  c->spec_ = std::move(spec);
  c->store_ = std::move(*store);
  c->study_.name = c->spec_.name;
  c->study_.spec = c->spec_.raw;
  c->study_.base_dir = c->spec_.base_dir;
  c->study_.trials_dir = trials_dir_for(db_path);
  c->study_.created_at = c->study_.updated_at = now_seconds();
  if (auto s = c->store_->create_study(c->study_); !s) return s.errors();
  if (auto s = c->init(false); !s) return s.errors();
  return c;
}

Result<std::unique_ptr<Controller>> Controller::resume(const std::string& db_path, ControllerOptions options) {
  auto store = Store::open(db_path, Store::Mode::Open);
  if (!store) return store.errors();
  auto study = (*store)->load_study();
  if (!study) return study.errors();
  // The stored spec had its cwd resolved against base_dir when created; parse it the same way.
  auto spec = parse_spec(study->spec, study->base_dir);
  if (!spec) {
    Errors errs = spec.errors();
    for (auto& e : errs) e.where = db_path + ": stored spec: " + e.where;
    return errs;
  }
  std::unique_ptr<Controller> c(new Controller());
  c->options_ = std::move(options);
  c->spec_ = std::move(*spec);
  c->store_ = std::move(*store);
  c->study_ = std::move(*study);
  c->elapsed_before_ = c->study_.elapsed_s;

  auto trials = c->store_->load_trials();
  if (!trials) return trials.errors();
  auto results = c->store_->load_results_in_order();
  if (!results) return results.errors();
  supersede_abandoned_results(*c->store_, *trials, *results);
  for (auto& rec : *trials) {
    auto t = std::make_unique<Trial>();
    t->rec = std::move(rec);
    c->trials_[t->rec.id] = std::move(t);
  }
  if (auto s = c->init(true, *results); !s) return s.errors();
  return c;
}

Status Controller::init(bool resumed, const std::vector<ResultRecord>& history) {
  if (options_.self_exe.empty()) options_.self_exe = default_self_exe();
  {
    std::error_code ec;
    const fs::path lean = fs::path(options_.self_exe).parent_path() / "tunelab-trial";
    if (fs::is_regular_file(lean, ec) && ::access(lean.c_str(), X_OK) == 0) trial_exe_ = lean.string();
  }
  if (options_.clock) clock_ = options_.clock;
  if (options_.executor) {
    executor_ = std::move(options_.executor);
  } else {
    auto executor = make_executor(spec_.executor, {spec_.cpu_per_trial, spec_.gpu_per_trial});
    if (!executor) return executor.errors();
    executor_ = std::move(*executor);
  }
  const auto cores = static_cast<double>(std::max(1u, std::thread::hardware_concurrency()));
  if (auto s = init_resources(options_.cpu_slots > 0 ? options_.cpu_slots : cores); !s) return s;
  max_concurrent_ = options_.max_concurrent > 0 ? options_.max_concurrent : spec_.max_concurrent;

  if (options_.searcher) {
    searcher_ = std::move(options_.searcher);
  } else {
    auto searcher = make_searcher(search_context(spec_));
    if (!searcher) return searcher.errors();
    searcher_ = std::move(*searcher);
  }
  total_trials_ = searcher_->total_trials();
  if (options_.scheduler) {
    scheduler_ = std::move(options_.scheduler);
  } else {
    auto scheduler = make_scheduler(
        {spec_.objective.metric, spec_.objective.maximize, spec_.scheduler, &spec_.space, spec_.seed.value_or(0)});
    if (!scheduler) return scheduler.errors();
    scheduler_ = std::move(*scheduler);
  }

  for (const auto& entry : spec_.stoppers) {
    auto stopper = make_stopper(
        entry, {spec_.objective.metric, spec_.objective.maximize, entry, &spec_.space, spec_.seed.value_or(0)});
    if (!stopper) return stopper.errors();
    stoppers_.push_back(std::move(*stopper));
  }

  std::error_code ec;
  fs::create_directories(study_.trials_dir, ec);
  if (ec) return Error{study_.trials_dir, "cannot create the trials folder: " + ec.message()};

  if (resumed) {
    replay_history(history);
    int restarted = 0, reattached = 0;
    for (auto& [id, t] : trials_) {
      if (t->rec.origin != "search" && total_trials_ >= 0) ++total_trials_;
      if (t->rec.status == TrialStatus::Running && reattach_trial(*t)) {
        ++reattached;
      } else if (t->rec.status == TrialStatus::Running) {
        // Left running by an engine that died: its processes must not linger or write on.
        executor_->kill_stale(static_cast<int>(t->rec.pgid), t->rec.trial_dir);
        t->rec.status = TrialStatus::Pending;
        t->rec.pgid = 0;
        t->rec.executor_job.clear();
        store_->put_trial(t->rec);
        ++restarted;
      }
    }
    log(std::nullopt, "resumed",
        "study resumed: " + std::to_string(trials_.size()) + " trials known, " + std::to_string(restarted) +
            " were running and will restart" + (restarted ? " from their last checkpoint" : "") +
            (reattached ? "; " + std::to_string(reattached) + " still run as batch jobs and were re-attached" : ""));
  } else {
    log(std::nullopt, "created", "study \"" + spec_.name + "\" created (seed " + std::to_string(*spec_.seed) + ")");
  }
  return {};
}

// A trial whose batch job outlived the previous engine: the executor takes the job over and the
// trial goes on running; its reports are read again and those already stored are skipped.
bool Controller::reattach_trial(Trial& t) {
  if (t.rec.executor_job.empty()) return false;
  Launch l;
  l.trial_id = t.rec.id;
  l.trial_dir = t.rec.trial_dir;
  if (!executor_->reattach(l, t.rec.executor_job)) return false;
  auto alloc = resources_->allocate(request_, true);
  t.alloc = alloc ? *alloc : gpu::Allocation{};
  t.running = true;
  t.reattached = true;
  ++running_;
  t.iteration_base = 0;
  if (auto it = l.env.find("TUNELAB_RESTORE_ITERATION"); it != l.env.end()) {
    t.iteration_base = std::atoll(it->second.c_str()) + t.rec.iteration_offset;
  }
  t.attempt_start = t.last_activity = clock_->now();
  log(t.rec.id, "reattached", "trial " + std::to_string(t.rec.id) + " re-attached to its job " + t.rec.executor_job,
      {{"job", t.rec.executor_job}});
  return true;
}

}  // namespace tunelab
