#pragma once
// Rows of the results store (docs/storage.md). Plain data; times are seconds since the Unix epoch.
#include <cstdint>
#include <optional>
#include <string>

#include "core/model/trial.h"
#include "core/util/json.h"

namespace tunelab {

struct StudyRecord {
  std::string name;
  Json spec;               // the spec as given, with the seed filled in
  std::string base_dir;    // directory relative paths in the spec are resolved against
  std::string trials_dir;  // where trial directories live
  std::string status = "running";  // running, completed, stopped, interrupted
  double created_at = 0;
  double updated_at = 0;
  double elapsed_s = 0;    // time the engine has spent running this study, over all sessions
};

struct TrialRecord {
  int64_t id = 0;
  Json config;
  TrialStatus status = TrialStatus::Pending;
  int64_t attempts = 0;             // starts so far (a retry or a resume adds one)
  int64_t failures = 0;             // non-zero exits counted against max_failures
  double created_at = 0;
  std::optional<double> started_at; // first start
  std::optional<double> ended_at;
  double runtime_s = 0;             // time spent running, over all attempts
  std::string error;                // reason and stderr tail, for ERROR
  std::string trial_dir;
  std::optional<int64_t> parent_id;
  int64_t pgid = 0;                 // process group of the running attempt (0 when none)
  int64_t last_iteration = 0;       // last training_iteration stored
  std::string checkpoint;           // last checkpoint path reported (absolute), or empty
  int64_t checkpoint_iteration = 0; // training_iteration of the report carrying it
  int64_t generation = 0;           // PBT exploits so far (each copies a donor's checkpoint)
  bool held = false;                // paused by the user: waits until the user resumes it
  std::string origin = "search";    // search (proposed by the searcher) or user (added by hand)
  // Stored training_iteration minus the trainable's own count. Non-zero after a PBT exploit: the trial
  // keeps counting its own iterations while its trainable continues from the donor's checkpoint.
  int64_t iteration_offset = 0;
  std::string executor_job;         // batch job of the running attempt (Slurm job id), or empty
  int64_t ignored_reports = 0;      // reports sent after it was told to stop or pause (schema 6)
};

struct ResultRecord {
  int64_t trial_id = 0;
  int64_t iteration = 0;
  double time_total_s = 0;
  double ts = 0;
  Json metrics;  // the whole report, including training_iteration and time_total_s
  int64_t attempt = 0;      // the trial's attempt (start) that reported it; 0 when stored before schema 5
  bool superseded = false;  // from an abandoned attempt: history, not part of the trial's curve
};

struct EventRecord {
  std::optional<int64_t> trial_id;
  double ts = 0;
  std::string kind;     // created, resumed, restarted, retried, completed, stopped, errored, bad_report, ...
  std::string message;  // for people
  Json details;         // for programs, or null
};

struct DecisionRecord {
  int64_t trial_id = 0;
  double ts = 0;
  std::string source;   // scheduler, stopper, user
  std::string action;   // continue, pause, stop
  std::string reason;
  Json details;
};

}  // namespace tunelab
