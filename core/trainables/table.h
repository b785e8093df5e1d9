#pragma once
// The `table` built-in trainable: replays one learning curve of a curve table (core/trainables/curve_table.h),
// one report per epoch, so schedulers can be compared on recorded curves without training.
//
// Config keys:
//   file (required)   the CSV file, relative to the trial's working directory (the spec's folder)
//   row               the 0-based data row to replay; without it, the row whose config columns equal the
//                     config's values of the same names
//   metric ("value")  the name the values are reported under
//   sleep_s (0)       sleep before each report
// It writes checkpoint-<epoch>.txt (the epoch) with each report and continues after it when restored.
namespace tunelab::trainables {

int run_table();

}  // namespace tunelab::trainables
