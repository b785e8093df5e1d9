// tunelab where NAME [--storage DIR] [--fresh]: where a named study is kept (the Python front-end asks this, so
// its folders follow core/store/results_dir.h).
#include <iostream>

#include "cli/args.h"
#include "cli/cli.h"
#include "core/store/results_dir.h"
#include "core/util/json.h"

namespace tunelab::cli {

int where_command(const Args& args) {
  auto p = parse_args(args, {"storage"}, {"fresh"});
  if (p.error.empty() && p.positional.size() != 1) p.error = "give exactly one study name";
  if (p.error.empty()) {
    const std::string& name = p.positional[0];
    const bool up = name == ".." || name.starts_with("../") || name.ends_with("/..") ||
                    name.find("/../") != std::string::npos;
    if (name.empty() || name.starts_with("/") || up) {
      p.error = "the study name must be a relative folder name inside the results folder (not empty, no '..')";
    }
  }
  if (!p.error.empty()) {
    std::cerr << "tunelab where: " << p.error << "\nusage: tunelab where NAME [--storage DIR] [--fresh]\n";
    return kExitUsage;
  }
  const std::string storage = p.value("storage").value_or(default_storage_dir());
  const NamedStudyPath w = named_study_path(storage, p.positional[0], p.has("fresh"));
  try {
    std::cout << Json{{"dir", w.dir}, {"db", w.db}, {"holds_study", w.holds_study}}.dump() << "\n";
  } catch (const Json::exception&) {  // JSON holds UTF-8 text only
    std::cerr << "tunelab where: the study's path is not valid UTF-8; choose another --storage or name\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace tunelab::cli
