#pragma once
// The trials table as TrialRecord holds it: one column list and one row reader, for the store's load_trials and
// the watcher's tail (study_tail.cpp), so both read a trial the same way and check its config the same way.
#include <string>

#include "core/store/records.h"
#include "core/store/sqlite_util.h"

namespace tunelab {

// The columns of a trials row in TrialRecord's order, for a database of schema version `schema` (constants
// stand in for the columns an older schema lacks).
std::string trial_columns(int schema);

// Reads the row `st` is on (selected with trial_columns) into `t`. Returns why its config cannot be read (not
// a JSON object, nested too deep), or empty.
std::string read_trial_row(const sql::Stmt& st, TrialRecord& t);

}  // namespace tunelab
