#pragma once
// Containment of a trial's processes in a cgroup v2 folder of its own, where this engine may make one.
//
// Each trial's main process moves itself into <engine folder>/trial-<id> before exec, so everything it
// starts is in there, whatever it does: setsid, double forks, an empty environment. When the trial
// ends, one write to cgroup.kill ends all of it. The engine's folder is made inside the engine's own
// cgroup (/proc/self/cgroup) when that one is writable: as root, under a delegated systemd unit or user
// session (`systemd-run --user --scope -p Delegate=yes tunelab run ...`), or in a container that
// gives the cgroup. Elsewhere, create() says why not and the executor falls back to killing the
// trial's process group and scanning for its environment marker (local_executor.h).
#include <cstdint>
#include <memory>
#include <string>
#include <sys/types.h>
#include <vector>

namespace tunelab {

class TrialCgroups {
 public:
  // The engine's folder, made now; nullptr and `why` when cgroup v2 is not writable here (or
  // TUNELAB_CGROUP=0 is set). Folders left by engines that died (their pid gone) are emptied (every
  // process in them killed) and removed.
  static std::unique_ptr<TrialCgroups> create(std::string& why);
  ~TrialCgroups();  // kills what is left in every trial folder and removes them and the engine's folder
  TrialCgroups(const TrialCgroups&) = delete;
  TrialCgroups& operator=(const TrialCgroups&) = delete;

  const std::string& folder() const { return folder_; }
  // Makes the trial's folder; returns its cgroup.procs file (the child writes "0" there), or empty.
  std::string prepare(int64_t trial_id);
  // Whether process `pid` is in the trial's folder (it moved itself in).
  bool holds(int64_t trial_id, pid_t pid) const;
  // SIGKILL to every process in the trial's folder.
  void kill(int64_t trial_id);
  // kill(), then removes the folder (retried on later calls of tidy() while processes are still dying).
  void remove(int64_t trial_id);
  void tidy();

 private:
  TrialCgroups() = default;
  std::string trial_folder(int64_t trial_id) const;
  std::string folder_;     // absolute path of the engine's folder
  std::string relative_;   // the same, as /proc/PID/cgroup names it
  std::vector<std::string> busy_;  // folders to remove once their processes are gone
};

// SIGKILL to every process in the cgroup v2 folder `folder` (cgroup.kill, or each pid of cgroup.procs
// on kernels before 5.14). Returns false when the folder cannot be written.
bool kill_cgroup(const std::string& folder);

}  // namespace tunelab
