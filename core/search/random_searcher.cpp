#include "core/search/random_searcher.h"

#include "core/util/rng.h"

namespace tunelab {

RandomSearcher::RandomSearcher(const SearchSpace& space, int64_t num_samples, uint64_t seed)
    : space_(space), seed_(seed), total_(num_samples * static_cast<int64_t>(space.grid_size())) {}

Suggestion RandomSearcher::suggest(int64_t trial_id) {
  // Trials added by hand take ids, not grid combinations or draws.
  const int64_t i = own_index(trial_id);
  if (i >= total_) return Suggestion::finished();
  return Suggestion::of(config_for(i));
}

Json RandomSearcher::config_for(int64_t trial_id) const {
  // Grid coordinates: trial i takes combination i mod G (the first grid parameter varies slowest).
  const auto grid = space_.grid_params();
  uint64_t combo = static_cast<uint64_t>(trial_id) % space_.grid_size();
  std::map<std::string, uint64_t> grid_index;
  for (auto it = grid.rbegin(); it != grid.rend(); ++it) {
    const uint64_t n = (*it)->values.size();
    grid_index[(*it)->name] = combo % n;
    combo /= n;
  }
  Rng rng(derive_seed({seed_, static_cast<uint64_t>(trial_id), 0x52414E44ULL}));
  FlatConfig flat;
  for (const auto& p : space_.params()) {
    // Draw for every parameter, active or not, so one parameter's activity never shifts another's draw.
    const double u = uniform01(rng);
    if (!space_.is_active(p, flat)) continue;
    flat[p.name] = p.type == ParamType::Grid ? p.values[grid_index[p.name]] : p.from_unit(u);
  }
  return space_.to_config(flat);
}

}  // namespace tunelab
