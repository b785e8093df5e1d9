#pragma once
// The live terminal view of `tunelab run` and `tunelab resume`: a progress line (done, running,
// errored, best so far, ETA) redrawn in place on a terminal, or printed every few seconds when the
// output is a file; trial ends and warnings as lines above it.
#include <chrono>
#include <cstdio>
#include <string>

#include "core/run/events.h"

namespace tunelab::cli {

class TerminalView {
 public:
  TerminalView(std::string metric, bool quiet);
  void on_event(const StudyEvent& e);

 private:
  void print_line(const std::string& line);
  void draw_progress(const Progress& p);
  std::string metric_;
  bool quiet_;
  bool tty_;
  bool progress_drawn_ = false;
  std::chrono::steady_clock::time_point last_plain_{};
};

std::string format_duration(double seconds);

}  // namespace tunelab::cli
