#pragma once
// Runs each trial as a Slurm batch job (docs/cluster.md).
//
// A trial is submitted with `sbatch --parsable` and a batch script written in its trial directory
// (core/exec/slurm_script.h). The trial's reports go to a file in that directory, which must be on a
// filesystem shared with the compute nodes; this executor reads the file as it grows and turns each
// line into a Report or BadReport. The script writes the exit status to a file when the trial ends;
// squeue (every poll_s) and sacct (when the cluster keeps accounting) tell about jobs that ended
// without one (cancelled, out of time, node failure). Stopping is `scancel --signal=TERM --full`, then
// `scancel --signal=KILL --full` and `scancel` after the grace period. Every command is an argv.
#include <map>
#include <memory>

#include "core/exec/executor.h"
#include "core/exec/report_parser.h"
#include "core/exec/slurm_script.h"

namespace tunelab {

class SlurmExecutor final : public Executor {
 public:
  SlurmExecutor(SlurmOptions options, SlurmResources resources);
  // Leaves its jobs alone: a resumed engine re-attaches to those still running.
  ~SlurmExecutor() override;
  SlurmExecutor(const SlurmExecutor&) = delete;
  SlurmExecutor& operator=(const SlurmExecutor&) = delete;

  Status start(const Launch& launch) override;
  void stop(int64_t trial_id, std::chrono::milliseconds grace) override;
  std::vector<ExecEvent> wait(std::chrono::milliseconds timeout) override;
  void wake() override;
  size_t running() const override { return jobs_.size(); }
  std::string job_id(int64_t trial_id) const override;
  bool reattach(Launch& launch, const std::string& job) override;
  // A job that cannot be re-attached may have left processes on this machine (a job run on the submit
  // host): those are killed as the local executor does.
  int kill_stale(int pgid, const std::string& trial_dir) override;
  bool runs_locally() const override { return false; }

 private:
  struct Job;
  void track(const Launch& launch, const std::string& job_id);
  void tail(Job& j, std::vector<ExecEvent>& out, bool to_end);
  void poll_queue();
  bool finish_if_ended(Job& j, std::vector<ExecEvent>& out);
  void emit_exit(Job& j, int status_code, int signal, std::vector<ExecEvent>& out);
  void cancel(const std::string& job, const char* signal);
  bool accounting();  // sacct works here (checked once)

  SlurmOptions options_;
  SlurmResources resources_;
  std::map<int64_t, std::unique_ptr<Job>> jobs_;
  std::chrono::steady_clock::time_point next_poll_{};
  int accounting_ = -1;  // -1 unknown, 0 no, 1 yes
  int wake_fd_ = -1;     // eventfd
};

}  // namespace tunelab
