#pragma once
// The Controller: the single-threaded study loop tying searcher, scheduler, executor and store.
//
// Each turn it fills free CPU slots with trials (paused ones the scheduler picks first, else new ones
// from the searcher), waits on every trial's report channel and exit at once, routes each result to
// the store, the stop criteria, the scheduler and the searcher, applies their decisions, and frees
// resources the moment a trial ends. Commands from other threads arrive through a locked queue.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/control/server.h"
#include "core/exec/executor.h"
#include "core/gpu/allocator.h"
#include "core/gpu/monitor.h"
#include "core/run/events.h"
#include "core/schedule/scheduler.h"
#include "core/schedule/stopper.h"
#include "core/search/searcher.h"
#include "core/store/store.h"
#include "core/study/spec.h"
#include "core/util/clock.h"

namespace tunelab {

struct ControllerOptions {
  // Binary that runs built-in trainables (`BIN trial NAME`). Default: $TUNELAB_BIN, else this process.
  // When a `tunelab-trial` binary (the built-in trainables without the GUI's libraries, which start
  // ten times faster) sits beside it, that one is used as `tunelab-trial NAME`.
  std::string self_exe;
  // Overrides the spec's max_concurrent when > 0.
  int64_t max_concurrent = 0;
  // CPU slots shared by trials (each takes resources_per_trial.cpu). 0: the machine's cores.
  double cpu_slots = 0;
  // Time a trial gets between SIGTERM and SIGKILL.
  std::chrono::milliseconds kill_grace{5000};
  // How often observers get a Progress event.
  std::chrono::milliseconds progress_interval{1000};
  // When set to true (e.g. by a SIGINT handler, which then calls wake()), the session ends:
  // running trials are stopped and left to restart on `tunelab resume`.
  const std::atomic<bool>* interrupt = nullptr;
  // Replaces the executor the spec names (tests: tests/support/fake_executor.h).
  std::unique_ptr<Executor> executor;
  // Replaces the steady clock that trial timeouts, grace periods, the time budget and progress ticks
  // are read from (tests move a fake one instead of sleeping).
  std::shared_ptr<const Clock> clock;
  // Replaces the searcher the spec names (tests).
  std::unique_ptr<Searcher> searcher;
  // Replaces the scheduler the spec names (tests, what-if replays).
  std::unique_ptr<Scheduler> scheduler;
};

class Controller {
 public:
  // A new study in a new database file (its parent folders are created).
  static Result<std::unique_ptr<Controller>> create(StudySpec spec, const std::string& db_path,
                                                    ControllerOptions options);
  // The study in an existing database: finished trials stay finished, the others restart from their
  // last checkpoint, and the searcher continues from the stored history.
  static Result<std::unique_ptr<Controller>> resume(const std::string& db_path, ControllerOptions options);
  ~Controller();

  void add_observer(Observer observer);
  const StudySpec& spec() const { return spec_; }
  const Store& store() const { return *store_; }
  const std::string& trials_dir() const { return study_.trials_dir; }
  // The GPUs trials may use (empty without GPUs) and the latest reading of each (empty until sampled).
  const std::vector<gpu::GpuDevice>& gpus() const { return resources_->devices(); }
  std::vector<GpuSampleRecord> gpu_readings() const { return gpu_monitor_ ? gpu_monitor_->latest() : std::vector<GpuSampleRecord>{}; }

  // Runs until the study is done, stopped, or interrupted. Returns the study status:
  // "completed" (every trial finished, or the time budget ran out), "stopped" (stop_study),
  // or "interrupted" (the interrupt flag; resumable).
  Result<std::string> run();

  // Thread-safe commands, applied on the controller's next turn. Each is recorded as a decision of
  // source "user" (or an event) with its reason.
  void stop_trial(int64_t trial_id, std::string reason);
  void stop_study(std::string reason);
  void set_max_concurrent(int64_t n);
  // Its process ends (SIGTERM, then SIGKILL after the grace period) and it waits, holding its checkpoint,
  // until resume_trial; then it restarts from that checkpoint. A pending trial is held before it starts.
  void pause_trial(int64_t trial_id, std::string reason);
  void resume_trial(int64_t trial_id);
  // Running trials pause as with pause_trial and nothing starts until resume_study.
  void pause_study(std::string reason);
  void resume_study();
  // An extra trial with this config (checked against the space; an invalid one is logged and dropped).
  // parent_id names the trial it was cloned from, if any. The searcher still proposes its own trials.
  void add_trial(Json config, std::optional<int64_t> parent_id, std::string reason);
  // Async-signal-safe: makes the loop look at its commands and interrupt flag now.
  void wake();

 private:
  struct Trial;
  struct Command {
    enum class Kind { StopTrial, StopStudy, SetMaxConcurrent, PauseTrial, ResumeTrial, PauseStudy, ResumeStudy, AddTrial } kind;
    int64_t value = 0;
    std::string reason;
    Json config = nullptr;          // AddTrial
    std::optional<int64_t> parent;  // AddTrial
    int64_t channel_id = 0;         // a command read from the study database (controller_channel.cpp)
  };
  void push_command(Command c);
  Controller() = default;
  Status init(bool resumed, const std::vector<ResultRecord>& history = {});
  Status init_resources(double cpu_slots);  // controller_resources.cpp
  bool reattach_trial(Trial& t);            // resume: take over a batch job still running

