#pragma once
// Population-based training (Jaderberg et al. 2017), asynchronous as Ray Tune's PopulationBasedTraining.
//
// Every perturbation_interval (in time_attr units) a trial is ranked by its last value among the live
// trials that have one. If it is in the bottom quantile_fraction, it exploits: it copies the latest
// checkpoint of a trial drawn at random from the top quantile (only trials with a checkpoint qualify)
// and goes on with that trial's config, explored: each mutated parameter is resampled from
// hyperparam_mutations with probability resample_probability, otherwise numbers are multiplied by a
// factor drawn from perturbation_factors (clamped to the bounds, integers stay integers, steps are
// kept) and choices move to a neighbouring value. Its next perturbation comes a full interval later
// (by its own time, which the engine keeps counting after an exploit). Draws depend on (seed, trial id,
// the trial's perturbation count) only, so a replayed history draws the same.
#include <map>

#include "core/schedule/scheduler.h"
#include "core/util/rng.h"

namespace tunelab {

class PbtScheduler final : public Scheduler {
 public:
  struct Options {
    std::string time_attr = "training_iteration";
    double perturbation_interval = 5;
    double quantile_fraction = 0.25;
    double resample_probability = 0.25;
    std::vector<double> perturbation_factors = {1.2, 0.8};
    SearchSpace mutations;  // the parameters explored (by full dotted name)
  };
  static Result<std::unique_ptr<Scheduler>> create(const ScheduleContext& ctx);
  PbtScheduler(const ScheduleContext& ctx, Options o);

  Decision on_result(const TrialSnapshot& trial, const Json& result) override;
  void on_complete(const TrialSnapshot& trial) override;

  // The donor's config explored (see above); `changes` receives {name: [old, new]} for changed values.
  Json explore(const Json& config, Rng& rng, Json& changes) const;
  int generation(int64_t trial_id) const;

 private:
  struct State {
    double score = 0;  // signed last value (higher is better); NaN ranks last
    bool has_score = false;
    double last_perturbation_time = 0;
    int generation = 0;
    uint64_t perturbations = 0;
    int64_t checkpoint_iteration = 0;
    Json config;
    bool finished = false;
  };
  std::string metric_;
  bool maximize_;
  uint64_t seed_;
  Options o_;
  std::map<int64_t, State> trials_;
};

}  // namespace tunelab
