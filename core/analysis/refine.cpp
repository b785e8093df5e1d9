#include "core/analysis/refine.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace tunelab {

namespace {

std::string range_text(const Parameter& p) {
  std::ostringstream s;
  if (p.type == ParamType::Float || p.type == ParamType::Int) {
    s << p.low << ".." << p.high;
  } else {
    s << dump_compact(Json(p.values));
  }
  return s.str();
}

// The narrowed numeric range [lo, hi] of values xs within p's bounds.
void narrow_numeric(Parameter& p, const std::vector<double>& xs) {
  const Parameter old = p;
  auto fwd = [&](double v) { return p.log ? std::log(v) : v; };
  auto back = [&](double v) { return p.log ? std::exp(v) : v; };
  double lo = fwd(*std::min_element(xs.begin(), xs.end()));
  double hi = fwd(*std::max_element(xs.begin(), xs.end()));
  double span = hi - lo;
  if (span <= 0) span = 0.1 * (fwd(old.high) - fwd(old.low));
  lo = std::max(fwd(old.low), lo - 0.1 * span);
  hi = std::min(fwd(old.high), hi + 0.1 * span);
  double nlo = back(lo), nhi = back(hi);
  const double q = old.step.value_or(old.type == ParamType::Int ? 1.0 : 0.0);
  if (q > 0) {
    // Keep the old grid: round outwards to its points.
    nlo = old.low + std::floor((nlo - old.low) / q + 1e-9) * q;
    nhi = old.low + std::ceil((nhi - old.low) / q - 1e-9) * q;
    nhi = std::min(nhi, old.high);
    if (nhi <= nlo) nhi = std::min(old.high, nlo + q);
  }
  if (old.type == ParamType::Int) {
    nlo = std::floor(nlo);
    nhi = std::ceil(nhi);
  }
  if (old.log && nlo <= 0) nlo = old.low;
  p.low = nlo;
  p.high = std::max(nhi, nlo);
}

}  // namespace

Result<RefineResult> refine_spec(const StudySummary& summary, const StudySpec& spec, double top_fraction) {
  if (!(top_fraction > 0 && top_fraction <= 1)) return Error{"--top", "must be a fraction in (0, 1], e.g. 0.2"};
  // Trials with a value, best first (or the Pareto-optimal ones).
  std::vector<const TrialSummary*> ranked;
  if (summary.objectives.size() > 1) {
    for (const auto& t : summary.trials) {
      if (t.pareto_optimal) ranked.push_back(&t);
    }
  } else {
    for (const auto& t : summary.trials) {
      if (t.best_value) ranked.push_back(&t);
    }
    std::stable_sort(ranked.begin(), ranked.end(), [&](const TrialSummary* a, const TrialSummary* b) {
      return summary.objective.better(*a->best_value, *b->best_value);
    });
    const auto keep = std::max<size_t>(
        2, static_cast<size_t>(std::ceil(top_fraction * static_cast<double>(ranked.size()))));
    if (ranked.size() > keep) ranked.resize(keep);
  }
  if (ranked.size() < 2 && summary.objectives.size() > 1) {
    return Error{"", "with several objectives, refine narrows the space to the Pareto-optimal trials, and it needs at "
                     "least 2; this study has " + std::to_string(ranked.size()) + " of " +
                     std::to_string(summary.trials.size()) + " trials on its Pareto front (--top applies to one objective)"};
  }
  if (ranked.size() < 2) {
    return Error{"", "refine needs at least 2 trials with a value of \"" + summary.objective.metric + "\"; this study has " +
                         std::to_string(ranked.size())};
  }
  RefineResult out;
  out.top_trials = ranked.size();
  std::vector<Parameter> params;
  for (const auto& p0 : spec.space.params()) {
    Parameter p = p0;
    std::vector<Json> seen;
    for (const auto* t : ranked) {
      const FlatConfig flat = spec.space.flatten(t->rec.config);
      auto it = flat.find(p.name);
      if (it != flat.end() && p.accepts(it->second)) seen.push_back(it->second);
    }
    if (!seen.empty()) {
      if (p.type == ParamType::Float || p.type == ParamType::Int) {
        std::vector<double> xs;
        for (const auto& v : seen) xs.push_back(v.get<double>());
        narrow_numeric(p, xs);
      } else if (p.type == ParamType::Choice || p.type == ParamType::Grid) {
        std::vector<Json> kept;
        for (const auto& v : p.values) {
          if (std::find(seen.begin(), seen.end(), v) != seen.end()) kept.push_back(v);
        }
        p.values = kept;
      }
    }
    if (range_text(p) != range_text(p0) && (p.type != ParamType::Normal && p.type != ParamType::Const)) {
      out.changes.push_back(p.name + ": " + range_text(p0) + " -> " + range_text(p));
    }
    params.push_back(std::move(p));
  }
  auto space = SearchSpace::from_params(std::move(params));
  if (!space) return space.errors();
  out.spec = spec.raw;
  out.spec["space"] = space->to_json();
  out.spec["name"] = spec.name + "-refined";
  out.spec.erase("seed");
  // The narrowed space must still be a valid spec (e.g. a condition on a value no longer offered is dropped).
  if (auto check = parse_spec(out.spec, spec.base_dir); !check) return check.errors();
  return out;
}

}  // namespace tunelab
