#include "core/store/results_dir.h"

#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "core/store/store.h"

namespace tunelab {

std::string default_study_db_path(const std::string& study_name) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
  const std::string base = std::string(kResultsDir) + "/" + study_name + "-" + stamp;
  std::string path = base;
  // An unusable results folder (a loop, no permission) is left for creating the study to report, not thrown here.
  std::error_code ec;
  for (int i = 2; std::filesystem::exists(path, ec); ++i) path = base + "-" + std::to_string(i);
  return path + "/study.db";
}

namespace {
std::string expand_home(const std::string& path) {
  if (path == "~" || path.starts_with("~/")) {
    const char* home = std::getenv("HOME");
    if (home && *home) return std::string(home) + path.substr(1);
  }
  return path;
}
std::string absolute(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::absolute(expand_home(path), ec);
  return ec ? path : p.lexically_normal().string();
}
}  // namespace

std::string default_storage_dir() {
  for (const char* name : {"TUNELAB_RESULTS_DIR", "TUNE_RESULT_DIR"}) {
    const char* v = std::getenv(name);
    if (v && *v) return absolute(v);
  }
  return absolute(std::string("~/") + kResultsDir);
}

bool holds_study(const std::string& db) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(db, ec)) return false;
  auto store = Store::open(db, Store::Mode::ReadOnly);
  return store && (*store)->load_study().ok();
}

NamedStudyPath named_study_path(const std::string& storage, const std::string& name, bool fresh) {
  const std::string base = absolute(storage) + "/" + name;
  NamedStudyPath p{base, base + "/study.db", false};
  p.holds_study = holds_study(p.db);
  for (int n = 2; fresh && p.holds_study; ++n) {
    p.dir = base + "-" + std::to_string(n);
    p.db = p.dir + "/study.db";
    p.holds_study = holds_study(p.db);
  }
  return p;
}

}  // namespace tunelab
