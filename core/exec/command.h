#pragma once
// Runs a short-lived helper program (sbatch, squeue, scancel, sacct) as an argv, without a shell, and
// collects what it printed.
#include <chrono>
#include <string>
#include <vector>

namespace tunelab {

struct CommandResult {
  bool started = false;  // false: the program could not be run (`error` says why)
  int exit_code = -1;    // the exit status, or -1 when killed by a signal or not started
  std::string out, err;  // stdout and stderr (each capped at 1 MiB)
  std::string error;
};

// Runs argv[0] (looked up in PATH) with stdin from /dev/null; kills it after `timeout`.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace tunelab
