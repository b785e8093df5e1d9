// tunelab trial NAME: the process body of a built-in trainable (started by the engine).
#include <iostream>

#include "cli/cli.h"
#include "core/study/spec.h"
#include "core/trainables/builtin.h"

namespace tunelab::cli {

int trial_command(const Args& args) {
  if (args.size() != 1) {
    std::cerr << "usage: tunelab trial NAME   (built-in trainables:";
    for (const auto& n : builtin_trainable_names()) std::cerr << " " << n;
    std::cerr << ")\n";
    return kExitUsage;
  }
  if (auto code = trainables::run_builtin(args[0])) return *code;
  std::cerr << "tunelab trial: unknown built-in trainable \"" << args[0] << "\"\n";
  return kExitUsage;
}

}  // namespace tunelab::cli
