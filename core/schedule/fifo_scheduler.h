#pragma once
// First in, first out: every trial runs until it ends or a stop criterion ends it.
#include "core/schedule/scheduler.h"

namespace tunelab {

class FifoScheduler final : public Scheduler {
 public:
  Decision on_result(const TrialSnapshot&, const Json&) override { return Decision::keep_going(); }
};

}  // namespace tunelab
