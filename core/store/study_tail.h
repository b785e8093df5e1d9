#pragma once
// StudyTail: reads what a study database gained since the last look, for a window or tool that watches a
// study another process runs. A poll costs what is new, not what is stored:
//  - nothing at all when no transaction was committed since the last poll (`PRAGMA data_version`);
//  - results, decisions, events and superseded results with a row id above the last one read;
//  - trials: those with an id above the last one read, plus the trials that were not finished at the last
//    poll (a finished trial's row no longer changes), of which only those whose status, attempts,
//    generation, hold or end changed are read whole.
// Each poll reads in one read transaction, so what it returns is one consistent state of the study.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/store/records.h"
#include "core/util/result.h"

struct sqlite3;

namespace tunelab {

// New results in columns, for a view that needs numbers only (a table, curves): no JSON value per result.
// Each row's numeric top-level members (except training_iteration, which is `iteration`) are values[first,
// first + count), each naming its metric by its index in `names`.
struct ResultBlock {
  struct Row {
    int64_t trial_id = 0, iteration = 0, attempt = 0;
    double time_total_s = 0, ts = 0;
    uint32_t first = 0, count = 0;
  };
  std::vector<std::string> names;  // every metric name the tail has met so far (indices stay valid)
  std::vector<Row> rows;           // in the order they were stored
  std::vector<std::pair<uint32_t, double>> values;
  bool empty() const { return rows.empty(); }
};

struct StudyTailBatch {
  bool changed = false;  // false: nothing was committed since the last poll (everything below is empty)
  bool more = false;     // more new results are waiting than one poll returns: poll again at once
  std::string status;    // the study's status (running, completed, stopped, interrupted)
  double elapsed_s = 0;  // the engine's running time over all sessions
  std::vector<TrialRecord> trials;  // new trials and trials whose row changed, by id
  // A trial restarted from an earlier point: its curve ends at this iteration, and the results after it
  // that were read before are gone (an abandoned attempt's); the new ones are in `results`.
  std::vector<std::pair<int64_t, int64_t>> rewound;  // (trial, last iteration kept)
  std::vector<ResultRecord> results;                 // new current results, in the order they were stored
  ResultBlock block;  // the same results in columns, instead of `results`, when the tail reads columns
  std::vector<EventRecord> events;                   // new events, in order
  std::vector<DecisionRecord> decisions;             // new decisions, in order
};

class StudyTail {
 public:
  // Opens the study read-only (the same checks as Store::open(ReadOnly)). The first poll returns everything.
  static Result<std::unique_ptr<StudyTail>> open(const std::string& path);
  ~StudyTail();
  StudyTail(const StudyTail&) = delete;
  StudyTail& operator=(const StudyTail&) = delete;

  // The study row as it was when opened (its spec does not change).
  const StudyRecord& study() const { return study_; }
  // What is new since the last poll; at most `max_results` results (then `more` is set).
  Result<StudyTailBatch> poll(size_t max_results = 100000);
  // Rows read from the database so far (every row of every query): what polling has cost.
  int64_t rows_read() const { return rows_read_; }
  // Results come as a ResultBlock of numbers (`block`), not as ResultRecords (`results`): several times
  // cheaper for a big study, as no JSON value is built per result.
  void set_columns(bool on) { columns_ = on; }

 private:
  StudyTail() = default;
  struct Marker {  // what a trial's row change shows in
    std::string status;
    int64_t attempts = 0, generation = 0, held = 0;
    double ended_at = -1;
    bool operator==(const Marker&) const = default;
  };
  std::string read(StudyTailBatch& out, size_t max_results);
  std::string read_trials(StudyTailBatch& out);
  std::string read_rewinds(StudyTailBatch& out, int64_t results_cursor);
  struct Row;
  void add_result(StudyTailBatch& out, const Row& row, const std::string& metrics);
  uint32_t name_index(std::string_view name);

  std::string path_;
  sqlite3* db_ = nullptr;
  int schema_version_ = 0;
  StudyRecord study_;
  bool first_ = true;
  bool columns_ = false;
  std::vector<std::string> names_;                    // metric names met, for ResultBlock
  std::unordered_map<std::string, uint32_t> name_ids_;
  int64_t data_version_ = -1;
  int64_t rows_read_ = 0;
  int64_t last_result_ = 0, last_history_ = 0, last_event_ = 0, last_decision_ = 0;  // row ids start at 1
  int64_t last_trial_ = -1;                                                            // trial ids at 0
  std::map<int64_t, Marker> open_trials_;  // trials not finished at the last poll
  // Per trial, (iteration, row id) of the results returned so far: a restart's rows may reuse their ids.
  std::unordered_map<int64_t, std::vector<std::pair<int64_t, int64_t>>> returned_;
};

}  // namespace tunelab
