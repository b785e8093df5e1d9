#pragma once
// Pinning checkpoints: when a trial reports a checkpoint, the engine keeps its own hard-linked copy
// under <trial_dir>/.checkpoints/<iteration>/. A trial that writes its next checkpoint over the same
// name (atomically: write elsewhere, then rename) cannot then change what the engine will restore:
// after a crash of the engine, the trial restarts from the checkpoint of the last result the store
// holds, and repeats the iterations after it, so no result is lost.
#include <cstdint>
#include <string>

#include "core/util/result.h"

namespace tunelab {

// Hard-links (or, across file systems, copies) `source` (a file or a directory tree) to
// <trial_dir>/.checkpoints/<iteration>/<name of source>. Returns the pinned path.
Result<std::string> pin_checkpoint(const std::string& source, const std::string& trial_dir, int64_t iteration);

// Removes the pins of `trial_dir` except those for `keep_a` and `keep_b` (iterations).
void prune_checkpoint_pins(const std::string& trial_dir, int64_t keep_a, int64_t keep_b);

}  // namespace tunelab
