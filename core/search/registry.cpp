// The searchers this build knows. Adding a searcher = a ComponentDef here and a case in make_searcher.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "core/search/bohb_searcher.h"
#include "core/search/cmaes_searcher.h"
#include "core/search/gp_searcher.h"
#include "core/search/grid_searcher.h"
#include "core/search/multi_objective.h"
#include "core/search/random_searcher.h"
#include "core/search/searcher.h"
#include "core/search/sobol_searcher.h"
#include "core/search/tpe_searcher.h"
#include "core/search/wrappers.h"

namespace tunelab {

namespace {

OptionDef seed_option() {
  return {"seed", OptionKind::Int, nullptr, 0.0, std::nullopt, {}, "Random seed (default: the study's seed)."};
}

// Options every searcher takes (the wrappers of core/search/wrappers.h).
std::vector<OptionDef> with_common(std::vector<OptionDef> own, bool seeded = true) {
  std::vector<OptionDef> out;
  if (seeded) out.push_back(seed_option());
  for (auto& o : own) out.push_back(std::move(o));
  out.push_back({"points_to_evaluate", OptionKind::Any, nullptr, std::nullopt, std::nullopt, {},
                 "Configs to run first (an array of objects giving every active parameter); they count towards "
                 "num_samples."});
  out.push_back({"max_concurrent", OptionKind::Int, nullptr, 1.0, std::nullopt, {},
                 "At most this many of the searcher's trials run at once (it waits for results otherwise)."});
  out.push_back({"repeat", OptionKind::Int, 1, 1.0, 1000.0, {},
                 "Run every config this many times (config key _repeat_index = 0..repeat-1); the searcher learns "
                 "from their mean. num_samples counts every run."});
  return out;
}

std::vector<OptionDef> tpe_options() {
  return {{"n_startup_trials", OptionKind::Int, 10, 0.0, std::nullopt, {}, "Random trials before the model is used."},
          {"gamma", OptionKind::Float, 0.1, 0.0, 1.0, {},
           "Fraction of finished trials in the good group (at most 25 trials)."},
          {"n_ei_candidates", OptionKind::Int, 24, 1.0, std::nullopt, {}, "Candidates drawn from the good model."},
          {"candidate_bandwidth", OptionKind::Float, 0.3, 0.01, 1.0, {},
           "Candidates are drawn from the good model with its numeric bandwidths scaled by this (1: as Optuna)."},
          {"prior_weight", OptionKind::Float, 1.0, 0.0, std::nullopt, {}, "Weight of the uniform prior kernel."},
          {"multivariate", OptionKind::Bool, true, std::nullopt, std::nullopt, {},
           "Model the unconditional parameters jointly (as Optuna 4+); false: one by one."},
          {"constant_liar", OptionKind::Bool, true, std::nullopt, std::nullopt, {},
           "Count running trials as bad, so that parallel suggestions spread out."}};
}

TpeOptions read_tpe(const Json& o) {
  TpeOptions t;
  t.n_startup_trials = o.value("n_startup_trials", t.n_startup_trials);
  t.gamma = o.value("gamma", t.gamma);
  t.n_ei_candidates = o.value("n_ei_candidates", t.n_ei_candidates);
  t.candidate_bandwidth = o.value("candidate_bandwidth", t.candidate_bandwidth);
  t.prior_weight = o.value("prior_weight", t.prior_weight);
  t.multivariate = o.value("multivariate", t.multivariate);
  t.constant_liar = o.value("constant_liar", t.constant_liar);
  return t;
}

Result<std::vector<Json>> read_points(const SearchSpace& space, const Json& points) {
  if (!points.is_array()) return Error{"search.points_to_evaluate", "must be an array of configs (objects)"};
  Errors errors;
  std::vector<Json> out;
  for (size_t i = 0; i < points.size(); ++i) {
    const std::string where = "search.points_to_evaluate[" + std::to_string(i) + "]";
    if (!points[i].is_object()) {
      errors.push_back({where, "must be an object (a config)"});
      continue;
    }
    const FlatConfig given = space.flatten(points[i]);
    FlatConfig flat;
    for (const auto& p : space.params()) {
      if (!space.is_active(p, flat)) continue;
      auto it = given.find(p.name);
      if (p.type == ParamType::Const) {
        flat[p.name] = p.value;
      } else if (it == given.end()) {
        errors.push_back({where + "." + p.name, "missing: every active parameter needs a value"});
      } else if (!p.accepts(it->second)) {
        errors.push_back({where + "." + p.name, dump_compact(it->second) + " is not a value of this parameter"});
      } else {
        flat[p.name] = it->second;
      }
    }
    out.push_back(space.to_config(flat));
  }
  if (!errors.empty()) return errors;
  return out;
}

bool multi(const SearchContext& ctx) { return ctx.objectives.size() > 1; }

Result<std::unique_ptr<Searcher>> make_inner(const SearchContext& ctx, const std::string& type) {
  const Json& o = ctx.options;
  if (multi(ctx) && type != "random" && type != "sobol" && type != "grid" && type != "nsga2" && type != "motpe") {
    return Error{"search.type", "\"" + type + "\" optimises one objective; with several objectives use \"nsga2\", "
                                "\"motpe\", \"random\", \"sobol\" or \"grid\""};
  }
  if (type == "random") {
    // Every grid combination runs num_samples times; the count must fit the trial numbers.
    const uint64_t grid = ctx.space->grid_size();
    if (grid > (uint64_t{1} << 53) / static_cast<uint64_t>(std::max<int64_t>(1, ctx.num_samples))) {
      const std::string count = grid == UINT64_MAX ? std::string("more than 2^64") : std::to_string(grid);
      return Error{"space", "the grid parameters have " + count +
                                " combinations, each run num_samples times: more than 2^53 trials; use fewer grid values"};
    }
    const uint64_t seed = o.contains("seed") ? o["seed"].get<uint64_t>() : ctx.seed;
    return std::unique_ptr<Searcher>(new RandomSearcher(*ctx.space, ctx.num_samples, seed));
  }
  if (type == "grid") return GridSearcher::create(*ctx.space, ctx.num_samples);
  if (type == "sobol") return std::unique_ptr<Searcher>(new SobolSearcher(ctx));
  if (type == "tpe") return std::unique_ptr<Searcher>(new TpeSearcher(ctx, read_tpe(o)));
  if (type == "motpe") return std::unique_ptr<Searcher>(new MotpeSearcher(ctx, read_tpe(o)));
  if (type == "gp") {
    GpOptions g;
    g.n_startup_trials = o.value("n_startup_trials", g.n_startup_trials);
    g.acquisition = o.value("acquisition", g.acquisition);
    g.output_warp = o.value("output_warp", g.output_warp);
    g.ucb_beta = o.value("ucb_beta", g.ucb_beta);
    g.parallel = o.value("parallel", g.parallel);
    g.n_candidates = o.value("n_candidates", g.n_candidates);
    g.restarts = o.value("restarts", g.restarts);
    g.fit_subset = o.value("fit_subset", g.fit_subset);
    return std::unique_ptr<Searcher>(new GpSearcher(ctx, g));
  }
  if (type == "cmaes") {
    CmaesOptions c;
    c.sigma0 = o.value("sigma0", c.sigma0);
    c.popsize = o.value("popsize", c.popsize);
    c.restart = o.value("restart", c.restart);
    c.inc_popsize = o.value("inc_popsize", c.inc_popsize);
    return std::unique_ptr<Searcher>(new CmaesSearcher(ctx, c));
  }
  if (type == "bohb") {
    BohbOptions b;
    b.min_points_in_model = o.value("min_points_in_model", b.min_points_in_model);
    b.top_n_percent = o.value("top_n_percent", b.top_n_percent);
    b.num_samples = o.value("num_samples", b.num_samples);
    b.random_fraction = o.value("random_fraction", b.random_fraction);
    b.bandwidth_factor = o.value("bandwidth_factor", b.bandwidth_factor);
    return std::unique_ptr<Searcher>(new BohbSearcher(ctx, b));
  }
  if (type == "nsga2") {
    Nsga2Options n;
    n.population_size = o.value("population_size", n.population_size);
    n.crossover_prob = o.value("crossover_prob", n.crossover_prob);
    n.swapping_prob = o.value("swapping_prob", n.swapping_prob);
    n.mutation_prob = o.value("mutation_prob", n.mutation_prob);
    return std::unique_ptr<Searcher>(new Nsga2Searcher(ctx, n));
  }
  return Error{"search.type", "unknown searcher \"" + type + "\""};
}

}  // namespace

const std::vector<ComponentDef>& searcher_defs() {
  static const std::vector<ComponentDef> defs = {
      {"random", "Random search: grid parameters are enumerated, all others sampled independently at random.",
       with_common({})},
      {"grid", "Exhaustive grid over every parameter's values; continuous parameters need a step.",
       {{"max_concurrent", OptionKind::Int, nullptr, 1.0, std::nullopt, {},
         "At most this many of the searcher's trials run at once."},
        {"repeat", OptionKind::Int, 1, 1.0, 1000.0, {},
         "Run every grid point this many times (config key _repeat_index = 0..repeat-1)."}}},
      {"sobol", "Scrambled Sobol' quasi-random search: covers the space more evenly than random search.",
       with_common({})},
      {"tpe", "Tree-structured Parzen Estimator (Bergstra et al. 2011, as Optuna's TPESampler).",
       with_common(tpe_options())},
      {"gp", "Gaussian-process Bayesian optimisation: Matern-5/2 ARD kernel, log-EI or UCB acquisition.",
       with_common({{"n_startup_trials", OptionKind::Int, 5, 0.0, std::nullopt, {},
                     "Sobol' trials before the model is used."},
                    {"output_warp", OptionKind::Enum, "log", std::nullopt, std::nullopt, {"log", "none"},
                     "Model log(y - min + 0.3 range) instead of y: better fits near the optimum."},
                    {"acquisition", OptionKind::Enum, "log_ei", std::nullopt, std::nullopt, {"log_ei", "ucb"},
                     "Acquisition function: log expected improvement, or the upper confidence bound."},
                    {"ucb_beta", OptionKind::Float, 4.0, 0.0, std::nullopt, {},
                     "UCB: the bound is mean + sqrt(beta) standard deviations."},
                    {"parallel", OptionKind::Enum, "kriging_believer", std::nullopt, std::nullopt,
                     {"kriging_believer", "constant_liar"},
                     "How running trials enter the model: their predicted value, or the worst value seen."},
                    {"n_candidates", OptionKind::Int, 256, 16.0, std::nullopt, {},
                     "Random candidates scored before local refinement."},
                    {"restarts", OptionKind::Int, 3, 1.0, 50.0, {},
                     "Starts of the marginal-likelihood fit of the kernel hyperparameters."},
                    {"fit_subset", OptionKind::Int, 80, 10.0, std::nullopt, {},
                     "Above this many finished trials, hyperparameters are fitted on a subset of this size."}})},
      {"cmaes", "CMA-ES evolution strategy, with optional IPOP restarts; integers keep a minimum spread.",
       with_common({{"sigma0", OptionKind::Float, 0.3, 1e-6, 1.0, {}, "Initial step size (the space is the unit cube)."},
                    {"popsize", OptionKind::Int, 0, 0.0, std::nullopt, {},
                     "Population size (0: 4 + 3 ln(number of parameters))."},
                    {"restart", OptionKind::Enum, "none", std::nullopt, std::nullopt, {"none", "ipop"},
                     "Restart strategy when the search stagnates."},
                    {"inc_popsize", OptionKind::Float, 2.0, 1.0, std::nullopt, {},
                     "IPOP: population growth factor per restart."}})},
      {"bohb", "BOHB's model: per-budget kernel density estimator; use with the hyperband scheduler.",
       with_common({{"min_points_in_model", OptionKind::Int, 0, 0.0, std::nullopt, {},
                     "Results a budget needs before its model is used (0: number of parameters + 1)."},
                    {"top_n_percent", OptionKind::Float, 15.0, 1.0, 99.0, {}, "Percentage of results that are good."},
                    {"num_samples", OptionKind::Int, 64, 1.0, std::nullopt, {}, "Candidates drawn from the good model."},
                    {"random_fraction", OptionKind::Float, 1.0 / 3.0, 0.0, 1.0, {},
                     "Fraction of configs drawn at random."},
                    {"bandwidth_factor", OptionKind::Float, 3.0, 1.0, std::nullopt, {},
                     "Widening of the good model's kernels when drawing candidates."}})},
      {"nsga2", "NSGA-II genetic algorithm for several objectives (steady state).",
       with_common({{"population_size", OptionKind::Int, 50, 2.0, std::nullopt, {}, "Population size."},
                    {"crossover_prob", OptionKind::Float, 0.9, 0.0, 1.0, {}, "Chance of crossover per child."},
                    {"swapping_prob", OptionKind::Float, 0.5, 0.0, 1.0, {},
                     "Uniform crossover: chance to take each parameter from the second parent."},
                    {"mutation_prob", OptionKind::Float, 0.0, 0.0, 1.0, {},
                     "Chance to redraw each parameter (0: 1 / number of parameters)."}})},
      {"motpe", "Multi-objective TPE: the good group is filled by non-dominated fronts.", with_common(tpe_options())},
  };
  return defs;
}

const ComponentDef* find_searcher_def(const std::string& type) { return find_component(searcher_defs(), type); }

Result<std::unique_ptr<Searcher>> make_searcher(const SearchContext& ctx) {
  const std::string type = ctx.options.value("type", "random");
  const int64_t repeat = ctx.options.value("repeat", int64_t{1});
  SearchContext inner_ctx = ctx;
  if (repeat > 1) inner_ctx.num_samples = (ctx.num_samples + repeat - 1) / repeat;
  auto inner = make_inner(inner_ctx, type);
  if (!inner) return inner.errors();
  std::unique_ptr<Searcher> s = std::move(*inner);
  if (ctx.options.contains("points_to_evaluate") && !ctx.options["points_to_evaluate"].is_null()) {
    if (type == "grid") return Error{"search.points_to_evaluate", "grid search runs every point; it takes none"};
    auto pts = read_points(*ctx.space, ctx.options["points_to_evaluate"]);
    if (!pts) return pts.errors();
    s = std::make_unique<PointsToEvaluate>(std::move(s), std::move(*pts));
  }
  if (repeat > 1) {
    if (ctx.objectives.size() > 1) return Error{"search.repeat", "repeat works with one objective only"};
    s = std::make_unique<Repeater>(std::move(s), repeat, ctx.metric);
  }
  if (ctx.options.contains("max_concurrent") && ctx.options["max_concurrent"].is_number()) {
    s = std::make_unique<ConcurrencyLimiter>(std::move(s), ctx.options["max_concurrent"].get<int64_t>());
  }
  return s;
}

}  // namespace tunelab
