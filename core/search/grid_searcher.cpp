#include "core/search/grid_searcher.h"

#include <algorithm>
#include <cstdint>
#include <functional>

namespace tunelab {

Result<std::unique_ptr<Searcher>> GridSearcher::create(const SearchSpace& space, int64_t num_samples,
                                                       uint64_t max_points) {
  for (const auto& p : space.params()) {
    if (p.cardinality() == 0) {
      return Error{p.json_path, "grid search needs a finite set of values, but \"" + p.name +
                                    "\" is continuous: give it a step, make it a choice, or use random search"};
    }
  }
  std::vector<Json> points;
  FlatConfig flat;
  bool too_big = false;
  const auto& params = space.params();
  std::function<void(size_t)> expand = [&](size_t i) {
    if (too_big) return;
    if (i == params.size()) {
      if (points.size() >= max_points) {
        too_big = true;
        return;
      }
      points.push_back(space.to_config(flat));
      return;
    }
    const Parameter& p = params[i];
    if (!space.is_active(p, flat)) return expand(i + 1);
    for (uint64_t k = 0; k < p.cardinality(); ++k) {
      flat[p.name] = p.value_at(k);
      expand(i + 1);
      if (too_big) return;
    }
    flat.erase(p.name);
  };
  expand(0);
  if (too_big) {
    return Error{"search", "the grid has more than " + std::to_string(max_points) +
                               " points; narrow the space or use random search"};
  }
  if (static_cast<uint64_t>(num_samples) > (uint64_t{1} << 53) / std::max<size_t>(1, points.size())) {  // trial numbers fit
    return Error{"num_samples", "the grid has " + std::to_string(points.size()) +
                                    " points, each run num_samples times: more than 2^53 trials; lower num_samples"};
  }
  return std::unique_ptr<Searcher>(new GridSearcher(std::move(points), num_samples));
}

Suggestion GridSearcher::suggest(int64_t trial_id) {
  const int64_t i = own_index(trial_id);
  if (i >= total_trials()) return Suggestion::finished();
  return Suggestion::of(points_[static_cast<size_t>(i) % points_.size()]);
}

int64_t GridSearcher::total_trials() const { return static_cast<int64_t>(points_.size()) * num_samples_; }

}  // namespace tunelab
