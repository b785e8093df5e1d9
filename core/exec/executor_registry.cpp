#include "core/exec/executor_registry.h"

#include "core/exec/local_executor.h"
#include "core/exec/slurm_executor.h"

namespace tunelab {

const std::vector<ComponentDef>& executor_defs() {
  static const std::vector<ComponentDef> defs = {
      {"local", "Trials run as processes on this machine, within its CPU slots and GPUs.", {}},
      {"slurm",
       "Each trial is a Slurm batch job (sbatch); the study folder must be on a filesystem the compute nodes share.",
       {
           {"partition", OptionKind::String, nullptr, {}, {}, {}, "Slurm partition (sbatch --partition); default: the cluster's"},
           {"sbatch_args", OptionKind::Any, Json::array(), {}, {}, {},
            "More sbatch options, one string each, e.g. [\"--account=ml\", \"--qos=short\"]"},
           {"time_limit", OptionKind::String, nullptr, {}, {}, {},
            "Job time limit (sbatch --time), e.g. \"90\" (minutes), \"2:00:00\", \"1-12\""},
           {"mem_gb", OptionKind::Float, nullptr, 0.001, {}, {}, "Memory per trial in GB (sbatch --mem)"},
           {"gpu_shards", OptionKind::Int, 0, 0, 1024, {},
            "Shards per GPU the cluster defines (gres \"shard\"); a fractional resources_per_trial.gpu then asks for "
            "that share of shards instead of a whole GPU"},
           {"poll_s", OptionKind::Float, 2.0, 0.1, 600, {}, "Seconds between squeue queries about the study's jobs"},
           {"job_name", OptionKind::String, "tunelab", {}, {}, {}, "Prefix of each job's name (PREFIX-STUDY-TRIAL)"},
       }},
  };
  return defs;
}

const ComponentDef* find_executor_def(const std::string& type) { return find_component(executor_defs(), type); }

Status check_executor_block(const Json& block, const std::string& path) {
  if (block.value("type", std::string()) != "slurm") return {};
  auto o = slurm_options_from(block, path);
  if (!o) return o.errors();
  return {};
}

bool executor_is_local(const Json& block) {
  return !block.is_object() || block.value("type", std::string("local")) == "local";
}

Result<std::unique_ptr<Executor>> make_executor(const Json& block, const SlurmResources& resources) {
  if (executor_is_local(block)) return std::unique_ptr<Executor>(std::make_unique<LocalExecutor>());
  auto o = slurm_options_from(block, "executor");
  if (!o) return o.errors();
  return std::unique_ptr<Executor>(std::make_unique<SlurmExecutor>(std::move(*o), resources));
}

}  // namespace tunelab
