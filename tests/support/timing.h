#pragma once
// Timing for the tests that compare the cost of two inputs (a complexity check, not a wall-clock race).
#include <algorithm>
#include <chrono>
#include <functional>

namespace tunelab::test {

// The fastest of three runs of f, in seconds.
inline double best_of_three(const std::function<void()>& f) {
  double best = 1e9;
  for (int i = 0; i < 3; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

}  // namespace tunelab::test
