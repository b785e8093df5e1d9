#pragma once
// StudyWatch: a study that another process runs (or ran), seen as the engine's own observers see it. It
// turns what a StudyTail reads from the database into the StudyEvents the engine sends (trials created,
// started, ended and updated, results, the event log, decisions, progress with an ETA), so a window shows
// a watched study and one it runs itself the same way. Each poll costs what is new (see StudyTail).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/run/events.h"
#include "core/store/study_tail.h"

namespace tunelab {

class StudyWatch {
 public:
  static Result<std::unique_ptr<StudyWatch>> open(const std::string& path);

  struct Update {
    bool changed = false;  // something was committed since the last poll
    bool more = false;     // results are waiting beyond this batch: poll again at once
    // What is new, in three parts, to be applied in this order: trials created, started and updated, and
    // curves cut back by a restart; the new results, in columns (no TrialResult events: a JSON value per
    // result costs more than the rest of watching); trials that ended, the event log and the decisions, and a
    // Progress event (Finished once the study is no longer running). Log and Decision events carry their
    // stored time in data["ts"].
    std::vector<StudyEvent> events;
    ResultBlock results;
    std::vector<StudyEvent> after;
  };
  // What is new since the last poll (the first poll: the whole study), in the order the engine would have
  // sent it.
  Result<Update> poll(size_t max_results = 100000);

  const StudyRecord& study() const { return tail_->study(); }
  // Trials the study plans to run (-1: open-ended or unknown).
  int64_t planned_trials() const { return planned_; }
  const Progress& progress() const { return progress_; }
  const StudyTail& tail() const { return *tail_; }

 private:
  StudyWatch() = default;
  std::unique_ptr<StudyTail> tail_;
  int64_t planned_ = -1;
  std::optional<double> time_budget_s_;
  std::map<int64_t, TrialStatus> status_;  // per trial, as last sent
  std::map<int64_t, int64_t> generation_;  // per trial, as last sent (a PBT exploit raises it)
  Progress progress_;
  std::string study_status_;  // as last sent
};

}  // namespace tunelab
