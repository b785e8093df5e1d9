#pragma once
// Misbehaving trials for test_trial_faults.cpp: each is a /bin/sh script body run by trial 1 of a
// three-trial study (trials 0 and 2 report once and exit 0), or by every trial when `all` is set.
#include <string>
#include <vector>

namespace tunelab::test {

struct TrialFault {
  const char* name;
  std::string script;        // what trial 1 runs (sh)
  bool all = false;          // the whole study's command is broken (the script is not used)
  std::vector<std::string> command;  // with `all`: the study's command
  const char* status;        // trial 1's final status
  const char* reason;        // a substring of trial 1's error or of one of its events
};

inline std::vector<TrialFault> trial_faults(const std::string& dir) {
  return {
      {"exit code", "echo '{\"score\": 0.5}' >&3\nexit 3\n", false, {}, "error", "exited with status 3"},
      {"signal", "kill -KILL $$\n", false, {}, "error", "killed by signal 9"},
      {"segfault", "exec python3 -S -c 'import ctypes; ctypes.string_at(0)'\n", false, {}, "error",
       "killed by signal 11"},
      {"hang without output", "sleep 1000\n", false, {}, "error", "trial_timeout_s"},
      {"ignores SIGTERM", "trap '' TERM\nsleep 1000\n", false, {}, "error", "trial_timeout_s"},
      {"100 MB of output",
       "yes 'a line of output from a chatty trial' | head -c 100000000\n"
       "yes 'a line on stderr' | head -c 20000000 >&2\n"
       "echo '{\"score\": 0.5}' >&3\n",
       false, {}, "completed", "finished"},
      {"100 MB on the report channel", "head -c 100000000 /dev/zero >&3\necho >&3\necho '{\"score\": 0.5}' >&3\n",
       false, {}, "completed", "line longer than 1 MiB ignored"},
      {"missing command", "", true, {dir + "/no-such-program"}, "error", "No such file or directory"},
      {"not executable", "", true, {dir + "/not-executable.sh"}, "error", "Permission denied"},
      {"invalid UTF-8",
       "printf '{\"score\": 0.25, \"note\": \"\\377\\376\"}\\n' >&3\n"
       "printf 'bad \\377\\376 bytes\\n'\nprintf '\\377\\n' >&2\n"
       "printf '{\"score\": 0.5, \"k\\303\\251y\": 1}\\n' >&3\n",
       false, {}, "completed", "not valid JSON"},
      {"NaN and Infinity", "echo '{\"score\": NaN, \"loss\": -Infinity}' >&3\necho '{\"score\": 0.5}' >&3\n", false, {},
       "completed", "non-finite value (NaN or Infinity) stored as null: \"score\", \"loss\""},
      {"too many keys",
       "python3 -S -c 'import json; print(json.dumps({\"k%d\" % i: i for i in range(2000)}))' >&3\n"
       "echo '{\"score\": 0.5}' >&3\n",
       false, {}, "completed", "more than 1000 keys (the limit per report)"},
      {"metric as a string", "echo '{\"score\": \"0.9\"}' >&3\necho '{\"score\": 0.5}' >&3\n", false, {}, "completed",
       "metric \"score\" is a string"},
      {"forks children and exits",
       "sleep 1000 &\n(setsid sleep 1001 &)\nsh -c 'sleep 1002 & exit 0'\necho '{\"score\": 0.5}' >&3\nexit 0\n", false,
       {}, "completed", "finished"},
      {"reports for another trial", "echo '{\"score\": 99, \"trial_id\": 0}' >&3\necho '{\"score\": 0.5}' >&3\n", false,
       {}, "completed", "it names trial 0 but came on trial 1's channel"},
  };
}

}  // namespace tunelab::test
