// The searchers this build knows. Adding a searcher = a ComponentDef here and a case in make_searcher.
#include "core/search/grid_searcher.h"
#include "core/search/random_searcher.h"
#include "core/search/searcher.h"

namespace tunelab {

const std::vector<ComponentDef>& searcher_defs() {
  static const std::vector<ComponentDef> defs = {
      {"random",
       "Random search: grid parameters are enumerated, all others sampled independently at random.",
       {{"seed", OptionKind::Int, nullptr, 0.0, std::nullopt, {}, "Random seed (default: the study's seed)."}}},
      {"grid",
       "Exhaustive grid over every parameter's values; continuous parameters need a step.",
       {}},
  };
  return defs;
}

const ComponentDef* find_searcher_def(const std::string& type) { return find_component(searcher_defs(), type); }

Result<std::unique_ptr<Searcher>> make_searcher(const SearchContext& ctx) {
  const std::string type = ctx.options.value("type", "random");
  if (type == "random") {
    const uint64_t seed = ctx.options.contains("seed") ? ctx.options["seed"].get<uint64_t>() : ctx.seed;
    return std::unique_ptr<Searcher>(new RandomSearcher(*ctx.space, ctx.num_samples, seed));
  }
  if (type == "grid") return GridSearcher::create(*ctx.space, ctx.num_samples);
  return Error{"search.type", "unknown searcher \"" + type + "\""};
}

}  // namespace tunelab
