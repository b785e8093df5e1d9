#pragma once
// The executors a spec may name in its "executor" block: "local" (processes on this machine, the
// default) and "slurm" (batch jobs on a Slurm cluster, docs/cluster.md).
#include <memory>
#include <string>
#include <vector>

#include "core/exec/executor.h"
#include "core/exec/slurm_script.h"
#include "core/options/options.h"

namespace tunelab {

const std::vector<ComponentDef>& executor_defs();
const ComponentDef* find_executor_def(const std::string& type);

// Checks what the option definitions cannot (sbatch_args is a list of strings, time_limit's format).
Status check_executor_block(const Json& block, const std::string& path);

// The executor a spec's validated "executor" block names; `resources` is what each trial asks for.
Result<std::unique_ptr<Executor>> make_executor(const Json& block, const SlurmResources& resources);

// True when trials run on this machine (the local executor): CPU slots and GPUs are allocated here.
bool executor_is_local(const Json& block);

}  // namespace tunelab
