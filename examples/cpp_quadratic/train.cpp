// A minimal C++ trainer for TuneLab: reads x and y from its configuration and, for 10 iterations, reports a
// noise-free quadratic loss whose minimum (loss 0.1 at the last iteration) is at x = 1, y = -2.
// Run by hand: TUNELAB_CONFIG='{"x": 0.5, "y": -1}' ./build/train
// Its only state is the iteration, kept in a small checkpoint so a paused or restarted trial continues.
#include <cstdio>
#include <exception>
#include <optional>
#include <string>

#include <tunelab/client.hpp>

namespace tl = tunelab::client;

int main() {
  double x = 0, y = 0;
  try {
    const nlohmann::json config = tl::config();
    x = config.value("x", 0.0);
    y = config.value("y", 0.0);
  } catch (const std::exception& e) {  // not JSON, or x/y not numbers
    std::fprintf(stderr, "train: bad configuration: %s\n", e.what());
    return 2;
  }
  // Restored (after a pause, a crash or a PBT exploit): continue after the checkpoint's iteration.
  const long long first = tl::restore_path() ? tl::restore_iteration() + 1 : 1;
  const bool in_trial = tl::in_trial();
  for (long long iteration = first; iteration <= 10; ++iteration) {
    // As if training: the loss falls towards the distance from the optimum as iterations go by.
    const double loss = (x - 1) * (x - 1) + (y + 2) * (y + 2) + 1.0 / static_cast<double>(iteration);
    std::optional<std::string> checkpoint;
    if (in_trial && tl::write_file_atomic(tl::trial_dir() + "/state.txt", std::to_string(iteration) + "\n")) {
      checkpoint = "state.txt";
    }
    if (!tl::report({{"training_iteration", static_cast<double>(iteration)}, {"loss", loss}}, checkpoint)) {
      std::perror("train: cannot report");
      return 1;
    }
  }
  return 0;
}
