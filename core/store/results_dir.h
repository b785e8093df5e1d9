#pragma once
// Where a study's database goes when the user names none. `tunelab run SPEC` and the workbench share
// this, so a study started either way lands in the same folder.
#include <string>

namespace tunelab {

// The folder, relative to the current directory, that holds the studies run without a database path.
inline constexpr const char* kResultsDir = "tunelab_results";

// `tunelab_results/NAME-YYYYmmdd-HHMMSS/study.db`, relative to the current directory (local time). When
// that study folder exists, `-2`, `-3`, ... is appended to its name, so two studies started in the same
// second get two folders. Creates nothing.
std::string default_study_db_path(const std::string& study_name);

}  // namespace tunelab
