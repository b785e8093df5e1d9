#pragma once
// The executors a spec may name in its "executor" block: "local" (processes on this machine, the
// default) and "slurm" (batch jobs on a Slurm cluster, docs/cluster.md).
#include <memory>
#include <string>
#include <vector>

#include "core/exec/executor.h"
#include "core/space/options.h"

namespace tunelab {

struct StudySpec;

const std::vector<ComponentDef>& executor_defs();
const ComponentDef* find_executor_def(const std::string& type);

// Checks what the option definitions cannot (sbatch_args is a list of strings, time_limit's format).
Status check_executor_block(const Json& block, const std::string& path);

// The executor the spec's validated "executor" block names.
Result<std::unique_ptr<Executor>> make_executor(const StudySpec& spec);

// True when trials run on this machine (the local executor): CPU slots and GPUs are allocated here.
bool executor_is_local(const StudySpec& spec);

}  // namespace tunelab
