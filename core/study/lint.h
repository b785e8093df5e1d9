#pragma once
// Search-space advice before a study: warnings, never errors. `tunelab validate` and `tunelab run`
// print them; the GUI shows them next to the parameter. Each warning names the JSON path it is about.
//
// Warns on: a float range spanning two or more decades without log; an integer range with more than
// 1,000 values (not log-scaled); a grid (grid parameters, or the grid searcher's whole grid) whose
// size times num_samples exceeds 10,000 trials; an unreachable condition (its parent never active, or
// conditions that contradict each other or the parents' own, traced through choice/grid ancestors);
// a condition on an exact value of a continuous parameter (almost never met).
#include <vector>

#include "core/study/spec.h"

namespace tunelab {

std::vector<Error> lint_space(const StudySpec& spec);

}  // namespace tunelab
