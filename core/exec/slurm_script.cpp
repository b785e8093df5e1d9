#include "core/exec/slurm_script.h"

#include <cmath>

namespace tunelab {

namespace {

bool env_name_ok(const std::string& k) {
  if (k.empty() || (k[0] >= '0' && k[0] <= '9')) return false;
  for (char c : k) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

Result<SlurmOptions> slurm_options_from(const Json& block, const std::string& path) {
  SlurmOptions o;
  Errors errors;
  o.partition = block.value("partition", std::string());
  if (block.contains("sbatch_args")) {
    const Json& a = block["sbatch_args"];
    if (!a.is_array()) {
      errors.push_back({path + ".sbatch_args", "must be a list of strings like [\"--account=ml\"], got " + dump_compact(a)});
    } else {
      for (size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_string() || a[i].get<std::string>().empty()) {
          errors.push_back({path + ".sbatch_args[" + std::to_string(i) + "]",
                            "must be a non-empty string, got " + dump_compact(a[i])});
        } else {
          o.sbatch_args.push_back(a[i].get<std::string>());
        }
      }
    }
  }
  o.time_limit = block.value("time_limit", std::string());
  for (char c : o.time_limit) {
    if (!((c >= '0' && c <= '9') || c == ':' || c == '-')) {
      errors.push_back({path + ".time_limit", "must be a Slurm time like \"90\", \"2:00:00\" or \"1-12\", got " +
                                                  dump_compact(block["time_limit"])});
      break;
    }
  }
  if (block.contains("mem_gb")) o.mem_gb = block["mem_gb"].get<double>();
  o.gpu_shards = static_cast<int>(block.value("gpu_shards", int64_t{0}));
  o.poll_s = block.value("poll_s", 2.0);
  o.job_name = block.value("job_name", std::string("tunelab"));
  if (o.job_name.empty()) errors.push_back({path + ".job_name", "must not be empty"});
  if (!errors.empty()) return errors;
  return o;
}

SlurmFiles SlurmFiles::in(const std::string& trial_dir) {
  return {trial_dir + "/job.sh", trial_dir + "/reports.jsonl", trial_dir + "/exit_status", trial_dir + "/job.json"};
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out + "'";
}

Result<std::string> batch_script(const Launch& launch) {
  if (launch.argv.empty()) return Error{"trainable.command", "empty command"};
  for (const auto& a : launch.argv) {
    if (a.find('\0') != std::string::npos) return Error{"trainable.command", "an argument contains a NUL byte"};
  }
  for (const auto& [k, v] : launch.env) {
    if (!env_name_ok(k)) {
      return Error{"trainable.env." + k, "not a valid environment variable name (letters, digits and _)"};
    }
    if (v.find('\0') != std::string::npos) return Error{"trainable.env." + k, "the value contains a NUL byte"};
  }
  const SlurmFiles f = SlurmFiles::in(launch.trial_dir);
  const std::string dir = launch.cwd.empty() ? launch.trial_dir : launch.cwd;
  std::string s;
  s += "#!/bin/sh\n";
  s += "# TuneLab trial " + std::to_string(launch.trial_id) + ", submitted with sbatch (docs/cluster.md).\n";
  s += "# Every value below is single-quoted: none is interpreted by the shell.\n";
  s += "exec >>" + shell_quote(launch.trial_dir + "/stdout.log") + " 2>>" +
       shell_quote(launch.trial_dir + "/stderr.log") + " </dev/null\n";
  s += "status_file=" + shell_quote(f.exit_status) + "\n";
  s += "finish() {\n  printf '%s\\n' \"$1\" >\"$status_file.tmp\" && mv -f \"$status_file.tmp\" \"$status_file\"\n"
       "  exit \"$1\"\n}\n";
  for (const auto& [k, v] : launch.env) s += "export " + k + "=" + shell_quote(v) + "\n";
  s += "cd " + shell_quote(dir) + " || { printf 'tunelab: cannot enter the working directory %s\\n' " +
       shell_quote(dir) + " >&2; finish 127; }\n";
  s += "exec 3>>" + shell_quote(f.reports) + "\n";
  // The shell outlives a SIGTERM sent to the whole job (scancel --full) so that it can record how the
  // trial ended; the handler is reset in the trial, which gets the signal itself.
  s += "trap 'got_term=1' TERM\n";
  std::string cmd;
  for (const auto& a : launch.argv) cmd += (cmd.empty() ? "" : " ") + shell_quote(a);
  s += cmd + " &\n";
  s += "child=$!\n";
  s += "exec 3>&-\n";
  s += "while :; do\n  wait \"$child\"\n  status=$?\n  kill -0 \"$child\" 2>/dev/null || break\ndone\n";
  s += "finish \"$status\"\n";
  return s;
}

std::string gres_for(double gpu, int gpu_shards) {
  if (gpu <= 0) return {};
  if (gpu >= 1) return "gpu:" + std::to_string(static_cast<int64_t>(std::llround(gpu)));
  if (gpu_shards > 0) {
    const auto k = std::max<int64_t>(1, static_cast<int64_t>(std::floor(gpu * gpu_shards + 1e-9)));
    return "shard:" + std::to_string(k);
  }
  return "gpu:1";
}

std::vector<std::string> sbatch_argv(const SlurmOptions& o, const SlurmResources& r, const Launch& launch,
                                     const std::string& script_path) {
  std::vector<std::string> a = {"sbatch", "--parsable"};
  std::string name = o.job_name;
  if (auto it = launch.env.find("TUNELAB_STUDY"); it != launch.env.end()) name += "-" + it->second;
  a.push_back("--job-name=" + name + "-" + std::to_string(launch.trial_id));
  if (!o.partition.empty()) a.push_back("--partition=" + o.partition);
  a.push_back("--ntasks=1");
  a.push_back("--cpus-per-task=" + std::to_string(std::max<int64_t>(1, static_cast<int64_t>(std::ceil(r.cpu - 1e-9)))));
  if (auto g = gres_for(r.gpu, o.gpu_shards); !g.empty()) a.push_back("--gres=" + g);
  if (o.mem_gb) a.push_back("--mem=" + std::to_string(static_cast<int64_t>(std::ceil(*o.mem_gb * 1024))) + "M");
  if (!o.time_limit.empty()) a.push_back("--time=" + o.time_limit);
  // The batch script writes the logs itself: Slurm's own output (e.g. an error before the script
  // starts) goes to slurm.log, where no % pattern in the trial's path can be misread.
  a.push_back("--chdir=" + launch.trial_dir);
  a.push_back("--output=slurm.log");
  a.push_back("--open-mode=append");
  for (const auto& x : o.sbatch_args) a.push_back(x);
  a.push_back(script_path);
  return a;
}

std::optional<std::string> parse_sbatch_job_id(const std::string& out) {
  std::string s = out;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (auto nl = s.rfind('\n'); nl != std::string::npos) s = s.substr(nl + 1);  // warnings come first
  if (auto semi = s.find(';'); semi != std::string::npos) s = s.substr(0, semi);
  if (s.empty()) return std::nullopt;
  for (char c : s) {
    if (!(c >= '0' && c <= '9') && c != '_') return std::nullopt;
  }
  return s;
}

bool slurm_state_active(const std::string& state) {
  static const char* kActive[] = {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED",
                                  "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING",
                                  "STAGE_OUT", "STOPPED", "RESV_DEL_HOLD"};
  for (const char* a : kActive) {
    if (state == a) return true;
  }
  return false;
}

}  // namespace tunelab
