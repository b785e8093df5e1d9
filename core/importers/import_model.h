#pragma once
// A study read from another tool's files (Ray Tune experiment folders, Optuna storages), before it is
// written into a TuneLab store. Readers fill an ImportedStudy; write_import() stores it as an ordinary
// study (docs/import.md).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/model/trial.h"
#include "core/store/records.h"
#include "core/util/json.h"
#include "core/util/result.h"

namespace tunelab {

// The trainable an imported study's spec carries until the user gives one: TuneLab does not know what
// ran the trials. `tunelab resume DB --trainable CMD` replaces it.
inline constexpr const char* kImportedNoTrainable = "imported-study-has-no-trainable";

struct ImportOptions {
  std::string study;   // Optuna: which study of the storage (empty: the only one)
  std::string metric;  // overrides the metric the source recorded
  std::string mode;    // "max" or "min"; overrides the recorded mode
};

struct ImportedResult {
  int64_t iteration = 0;
  double time_total_s = 0;
  double ts = 0;
  Json metrics;  // numeric metrics (dotted names), with training_iteration and time_total_s
};

struct ImportedTrial {
  std::string key;  // the source's own id: Ray's trial id, Optuna's trial number
  Json config;      // nested, as the trainable received it
  TrialStatus status = TrialStatus::Completed;
  std::string error;
  double created_at = 0;
  std::optional<double> started_at, ended_at;
  double runtime_s = 0;
  std::vector<ImportedResult> results;  // ascending iterations
  Json attrs = Json::object();          // kept as trial_attrs (key -> JSON value)
};

struct ImportedStudy {
  std::string kind;      // "ray" or "optuna"
  std::string source;    // absolute path read
  std::string key_attr;  // the trial attribute holding ImportedTrial::key ("ray.trial_id", "optuna.number")
  std::string name;
  Json spec;             // a spec that continues the search (trainable: kImportedNoTrainable)
  std::vector<ImportedTrial> trials;
  std::vector<std::string> problems;  // "FILE: what is wrong" for each thing not imported
  int64_t skipped_trials = 0;
  int64_t skipped_results = 0;
  Json origin_extra = Json::object();  // added to study.origin (e.g. the Optuna study name)
};

// What write_import() did.
struct ImportOutcome {
  bool created = false;  // a new study; false: an earlier import of the same source was updated
  int64_t trials_added = 0, trials_updated = 0, results_added = 0;
  // Trials TuneLab ran itself since the earlier import (`tunelab resume`): left as TuneLab has them, since the
  // source's new results belong to another run of the same configuration.
  std::vector<int64_t> trials_kept;
};

// Stores `study` into the database `db`: a new study, or, when `db` holds an earlier import of the same
// source, the trials and results it lacks (trials matched by key_attr, results by iteration).
Result<ImportOutcome> write_import(const ImportedStudy& study, const std::string& db);

// ---- helpers shared by the readers (import_model.cpp) ----

// A search space inferred from the values seen: numbers become ranges (log when positive and spanning more
// than two decades), anything else a choice of the values seen, one value a constant. Flat (dotted) names.
Json infer_flat_space(const std::vector<Json>& flat_configs);
// Adds "when" conditions: a parameter absent from some configs is active exactly when a choice parameter
// takes one of the values it had where the parameter was present (when such a choice exists).
void infer_conditions(Json& flat_space, const std::vector<Json>& flat_configs);
// {"a.b": P} -> {"a": {"b": P}}. A name that is also a group ("a" beside "a.b") is left out, said in problems.
Json nest_space(const Json& flat_space, std::vector<std::string>* problems = nullptr);
// {"a": {"b": 1}} -> {"a.b": 1}; arrays and scalars are leaves.
Json flatten_config(const Json& config);
// Every finite number of a result, nested objects flattened to dotted names (booleans and strings left out).
Json numeric_metrics(const Json& result, const std::vector<std::string>& skip_keys);
// A study name TuneLab accepts (no "/", at most 200 bytes, not "." or "..").
std::string safe_study_name(std::string name);

}  // namespace tunelab
