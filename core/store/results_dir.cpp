#include "core/store/results_dir.h"

#include <ctime>
#include <filesystem>

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

}  // namespace tunelab
