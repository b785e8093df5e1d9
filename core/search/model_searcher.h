#pragma once
// Shared machinery of the model-based searchers (Sobol, TPE, GP, CMA-ES, BOHB, NSGA-II, MOTPE):
// the history of trials as unit-cube vectors with their losses, and a Searcher base that proposes
// vectors and converts them to configs at the edge.
//
// Losses are minimised: an objective that is maximised is negated. A trial's value is the objective in
// its last result (stopped trials count at their last value); a trial that ended without one, or with
// an error, is failed and leaves the model. Each proposal draws from a stream seeded by (seed, trial
// id), so the same history gives the same suggestion, and a study resumed from its store (history
// replayed through on_complete) proposes what an uninterrupted one would.
#include <optional>
#include <vector>

#include "core/search/encoding.h"
#include "core/search/sobol.h"
#include "core/search/searcher.h"
#include "core/util/rng.h"

namespace tunelab {

struct Observation {
  enum class State { Unknown, Running, Done, Failed };
  State state = State::Unknown;
  std::vector<double> x;          // encoded config
  std::vector<double> losses;     // one per objective (minimised); empty until a value is known
  int64_t iteration = 0;          // training_iteration of the last value
  double loss() const { return losses.empty() ? kNaN : losses[0]; }
};

// The trials a searcher knows, indexed by trial id (ids are dense).
class ObservationLog {
 public:
  ObservationLog(const SpaceEncoding& enc, std::vector<std::string> metrics, std::vector<bool> maximize);

  void suggested(int64_t id, std::vector<double> x);
  // Takes the running value of a trial from one of its results. Returns the losses read, if complete.
  std::optional<std::vector<double>> result(const TrialSnapshot& t, const Json& result);
  void complete(const TrialSnapshot& t);

  const std::vector<Observation>& all() const { return obs_; }
  const Observation* find(int64_t id) const;
  // Ids of trials done with a value, in id order.
  std::vector<int64_t> done() const;
  std::vector<int64_t> running() const;
  size_t done_count() const { return done_count_; }
  size_t objectives() const { return metrics_.size(); }

 private:
  Observation& slot(int64_t id);
  std::optional<std::vector<double>> losses_of(const Json& result) const;

  const SpaceEncoding* enc_;
  std::vector<std::string> metrics_;
  std::vector<bool> maximize_;
  std::vector<Observation> obs_;
  size_t done_count_ = 0;
};

class ModelSearcher : public Searcher {
 public:
  explicit ModelSearcher(const SearchContext& ctx);

  Suggestion suggest(int64_t trial_id) final;
  void on_result(const TrialSnapshot& trial, const Json& result) override;
  void on_complete(const TrialSnapshot& trial) override;
  int64_t total_trials() const override { return total_; }

  const SpaceEncoding& encoding() const { return enc_; }
  const ObservationLog& log() const { return log_; }

 protected:
  // The next point, or nullopt to wait for results. `rng` is seeded by (seed, trial id).
  virtual std::optional<std::vector<double>> propose(int64_t trial_id, Rng& rng) = 0;
  // Hooks after the log took a result or a finished trial.
  virtual void observed_result(const TrialSnapshot& /*t*/, const Json& /*result*/) {}
  virtual void observed_complete(const TrialSnapshot& /*t*/) {}

  // A point drawn uniformly: numeric coordinates in [0, 1), categorical ones a uniform index.
  std::vector<double> uniform_point(Rng& rng) const;
  // Point `i` of a scrambled Sobol' sequence seeded by the searcher's seed (for startup trials:
  // they cover the space more evenly than uniform draws).
  std::vector<double> sobol_point(int64_t i);

  uint64_t seed_;
  uint64_t tag_ = 0;  // distinguishes searchers' streams
  SpaceEncoding enc_;
  ObservationLog log_;
  int64_t total_;
  std::unique_ptr<SobolSequence> sobol_;
};

// Objective metrics and directions of a context: ctx.objectives when given, else ctx.metric.
std::vector<std::string> context_metrics(const SearchContext& ctx);
std::vector<bool> context_maximize(const SearchContext& ctx);

}  // namespace tunelab
