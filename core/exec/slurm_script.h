#pragma once
// What the Slurm executor submits: the sbatch command line and the batch script of a trial
// (docs/cluster.md). Pure functions, so they are tested without a cluster.
#include <optional>
#include <string>
#include <vector>

#include "core/exec/executor.h"
#include "core/util/json.h"
#include "core/util/result.h"

namespace tunelab {

// The spec's "executor" block with "type": "slurm".
struct SlurmOptions {
  std::string partition;                 // empty: the cluster's default partition
  std::vector<std::string> sbatch_args;  // passed to sbatch as they are, after TuneLab's own options
  std::string time_limit;                // --time, in Slurm's format ("90", "2:00:00", "1-12"); empty: none
  std::optional<double> mem_gb;          // --mem per trial; absent: the cluster's default
  int gpu_shards = 0;                    // > 0: the cluster's GPUs have this many gres "shard"s each
  double poll_s = 2;                     // how often squeue is asked about the study's jobs
  std::string job_name = "tunelab";      // prefix of each job's name (NAME-STUDY-TRIAL)
};

// What every trial of the study asks for (resources_per_trial).
struct SlurmResources {
  double cpu = 1;
  double gpu = 0;  // (0, 1): a share of one GPU; >= 1: whole GPUs
};

// Reads a validated "executor" block (defaults filled in) into options; errors name `path`.
Result<SlurmOptions> slurm_options_from(const Json& block, const std::string& path);

// The files of a trial run through Slurm, in its trial directory (on the shared filesystem).
struct SlurmFiles {
  std::string script;       // job.sh: the batch script
  std::string reports;      // reports.jsonl: what the trial wrote on its report channel (fd 3)
  std::string exit_status;  // exit_status: the trial's exit status, written when it ends
  std::string job;          // job.json: the job id and the launch's environment, for re-attaching
  static SlurmFiles in(const std::string& trial_dir);
};

// `s` quoted for /bin/sh: single quotes, with each ' written as '\''.
std::string shell_quote(const std::string& s);

// The batch script: enters launch.cwd (else the trial directory), exports launch.env, opens fd 3 on the
// reports file, runs launch.argv with stdout/stderr appended to the trial's logs, and writes the exit
// status (128 + N for signal N) to the exit_status file. Every value is quoted: nothing in a config
// reaches the shell as code.
Result<std::string> batch_script(const Launch& launch);

// sbatch's argv (without the program name's lookup): --parsable, the job name, partition, resources
// (--cpus-per-task, --gres, --mem, --time), the user's sbatch_args, then the script.
std::vector<std::string> sbatch_argv(const SlurmOptions& o, const SlurmResources& r, const Launch& launch,
                                     const std::string& script_path);

// The --gres value for a GPU request, or empty for none: whole GPUs as gpu:N; a fraction as
// shard:K (K = the fraction of gpu_shards, at least 1) when the cluster has shards, else gpu:1.
std::string gres_for(double gpu, int gpu_shards);

// Parses `sbatch --parsable` output ("123" or "123;cluster") into the job id.
std::optional<std::string> parse_sbatch_job_id(const std::string& out);

// Slurm job states: still queued or running (re-attachable), or ended.
bool slurm_state_active(const std::string& state);

}  // namespace tunelab
