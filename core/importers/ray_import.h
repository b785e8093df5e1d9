#pragma once
// Ray Tune experiment folders (Ray 2.x): one folder per trial with params.json, result.json (JSON lines),
// progress.csv and error.txt, and experiment_state-*.json at the top. Nothing pickled is ever read
// (tuner.pkl, params.pkl, error.pkl). See docs/import.md.
#include <string>

#include "core/importers/import_model.h"

namespace tunelab {

// True when `dir` holds an experiment_state-*.json or a sub-folder with params.json or result.json.
bool looks_like_ray_experiment(const std::string& dir);

// Reads the experiment. Trials and results that cannot be read are left out, each with a problem naming
// its file; errors only when nothing can be imported (or the metric and mode are unknown).
Result<ImportedStudy> read_ray_experiment(const std::string& dir, const ImportOptions& options);

}  // namespace tunelab
