#pragma once
// A TuneLab study written out as an Optuna storage: an SQLite file of Optuna 3.x's RDB schema (schema 12,
// alembic v3.0.0.d, as Optuna 3.1 creates it), which `optuna.load_study(study_name=NAME,
// storage="sqlite:///FILE")` reads and `tunelab import` reads back. What maps to what: docs/import.md.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/analysis/summary.h"
#include "core/store/store.h"

namespace tunelab {

struct OptunaExport {
  int64_t trials = 0;
  int64_t intermediate_values = 0;
  std::vector<std::string> notes;  // what could not be carried over as it was, one line each
};

// Writes the study (its trials from `summary`, its results streamed from `store`) to `file`, which is replaced:
// it is written beside it and renamed over it once complete, so a failure leaves no half-written storage.
// `progress` (optional) is called now and then with the results written so far.
Result<OptunaExport> write_optuna_storage(const Store& store, const StudySummary& summary, const std::string& file,
                                          const std::function<void(int64_t)>& progress = {});

}  // namespace tunelab
