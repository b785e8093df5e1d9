#pragma once
// Scrambled Sobol' search: a quasi-random sequence that covers the unit cube more evenly than
// independent draws. Trial i takes point i of the sequence (Joe and Kuo's direction numbers),
// scrambled by a random linear matrix scramble and digital shift seeded by the study seed
// (Matousek 1998), so different seeds give different, equally even, sequences. Beyond 37
// coordinates the extra ones are drawn at random.
#include "core/search/model_searcher.h"
#include "core/search/sobol.h"

namespace tunelab {

class SobolSearcher final : public ModelSearcher {
 public:
  explicit SobolSearcher(const SearchContext& ctx);

 protected:
  std::optional<std::vector<double>> propose(int64_t trial_id, Rng& rng) override;

 private:
  SobolSequence seq_;
};

}  // namespace tunelab
