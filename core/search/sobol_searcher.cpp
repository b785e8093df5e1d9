#include "core/search/sobol_searcher.h"


namespace tunelab {

SobolSearcher::SobolSearcher(const SearchContext& ctx)
    : ModelSearcher(ctx), seq_(ctx.space ? SpaceEncoding(*ctx.space).size() : 0, seed_) {
  tag_ = 0x534F42ULL;
}

std::optional<std::vector<double>> SobolSearcher::propose(int64_t trial_id, Rng& /*rng*/) {
  auto x = seq_.point(static_cast<uint64_t>(trial_id));
  for (size_t d = 0; d < x.size(); ++d) {
    const Dim& dim = enc_.dims()[d];
    if (dim.categorical) x[d] = std::floor(x[d] * static_cast<double>(dim.choices));
  }
  return x;
}

}  // namespace tunelab
