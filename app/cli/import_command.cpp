// tunelab import PATH --db OUT.db [--study NAME] [--metric M --mode max|min]: a Ray Tune experiment folder or an
// Optuna storage as a TuneLab study (docs/import.md).
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/terminal_view.h"
#include "core/importers/optuna_import.h"
#include "core/importers/ray_import.h"

namespace tunelab::cli {
namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage = "usage: tunelab import PATH --db OUT.db [--study NAME] [--metric M --mode max|min]\n";

bool is_tunelab_study(const std::string& file) {
  sqlite3* db = nullptr;
  bool yes = false;
  if (sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'study'", -1, &st,
                           nullptr) == SQLITE_OK) {
      yes = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return yes;
}

void print_problems(const ImportedStudy& s) {
  for (const auto& p : s.problems) std::cerr << "tunelab import: " << terminal_safe(p) << "\n";
  if (s.skipped_trials || s.skipped_results) {
    std::cerr << "tunelab import: skipped " << s.skipped_trials << " trial(s) and " << s.skipped_results
              << " result(s) that could not be read; everything else was imported\n";
  }
}

}  // namespace

int import_command(const Args& args) {
  auto p = parse_args(args, {"db", "study", "metric", "mode"}, {});
  if (p.error.empty() && p.positional.size() != 1) p.error = "give exactly one PATH (a Ray Tune experiment folder or an Optuna storage)";
  if (p.error.empty() && !p.value("db")) p.error = "--db OUT.db is required";
  if (p.error.empty() && p.value("mode") && *p.value("mode") != "max" && *p.value("mode") != "min") {
    p.error = "--mode must be max or min, got \"" + *p.value("mode") + "\"";
  }
  if (!p.error.empty()) {
    std::cerr << "tunelab import: " << p.error << "\n" << kUsage;
    return kExitUsage;
  }
  const std::string path = optuna_sqlite_path(p.positional[0]);
  const std::string db = *p.value("db");
  ImportOptions options{p.value("study").value_or(""), p.value("metric").value_or(""), p.value("mode").value_or("")};
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    std::cerr << "tunelab import: " << path << ": no such file or folder\n";
    return kExitFailed;
  }
  if (fs::exists(db, ec) && fs::equivalent(db, path, ec)) {
    std::cerr << "tunelab import: --db " << db << " is the file being imported; give another --db\n";
    return kExitUsage;
  }

  Result<ImportedStudy> study = Error{path, ""};
  if (fs::is_directory(path, ec)) {
    study = read_ray_experiment(path, options);
  } else if (looks_like_optuna_storage(path)) {
    if (options.study.empty()) {
      auto list = list_optuna_studies(path);
      if (!list) {
        std::cerr << "tunelab import: " << list.error_text() << "\n";
        return kExitFailed;
      }
      if (list->size() > 1) {
        std::printf("%s holds %zu Optuna studies; import one with --study NAME:\n", path.c_str(), list->size());
        for (const auto& s : *list) {
          std::string dirs;
          for (const auto& d : s.directions) dirs += (dirs.empty() ? "" : ", ") + d;
          std::printf("  %-30s %5lld trials  %s\n", terminal_safe(s.name).c_str(), (long long)s.trials, dirs.c_str());
        }
        return kExitUsage;
      }
    }
    study = read_optuna_study(path, options);
  } else if (is_tunelab_study(path)) {
    std::cerr << "tunelab import: " << path << ": already a TuneLab study; open it directly (tunelab show " << path << ")\n";
    return kExitFailed;
  } else {
    std::cerr << "tunelab import: " << path
              << ": neither a Ray Tune experiment folder nor an Optuna storage (an SQLite file with Optuna's tables)\n";
    return kExitFailed;
  }
  if (!study) {
    for (const auto& e : study.errors()) std::cerr << "tunelab import: " << terminal_safe(e.to_string()) << "\n";
    return kExitFailed;
  }
  print_problems(*study);
  auto outcome = write_import(*study, db);
  if (!outcome) {
    std::cerr << "tunelab import: " << terminal_safe(outcome.error_text()) << "\n";
    return kExitFailed;
  }
  int64_t results = 0;
  for (const auto& t : study->trials) results += static_cast<int64_t>(t.results.size());
  if (outcome->created) {
    std::printf("Imported %zu trials (%lld results) from %s %s into %s as study \"%s\".\n", study->trials.size(),
                (long long)results, study->kind.c_str(), terminal_safe(study->source).c_str(), db.c_str(),
                terminal_safe(study->name).c_str());
  } else {
    std::printf("Re-imported %s %s into %s: %lld new trials, %lld updated, %lld new results.\n", study->kind.c_str(),
                terminal_safe(study->source).c_str(), db.c_str(), (long long)outcome->trials_added,
                (long long)outcome->trials_updated, (long long)outcome->results_added);
    if (!outcome->trials_kept.empty()) {
      std::vector<int64_t> kept = outcome->trials_kept;
      std::sort(kept.begin(), kept.end());
      std::string ids;
      for (int64_t id : kept) ids += (ids.empty() ? "" : ", ") + std::to_string(id);
      std::printf("Left as they are: trial(s) %s, which `tunelab resume` ran since the earlier import (the source's "
                  "new results for them come from another run).\n", ids.c_str());
    }
  }
  std::printf("Look at it: tunelab show %s\nContinue the search: tunelab resume %s --trainable 'CMD' --num-samples N\n",
              db.c_str(), db.c_str());
  return kExitOk;
}

}  // namespace tunelab::cli
