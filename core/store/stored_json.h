#pragma once
// Reading back the JSON a study database stores, with the checks a report gets: the store's readers
// (store.cpp, store_results.cpp) and their error for a damaged row. Not for use outside core/store.
#include <cstddef>
#include <string>

#include "core/util/json.h"
#include "core/util/result.h"

namespace tunelab {

// Nesting allowed in a stored JSON value: what reports and specs may hold (ReportParser::kMaxDepth, the spec's
// own limit). A crafted or damaged file may hold anything; a deeper value would overflow the stack of whatever
// prints or copies it later.
constexpr size_t kMaxStoredDepth = 64;

// A JSON column read back with the checks a report gets: valid JSON, nested at most kMaxStoredDepth levels, and
// (`object`) a JSON object. Empty text is null. Returns why not, or empty; `out` holds the value when ok.
std::string parse_checked(const std::string& s, bool object, Json& out);

// A stored result's metrics: an object (parse_checked) whose training_iteration and time_total_s, which the engine
// stores as numbers in every result and readers rely on, are numbers.
std::string check_metrics(const Json& m);

// "the study database is damaged: TABLE row (WHICH): COLUMN WHY".
Error damaged_row(const std::string& path, const std::string& row, const std::string& column, const std::string& why);

}  // namespace tunelab
