#pragma once
// The Executor interface: runs trials somewhere and reports what they do.
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/util/json.h"
#include "core/util/result.h"

namespace tunelab {

struct Launch {
  int64_t trial_id = 0;
  std::vector<std::string> argv;            // argv[0] is looked up in PATH
  std::string cwd;
  std::map<std::string, std::string> env;   // added to (and overriding) the engine's environment
  std::string trial_dir;                    // stdout.log and stderr.log are written here
};

struct ExecEvent {
  enum class Kind {
    Report,     // one JSON object reported by the trial (in `report`)
    BadReport,  // a line that was not a JSON object, or too long (`message` says which)
    Exited,     // the trial's main process ended; its group has been killed
  };
  Kind kind = Kind::Report;
  int64_t trial_id = 0;
  Json report;
  std::string message;
  int exit_code = 0;     // Exited: exit status, or -1 when killed by a signal
  int signal = 0;        // Exited: the signal that killed it, or 0
};

// The `where` of a start() error that is the engine's, not the trial's: it ran out of file descriptors,
// processes or memory. The trial did not run and may start later.
inline constexpr const char* kOutOfResources = "engine resources";

class Executor {
 public:
  virtual ~Executor() = default;
  // Starts the trial. Fails (with a reason for the user) when it cannot be started at all,
  // e.g. the program does not exist or the directory cannot be created.
  virtual Status start(const Launch& launch) = 0;
  // Asks the trial's whole process group to end (SIGTERM), then kills it (SIGKILL) after `grace`.
  virtual void stop(int64_t trial_id, std::chrono::milliseconds grace) = 0;
  // Waits at most `timeout` for something to happen and returns what did (possibly nothing).
  virtual std::vector<ExecEvent> wait(std::chrono::milliseconds timeout) = 0;
  // Thread-safe and async-signal-safe: makes a blocked wait() return early.
  virtual void wake() = 0;
  virtual size_t running() const = 0;
  // The OS process group of a running trial (0 if none or not local); stored so that a resumed
  // study can clean up after an engine crash.
  virtual int process_group(int64_t /*trial_id*/) const { return 0; }
  // The batch job running the trial (a Slurm job id), or empty for a local process; stored so that a
  // resumed study can re-attach to it.
  virtual std::string job_id(int64_t /*trial_id*/) const { return {}; }
  // After an engine restart: takes over `job`, the trial's job left by the previous engine, when it is
  // still queued or running (or has ended since and recorded how), and fills `launch.env` with the
  // environment it was started with. Its reports are read again from the start. False: nothing to
  // re-attach to, the trial restarts.
  virtual bool reattach(Launch& /*launch*/, const std::string& /*job*/) { return false; }
  // After an engine restart: ends whatever the previous engine left running of a trial that is not
  // re-attached (`pgid` is the process group it stored, 0 if unknown), so that it cannot write on.
  // Returns how many processes were ended.
  virtual int kill_stale(int /*pgid*/, const std::string& /*trial_dir*/) { return 0; }
  // True when trials run on this machine, so the controller allocates its CPU slots and GPUs to them;
  // false when a cluster places them (only max_concurrent then limits how many are submitted).
  virtual bool runs_locally() const { return true; }
  // How the processes of a trial are contained and ended, in a line for the user (empty: not local).
  virtual std::string containment() const { return {}; }
};

}  // namespace tunelab
