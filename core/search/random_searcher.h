#pragma once
// Random search, as Ray Tune's basic variant generator: grid parameters are enumerated (every
// combination, repeated num_samples times), all others sampled at random.
//
// Trial i draws from a stream seeded by (seed, i), so its config does not depend on which other
// trials were suggested before: a resumed study proposes exactly what an uninterrupted one would.
#include "core/search/searcher.h"

namespace tunelab {

class RandomSearcher final : public Searcher {
 public:
  RandomSearcher(const SearchSpace& space, int64_t num_samples, uint64_t seed);
  Suggestion suggest(int64_t trial_id) override;
  int64_t total_trials() const override { return total_; }

  // The config for trial `trial_id`, whether or not it was suggested.
  Json config_for(int64_t trial_id) const;

 private:
  const SearchSpace& space_;
  uint64_t seed_;
  int64_t total_;
};

}  // namespace tunelab
