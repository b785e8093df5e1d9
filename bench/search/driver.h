#pragma once
// Drives a searcher in-process on a test function: suggest, evaluate, report, in trial order.
#include <string>
#include <vector>

#include "bench/search/functions.h"
#include "core/search/searcher.h"

namespace tunelab::bench {

inline Json function_space(const TestFunction& f) {
  Json s = Json::object();
  for (size_t i = 0; i < f.bounds.size(); ++i) {
    s["x" + std::to_string(i)] = Json{{"type", "float"}, {"low", f.bounds[i].first}, {"high", f.bounds[i].second}};
  }
  return s;
}

// Best value seen after each evaluation (size evals), or empty with an error in *error.
inline std::vector<double> run_function(const TestFunction& f, const Json& search, int evals, uint64_t seed,
                                        std::string* error = nullptr) {
  auto space = parse_space(function_space(f));
  if (!space) {
    if (error) *error = space.error_text();
    return {};
  }
  SearchContext ctx{&*space, "y", false, evals, seed, search};
  auto s = make_searcher(ctx);
  if (!s) {
    if (error) *error = s.error_text();
    return {};
  }
  std::vector<double> best;
  double b = INFINITY;
  for (int i = 0; i < evals; ++i) {
    Suggestion sg = (*s)->suggest(i);
    if (sg.kind != Suggestion::Kind::Config) break;
    std::vector<double> x;
    for (size_t d = 0; d < f.bounds.size(); ++d) x.push_back(sg.config["x" + std::to_string(d)].get<double>());
    const double y = f.f(x);
    b = std::min(b, y);
    best.push_back(b);
    TrialSnapshot t;
    t.id = i;
    t.config = sg.config;
    t.status = TrialStatus::Completed;
    t.iteration = 1;
    t.last_objective = y;
    t.best_objective = y;
    t.last_result = Json{{"y", y}, {"training_iteration", 1}};
    (*s)->on_result(t, t.last_result);
    (*s)->on_complete(t);
  }
  return best;
}

}  // namespace tunelab::bench
