#pragma once
// Stand-ins for sbatch, squeue, scancel and sacct that run batch scripts as local process groups, so the
// Slurm executor's logic is tested on any machine (the real cluster test is tests/e2e/test_slurm.cpp).
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace tunelab::test {

// sbatch: runs the script (last argument) in its own session in --chdir; the job id is a counter.
// "--partition=bad" is refused the way Slurm refuses it.
inline const char* kFakeSbatch = R"sh(#!/bin/bash
dir=$(dirname "$0")
chdir=.
for a in "$@"; do
  case "$a" in
    --partition=bad) echo "sbatch: error: invalid partition specified: bad" >&2; exit 1 ;;
    --chdir=*) chdir=${a#--chdir=} ;;
  esac
  script=$a
done
n=$(($(cat "$dir/next_id" 2>/dev/null || echo 100) + 1))
echo "$n" >"$dir/next_id"
cd "$chdir" || exit 1
setsid /bin/sh "$script" >/dev/null 2>&1 </dev/null &
echo $! >"$dir/job_$n.pid"
echo "$n"
)sh";

// squeue --jobs=A,B: RUNNING while the job's process group lives, COMPLETED after.
inline const char* kFakeSqueue = R"sh(#!/bin/bash
dir=$(dirname "$0")
for a in "$@"; do
  case "$a" in --jobs=*) ids=${a#--jobs=} ;; esac
done
for id in $(echo "$ids" | tr ',' ' '); do
  [ -f "$dir/job_$id.pid" ] || continue
  if kill -0 -- "-$(cat "$dir/job_$id.pid")" 2>/dev/null; then echo "$id|RUNNING"; else echo "$id|COMPLETED"; fi
done
)sh";

// scancel [--signal=SIG --full] JOB: the signal (KILL without one) to the job's process group.
inline const char* kFakeScancel = R"sh(#!/bin/bash
dir=$(dirname "$0")
sig=KILL
for a in "$@"; do
  case "$a" in --signal=*) sig=${a#--signal=} ;; --*) ;; *) id=$a ;; esac
done
echo "$sig $id" >>"$dir/scancel.log"
kill -s "$sig" -- "-$(cat "$dir/job_$id.pid")" 2>/dev/null
exit 0
)sh";

inline const char* kFakeSacct = R"sh(#!/bin/bash
echo "Slurm accounting storage is disabled" >&2
exit 1
)sh";

// Writes the four programs into `dir` and puts it first in PATH.
inline void install_fake_slurm(const std::string& dir) {
  const std::pair<const char*, const char*> programs[] = {
      {"sbatch", kFakeSbatch}, {"squeue", kFakeSqueue}, {"scancel", kFakeScancel}, {"sacct", kFakeSacct}};
  for (const auto& [name, text] : programs) {
    const std::string path = dir + "/" + name;
    std::ofstream(path, std::ios::trunc) << text;
    ::chmod(path.c_str(), 0755);
  }
  const char* old = std::getenv("PATH");
  ::setenv("PATH", (dir + ":" + (old ? old : "/usr/bin:/bin")).c_str(), 1);
}

}  // namespace tunelab::test
