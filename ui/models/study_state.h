#pragma once
// The GUI's copy of a study: trials, their status and learning curves, filled from engine events
// (a running study) or from a store (an opened database). Plain data, owned by the GUI thread; the
// table model and the charts read it and are told what changed by the Delta that apply() returns.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/model/trial.h"
#include "core/run/events.h"
#include "core/store/study_tail.h"
#include "core/study/spec.h"

namespace tunelab::ui {

struct TrialData {
  int64_t id = 0;
  Json config;                                  // nested, as the engine created it
  std::map<std::string, Json> flat_config;      // dotted names
  TrialStatus status = TrialStatus::Pending;
  std::string reason;                           // why it ended or was paused
  int64_t iteration = 0;
  std::optional<double> last, best;             // the objective
  double runtime_s = 0;                         // time_total_s of the last result
  // Learning curves: one entry per result; metrics[name][i] is NaN where result i lacked it.
  std::vector<double> iterations, times;
  std::map<std::string, std::vector<double>> metrics;
};

struct StudyDelta {
  std::vector<size_t> added;                          // new trial indices (ascending)
  std::set<size_t> changed;                           // trials whose row changed
  std::set<size_t> status_changed;                    // ... beyond their results (status, config)
  std::map<size_t, size_t> appended;                  // trial index -> first new curve point
  std::set<size_t> rewound;                           // trials whose curve lost points: redraw them whole
  std::set<size_t> ended;                             // trials that finished in this batch
  std::vector<std::string> log_lines;                 // decisions and messages, ready to show
  std::vector<double> log_times;                      // each line's stored time (s since the epoch), 0: now
  std::optional<Progress> progress;
  bool finished = false;                              // the session ended
  bool best_changed = false;
};

class StudyState {
 public:
  // Starts over for a study with this objective and these parameter names (the table's columns).
  void reset(const Objective& objective, std::vector<std::string> param_names);
  StudyDelta apply(const std::vector<StudyEvent>& batch);
  // New results in columns (a watched study's): as TrialResult events with these numbers, at a fraction of
  // the cost.
  StudyDelta apply_results(const ResultBlock& block);

  const std::vector<TrialData>& trials() const { return trials_; }
  std::optional<size_t> index_of(int64_t id) const;
  const Objective& objective() const { return objective_; }
  const std::vector<std::string>& param_names() const { return param_names_; }
  const std::vector<std::string>& metric_names() const { return metric_names_; }
  std::optional<int64_t> best_trial() const { return best_trial_; }
  std::optional<double> best_value() const { return best_value_; }
  const std::optional<Progress>& progress() const { return progress_; }
  // The trials counted by status as shown (kept up to date as events arrive, not recounted).
  const Progress& counts() const { return counts_; }

 private:
  size_t index_for(int64_t id, StudyDelta& delta);
  // Drops the trial's curve points after `iteration` (a restarted attempt's curve replaces them).
  void rewind(size_t i, int64_t iteration, StudyDelta& delta);
  void set_status(TrialData& t, TrialStatus s);
  // One result of trial i: its iteration (none: the next), its time, and its numeric metrics (names that
  // are not yet columns become columns unless `names_known`).
  void add_point(size_t i, std::optional<int64_t> iteration, std::optional<double> time_total_s,
                 const std::vector<std::pair<const std::string*, double>>& values, bool names_known,
                 StudyDelta& delta);

  Objective objective_;
  std::vector<std::string> param_names_;
  std::vector<std::string> metric_names_;   // numeric metrics seen, first-seen order
  std::set<std::string> metric_set_;
  std::vector<TrialData> trials_;
  std::map<int64_t, size_t> index_;
  std::optional<int64_t> best_trial_;
  std::optional<double> best_value_;
  std::optional<Progress> progress_;
  Progress counts_;
  std::vector<std::pair<const std::string*, double>> values_;  // add_point's argument, reused
};

// One line for the event log; decisions read "trial 7: stop by scheduler: below the median at iteration 4".
std::string describe_event(const StudyEvent& e);

}  // namespace tunelab::ui
