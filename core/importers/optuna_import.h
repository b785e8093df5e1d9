#pragma once
// Optuna storages (RDB schema of Optuna 3.x in an SQLite file), read with SQLite directly. See docs/import.md.
#include <string>
#include <vector>

#include "core/importers/import_model.h"

namespace tunelab {

// "sqlite:///path" -> "path"; anything else unchanged.
std::string optuna_sqlite_path(const std::string& url);

// True when `file` is an SQLite database with Optuna's tables (studies, trials).
bool looks_like_optuna_storage(const std::string& file);

struct OptunaStudyInfo {
  std::string name;
  int64_t trials = 0;
  std::vector<std::string> directions;  // MINIMIZE / MAXIMIZE per objective
};
// The studies of the storage (checks the schema version first).
Result<std::vector<OptunaStudyInfo>> list_optuna_studies(const std::string& file);

// Reads one study (options.study; may be empty when the storage holds one study).
Result<ImportedStudy> read_optuna_study(const std::string& file, const ImportOptions& options);

}  // namespace tunelab
