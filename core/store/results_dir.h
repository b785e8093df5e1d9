#pragma once
// Where a study's database goes. One copy of the results-folder layout: `tunelab run SPEC` and the workbench
// share default_study_db_path, so a study started either way lands in the same folder; the Python front-end
// (`tune.run`, `Tuner`) asks `tunelab where` (named_study_path) for its Ray-style STORAGE/NAME folders.
#include <string>

namespace tunelab {

// The folder, relative to the current directory, that holds the studies run without a database path.
inline constexpr const char* kResultsDir = "tunelab_results";

// `tunelab_results/NAME-YYYYmmdd-HHMMSS/study.db`, relative to the current directory (local time). When
// that study folder exists, `-2`, `-3`, ... is appended to its name, so two studies started in the same
// second get two folders. Creates nothing.
std::string default_study_db_path(const std::string& study_name);

// The Python front-end's results folder (Ray's storage_path): $TUNELAB_RESULTS_DIR, else $TUNE_RESULT_DIR, else
// ~/tunelab_results; absolute, with a leading ~ expanded.
std::string default_storage_dir();

// Whether `db` is a database that holds a study (read-only; a missing file, another file: false).
bool holds_study(const std::string& db);

struct NamedStudyPath {
  std::string dir;  // STORAGE/NAME, or STORAGE/NAME-N
  std::string db;   // dir/study.db
  bool holds_study = false;  // db already holds a study (one to resume)
};
// A study named `name` kept under `storage`: STORAGE/NAME/study.db. With `fresh`, when that one holds a study,
// the first of STORAGE/NAME-2, -3, ... that does not (a rerun goes beside the old one). Creates nothing.
NamedStudyPath named_study_path(const std::string& storage, const std::string& name, bool fresh);

}  // namespace tunelab
