#pragma once
// The live terminal view of `tunelab run` and `tunelab resume`: a progress line (done, running,
// errored, best so far, ETA) redrawn in place on a terminal, or printed every few seconds when the
// output is a file; trial ends and warnings as lines above it.
#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

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

// Text a trial or a study file supplied (stderr tails, error messages, reasons, config strings, metric names),
// made safe to print on a terminal: C0 control characters (all but '\n' when `keep_newlines`), DEL, C1 controls
// (U+0080 to U+009F) and bytes that are not valid UTF-8 are written as `\xNN`, so an ESC or BEL sequence cannot set
// the window title, clear the screen or move the cursor. Other text, UTF-8 included, is kept as it is.
std::string terminal_safe(std::string_view text, bool keep_newlines = false);

}  // namespace tunelab::cli
