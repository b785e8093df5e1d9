#pragma once
// The study spec: everything that defines a study, parsed and validated from JSON (docs/spec.md).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/schedule/stop_criteria.h"
#include "core/search/searcher.h"
#include "core/space/space.h"
#include "core/util/result.h"

namespace tunelab {

struct Objective {
  std::string metric;
  bool maximize = true;
  // True when a is strictly better than b.
  bool better(double a, double b) const { return maximize ? a > b : a < b; }
};

struct TrainableSpec {
  std::string builtin;                      // e.g. "digits_mlp"; empty for a command
  std::vector<std::string> command;         // argv; with shell, one string run by /bin/sh -c
  bool shell = false;
  std::string cwd;                          // absolute; default: the spec file's directory
  std::map<std::string, std::string> env;   // added to the trial's environment
};

struct StudySpec {
  std::string name;
  Objective objective;               // the (first) objective
  std::vector<Objective> objectives;  // every objective, objectives[0] == objective
  SearchSpace space;
  TrainableSpec trainable;
  Json search;                 // validated "search" block, defaults filled in
  Json scheduler;              // validated "scheduler" block
  Json stoppers = Json::array();  // validated "stoppers" list (any one firing stops), defaults filled in
  Json executor;               // validated "executor" block ({"type": "local"} by default; docs/cluster.md)
  int64_t num_samples = 1;
  int64_t max_concurrent = 0;  // 0: as many as CPU slots allow
  double cpu_per_trial = 1;
  double gpu_per_trial = 0;                   // (0, 1): a share of one GPU; >= 1: whole GPUs
  std::optional<double> gpu_memory_gb;        // per GPU; absent: the share of the GPU's memory
  std::string gpu_placement = "pack";         // "pack" (best fit) or "spread"
  StopCriteria stop;
  int64_t max_failures = 0;
  std::optional<double> trial_timeout_s;
  int64_t checkpoint_keep = 2;   // "checkpoint": {"keep": K}: pinned checkpoints kept per trial (docs/protocol.md)
  std::optional<uint64_t> seed;  // fixed when the study is created (drawn if absent)
  Json raw;                      // the spec as given (with the seed filled in once created)
  std::string base_dir;          // relative paths in the spec are resolved against it (the spec file's folder)
};

// The searcher's context for a spec (every objective included).
SearchContext search_context(const StudySpec& s);

// Validates a spec. `base_dir` resolves a relative trainable.cwd (the spec file's directory).
// Every error found is returned, each naming its JSON path.
Result<StudySpec> parse_spec(const Json& j, const std::string& base_dir);

// Reads and parses a spec file; JSON syntax errors name the line and column.
Result<StudySpec> load_spec_file(const std::string& path);

// Parses JSON text, turning a syntax error into an Error naming `source:line:column`.
Result<Json> parse_json_text(const std::string& text, const std::string& source);

// Names of the built-in trainables this build can run (`tunelab trial NAME`).
const std::vector<std::string>& builtin_trainable_names();

}  // namespace tunelab