  // Loop pieces.
  void fill_slots();
  bool start_trial(Trial& t);
  bool can_start(const Trial& t) const;
  bool slot_free() const;  // another trial could start now (max_concurrent, CPU slots, GPUs)
  Trial* next_waiting();
  Trial* create_trial();
  void handle(const ExecEvent& e);
  void on_report(Trial& t, Json report);
  void on_exit(Trial& t, const ExecEvent& e);
  void request_end(Trial& t, TrialStatus as, const std::string& source, const std::string& reason,
                   const Json& details = nullptr, const char* action = nullptr);
  void apply_decision(Trial& t, const Decision& d, const std::string& source);
  void apply_idle_decisions();
  void record_decision(const Trial& t, const std::string& source, const std::string& action,
                       const std::string& reason, const Json& details);
  void pause_ended(Trial& t);
  void exploit(Trial& t);
  Trial* add_user_trial(Json config, std::optional<int64_t> parent, const std::string& reason);
  void replay_history(const std::vector<ResultRecord>& results);
  void note_result(Trial& t, const Json& report);
  void abandon_results(Trial& t, int64_t iteration);  // the curve restarts after `iteration`
  void finish_trial(Trial& t, TrialStatus status, const std::string& reason);
  void check_timers();
  bool apply_stoppers(Trial& t, const TrialSnapshot& snap, const Json& report);
  void check_study_stoppers();
  std::chrono::milliseconds time_to_next_timer() const;
  void mark_done(Trial& t, std::chrono::steady_clock::time_point now);
  void release_resources(Trial& t);
  void apply_commands();
  void apply_command(Command& c);
  // The control channel (controller_channel.cpp): commands other processes write into the database.
  void start_channel();
  void stop_channel();
  void deliver_channel_command(control::CommandRow row);  // on the channel's thread
  void apply_channel_command(Command& c);                 // checks, applies, records the outcome
  bool done() const;
  bool waiting_for_user() const;
  void mark_searcher_finished();

  // Output.
  void log(std::optional<int64_t> trial, const std::string& kind, const std::string& message,
           const Json& details = nullptr);
  void notify(StudyEvent e);
  // Several objectives: logs a "pareto_front" event when the finished trials' front changes.
  void note_pareto_front();
  void emit_progress(bool force);
  Progress progress() const;
  TrialSnapshot snapshot(const Trial& t) const;
  double elapsed_s() const;

  ControllerOptions options_;
  StudySpec spec_;
  StudyRecord study_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Searcher> searcher_;
  std::unique_ptr<Scheduler> scheduler_;
  std::vector<std::unique_ptr<Stopper>> stoppers_;  // the spec's "stoppers" list: any one stops
  std::unique_ptr<Executor> executor_;
  std::shared_ptr<const Clock> clock_ = steady_time_clock();
  std::vector<Observer> observers_;
  std::string trial_exe_;  // tunelab-trial beside self_exe, or empty

  std::map<int64_t, std::unique_ptr<Trial>> trials_;
  int64_t total_trials_ = -1;
  bool searcher_finished_ = false;
  std::vector<int64_t> pareto_front_;  // several objectives: the last front logged
  int64_t max_concurrent_ = 0;
  // CPU slots and GPU shares (core/gpu/allocator.h), the request every trial makes, and the GPU sampler.
  std::unique_ptr<gpu::ResourceAllocator> resources_;
  gpu::ResourceRequest request_;
  bool mps_ = false;  // an MPS daemon runs: trials sharing a GPU get CUDA_MPS_ACTIVE_THREAD_PERCENTAGE
  size_t running_ = 0;

  std::chrono::steady_clock::time_point session_start_;
  double elapsed_before_ = 0;     // study time spent in earlier sessions
  std::chrono::steady_clock::time_point last_progress_{};
  bool budget_spent_ = false;
  bool stopping_study_ = false;   // no new trials; end when none run
  bool study_paused_ = false;     // no new trials until resume_study; the session waits
  std::string end_status_ = "completed";
  // The engine ran out of file descriptors, processes or memory starting a trial: not the trial's fault.
  // It waits as pending and no trial starts before resource_retry_at_ (a backoff); when one cannot start
  // even with none running, the study stops, resumable, with resource_error_ (controller.cpp).
  void engine_short_of_resources(Trial& t, const std::string& why);
  std::chrono::steady_clock::time_point resource_retry_at_{};
  int resource_failures_ = 0, idle_resource_failures_ = 0;
  std::string resource_error_;
  std::optional<int64_t> best_trial_;
  std::optional<double> best_value_;

  std::mutex commands_mutex_;
  std::vector<Command> commands_;  // guarded by commands_mutex_
  std::unique_ptr<gpu::GpuMonitor> gpu_monitor_;  // declared after store_: stops before the store closes
  std::unique_ptr<control::ChannelServer> channel_;  // while run() runs
};

}  // namespace tunelab
