#pragma once
// Learning-curve tables: CSV files with one row per trial, its config columns first, then one column
// per epoch named by the epoch number ("1", "2", ...). An empty epoch cell ends that row's curve.
// The `table` trainable replays a row; `tunelab export --format curves` writes a study as one.
#include <string>
#include <vector>

#include "core/util/json.h"
#include "core/util/result.h"

namespace tunelab {

struct CurveTable {
  std::vector<std::string> config_columns;
  struct Row {
    Json config;                 // {column: value}; numbers where the cell parses as one
    std::vector<double> curve;   // value at epoch 1, 2, ... (as long as the row's curve)
  };
  std::vector<Row> rows;
};

// Parses CSV text (RFC 4180 quoting). Errors name "source:line".
Result<CurveTable> parse_curve_table(const std::string& text, const std::string& source);
Result<CurveTable> load_curve_table(const std::string& path);
std::string to_csv(const CurveTable& t);

}  // namespace tunelab
