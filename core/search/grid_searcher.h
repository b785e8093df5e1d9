#pragma once
// Exhaustive grid search: every combination of every parameter's values (choice, grid, int, float
// with a step, const), each repeated num_samples times. Conditional parameters only vary where active,
// so no duplicate combination is produced. Continuous parameters are rejected at construction.
#include "core/search/searcher.h"

namespace tunelab {

class GridSearcher final : public Searcher {
 public:
  // Fails naming the first continuous parameter, or when the grid exceeds `max_points`.
  static Result<std::unique_ptr<Searcher>> create(const SearchSpace& space, int64_t num_samples,
                                                  uint64_t max_points = 1'000'000);
  Suggestion suggest(int64_t trial_id) override;
  int64_t total_trials() const override;
  size_t grid_points() const { return points_.size(); }

 private:
  GridSearcher(std::vector<Json> points, int64_t num_samples)
      : points_(std::move(points)), num_samples_(num_samples) {}
  std::vector<Json> points_;
  int64_t num_samples_;
};

}  // namespace tunelab
