#pragma once
// The Searcher interface: proposes configs for new trials. Never blocks.
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/model/trial.h"
#include "core/options/options.h"
#include "core/space/space.h"

namespace tunelab {

struct Suggestion {
  enum class Kind { Config, Wait, Finished };
  Kind kind = Kind::Finished;
  Json config;  // with Kind::Config: the nested trial config

  static Suggestion of(Json c) { return {Kind::Config, std::move(c)}; }
  static Suggestion wait() { return {Kind::Wait, {}}; }
  static Suggestion finished() { return {Kind::Finished, {}}; }
};

class Searcher {
 public:
  virtual ~Searcher() = default;

  // A config for trial `trial_id` (trial ids are dense: 0, 1, 2, ...), Wait when it needs results
  // first, or Finished when it has proposed all it will.
  virtual Suggestion suggest(int64_t trial_id) = 0;
  // An intermediate result of a running trial.
  virtual void on_result(const TrialSnapshot& /*trial*/, const Json& /*result*/) {}
  // A trial ended (completed, stopped early, or errored). Also called for every finished trial of a
  // resumed study, in trial order, so a searcher rebuilds its state from the store's history.
  virtual void on_complete(const TrialSnapshot& /*trial*/) {}
  // How many trials it will propose in all, or -1 when it has no fixed number.
  virtual int64_t total_trials() const = 0;

  // A trial this searcher did not propose (added or cloned by the user): its id is never passed to
  // suggest(), and it still gets on_complete. Told again on resume, before any suggest().
  // Wrappers forward it to the searcher they wrap.
  virtual void note_external_trial(int64_t trial_id) { external_.insert(trial_id); }

 protected:
  bool is_external(int64_t trial_id) const { return external_.count(trial_id) > 0; }
  // The position of trial_id among the trials this searcher proposed: the id minus the external trials
  // before it. Searchers that walk a list (grid points, a sequence) index it with this, not the id.
  int64_t own_index(int64_t trial_id) const {
    return trial_id - static_cast<int64_t>(std::distance(external_.begin(), external_.lower_bound(trial_id)));
  }

 private:
  std::set<int64_t> external_;
};

// What a searcher is built from.
struct SearchContext {
  const SearchSpace* space = nullptr;
  std::string metric;       // objective metric
  bool maximize = true;
  int64_t num_samples = 1;
  uint64_t seed = 0;        // the study's seed
  Json options;             // the validated "search" block (defaults filled in)
  // Every objective (metric, maximize) of a multi-objective study, the first being metric/maximize;
  // empty for a single objective.
  std::vector<std::pair<std::string, bool>> objectives{};
};

// The searchers this build knows, for validation, docs and GUI forms.
const std::vector<ComponentDef>& searcher_defs();
const ComponentDef* find_searcher_def(const std::string& type);

// Builds the searcher named by ctx.options["type"]. Fails when the space does not suit it
// (e.g. grid search over a continuous parameter), naming the parameter.
Result<std::unique_ptr<Searcher>> make_searcher(const SearchContext& ctx);

}  // namespace tunelab
