#pragma once
// Searchers that wrap another searcher (set by the common options of every "search" block):
//   points_to_evaluate: the first trials run the given configs (warm start), then the inner searcher
//     takes over; the inner searcher sees their results like any other trial's. They count towards
//     num_samples, as in Ray Tune.
//   max_concurrent: at most that many of this searcher's trials run at once; it answers Wait otherwise
//     (Ray Tune's ConcurrencyLimiter: a model-based searcher then proposes from more results).
//   repeat: every config runs k times (trials i*k ... i*k+k-1, with "_repeat_index" 0..k-1 added to the
//     config so the trainable can seed itself on it); the inner searcher sees one trial per config,
//     with the mean objective of the k runs (Ray Tune's Repeater).
#include <map>

#include "core/search/searcher.h"

namespace tunelab {

class PointsToEvaluate final : public Searcher {
 public:
  PointsToEvaluate(std::unique_ptr<Searcher> inner, std::vector<Json> points)
      : inner_(std::move(inner)), points_(std::move(points)) {}
  Suggestion suggest(int64_t trial_id) override;
  void on_result(const TrialSnapshot& t, const Json& r) override { inner_->on_result(t, r); }
  void on_complete(const TrialSnapshot& t) override { inner_->on_complete(t); }
  int64_t total_trials() const override;
  void note_external_trial(int64_t id) override {
    Searcher::note_external_trial(id);
    inner_->note_external_trial(id);
  }

 private:
  std::unique_ptr<Searcher> inner_;
  std::vector<Json> points_;
};

class ConcurrencyLimiter final : public Searcher {
 public:
  ConcurrencyLimiter(std::unique_ptr<Searcher> inner, int64_t max_concurrent)
      : inner_(std::move(inner)), max_(max_concurrent) {}
  Suggestion suggest(int64_t trial_id) override;
  void on_result(const TrialSnapshot& t, const Json& r) override { inner_->on_result(t, r); }
  void on_complete(const TrialSnapshot& t) override;
  int64_t total_trials() const override { return inner_->total_trials(); }
  void note_external_trial(int64_t id) override {
    Searcher::note_external_trial(id);
    inner_->note_external_trial(id);
  }

 private:
  std::unique_ptr<Searcher> inner_;
  int64_t max_;
  std::map<int64_t, bool> live_;
};

class Repeater final : public Searcher {
 public:
  Repeater(std::unique_ptr<Searcher> inner, int64_t repeat, std::string metric)
      : inner_(std::move(inner)), k_(repeat), metric_(std::move(metric)) {}
  Suggestion suggest(int64_t trial_id) override;
  void on_complete(const TrialSnapshot& t) override;
  int64_t total_trials() const override;
  // The inner searcher numbers groups, not trials: a trial added by hand is no group of it.
  void note_external_trial(int64_t id) override { Searcher::note_external_trial(id); }

  static constexpr const char* kIndexKey = "_repeat_index";

 private:
  struct Group {
    Json config;  // without the index key
    std::vector<double> values;
    int finished = 0;
    int errors = 0;
  };
  std::unique_ptr<Searcher> inner_;
  int64_t k_;
  std::string metric_;
  std::map<int64_t, Group> groups_;
};

}  // namespace tunelab
