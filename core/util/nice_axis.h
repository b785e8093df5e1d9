#pragma once
// Axis ranges and ticks that people read at a glance: ticks at whole multiples of 1, 2 or 5 times a
// power of ten, and a range that fits the data with a small margin. Used by every chart and by
// `tunelab plot`; no Qt here, so the rules are tested on their own (tests/core/util/test_nice_axis.cpp).
#include <string>
#include <vector>

namespace tunelab {

struct NiceAxisOptions {
  int max_ticks = 6;          // at most this many tick values inside the range (at least 2)
  double margin = 0.04;       // of the data's span, added on each side before rounding out to ticks
  bool exact_max = false;     // the range ends at the data's maximum (an x axis ending at the last iteration)
  bool exact_min = false;     // the range starts at the data's minimum
};

struct NiceAxis {
  double min = 0, max = 1;    // the range to show
  double step = 0.2;          // between ticks: 1, 2 or 5 times a power of ten
  int decimals = 1;           // digits after the point that print every tick exactly
  std::vector<double> ticks;  // multiples of step within [min, max], ascending
  // A tick value as text with `decimals` digits ("0.25", "15", "1e+06" for very large or small steps).
  std::string label(double value) const;
};

// The step of 1, 2 or 5 times a power of ten that divides `span` into at most max_ticks - 1 intervals.
double nice_step(double span, int max_ticks);

// A linear axis for data in [lo, hi]. The range is [lo, hi] widened by the margin and rounded out to
// whole steps, except that: a margin never crosses zero when all the data is on one side of it, nor
// leaves [0, 1] when all the data is within it (a fraction stays a fraction); exact_min / exact_max
// keep that end at the data. A single value or an empty span gets a unit-sized range around it;
// non-finite input gives [0, 1].
NiceAxis nice_axis(double lo, double hi, const NiceAxisOptions& options = {});
// The same over a set of values (non-finite ones ignored).
NiceAxis nice_axis_of(const std::vector<double>& values, const NiceAxisOptions& options = {});

// A base-10 log axis for positive data in [lo, hi]: the range is whole decades around the data
// (one decade at least), and the ticks are the decades (every second or third one past max_ticks).
NiceAxis nice_log_axis(double lo, double hi, int max_ticks = 8);

}  // namespace tunelab
