#pragma once
// The monotonic time the controller reads (trial timeouts, the grace after `_done`, the study's time
// budget, progress ticks). Injected through ControllerOptions::clock so that tests can move time
// themselves instead of sleeping; the default is std::chrono::steady_clock.
#include <chrono>
#include <memory>

namespace tunelab {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::steady_clock::time_point now() const = 0;
};

class SteadyTimeClock final : public Clock {
 public:
  std::chrono::steady_clock::time_point now() const override { return std::chrono::steady_clock::now(); }
};

inline std::shared_ptr<const Clock> steady_time_clock() {
  static const auto clock = std::make_shared<const SteadyTimeClock>();
  return clock;
}

}  // namespace tunelab
