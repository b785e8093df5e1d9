// tunelab-trial NAME: the built-in trainables alone, without the GUI's libraries, so that a trial
// process starts in about a millisecond. `tunelab trial NAME` runs the same code.
#include <cstdio>
#include <string>

#include "core/study/spec.h"
#include "core/trainables/builtin.h"

int main(int argc, char** argv) {
  if (argc == 2) {
    if (auto code = tunelab::trainables::run_builtin(argv[1])) return *code;
    std::fprintf(stderr, "tunelab-trial: unknown built-in trainable \"%s\"\n", argv[1]);
  }
  std::fprintf(stderr, "usage: tunelab-trial NAME   (built-in trainables:");
  for (const auto& n : tunelab::builtin_trainable_names()) std::fprintf(stderr, " %s", n.c_str());
  std::fprintf(stderr, ")\n");
  return 2;
}
