#pragma once
// Runs trials as local processes, each in a process group of its own, and waits on all their
// report pipes and exit notifications (pidfds) at once with poll(2): an idle study costs no CPU.
#include <map>
#include <memory>

#include "core/exec/executor.h"
#include "core/exec/report_parser.h"
#include "core/exec/trial_cgroup.h"

namespace tunelab {

class LocalExecutor final : public Executor {
 public:
  LocalExecutor();
  ~LocalExecutor() override;  // kills every process group still running
  LocalExecutor(const LocalExecutor&) = delete;
  LocalExecutor& operator=(const LocalExecutor&) = delete;

  Status start(const Launch& launch) override;
  void stop(int64_t trial_id, std::chrono::milliseconds grace) override;
  std::vector<ExecEvent> wait(std::chrono::milliseconds timeout) override;
  void wake() override;
  size_t running() const override { return procs_.size(); }

  int process_group(int64_t trial_id) const override;
  int kill_stale(int pgid, const std::string& trial_dir) override;  // kill_stale_trial_processes
  std::string containment() const override { return containment_; }

  // stdout.log and stderr.log are each kept under about this size (checked every 0.5 s and at exit):
  // past it the log moves to <log>.1 and starts again, so a trial's logs take at most about twice it.
  static constexpr uint64_t kLogCapBytes = 16ull << 20;
  // When a trial's main process has ended, its report channel is read once more: only the bytes in it
  // at that moment, at most this many lines; then it is closed. A process that escaped the trial and
  // kept the channel cannot hold the engine or add results to an ended trial.
  static constexpr size_t kFinalDrainLines = 10000;

 private:
  struct Proc;
  void drain(Proc& p, std::vector<ExecEvent>& out, bool to_eof);
  void drain_final(Proc& p, std::vector<ExecEvent>& out, size_t bytes);  // after the trial's end
  void reap(int64_t trial_id, std::vector<ExecEvent>& out);

  std::map<int64_t, std::unique_ptr<Proc>> procs_;
  int wake_fd_ = -1;  // eventfd
  std::chrono::steady_clock::time_point next_log_check_{};
  std::unique_ptr<TrialCgroups> cgroups_;  // null: process groups and the environment scan only
  std::string containment_;
};

// Raises this process's soft limit of open files (RLIMIT_NOFILE) to its hard limit, once; returns the
// soft limit it had, which trials get back (a program may rely on the usual 1024 for select()).
unsigned long raise_open_file_limit();

// Kills processes left over from a crashed engine: every process whose environment has
// TUNELAB_TRIAL_DIR=`trial_dir` (so an unrelated process is never touched), looking only in group
// `pgid` when it is known (> 1), else at every process of this user. Returns how many were killed.
int kill_stale_trial_processes(int pgid, const std::string& trial_dir);

}  // namespace tunelab
