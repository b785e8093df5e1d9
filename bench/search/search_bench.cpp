// Searcher benchmarks, in-process (bench/README.md, "Model-based search"):
//   tunelab_bench_search time    [--searchers tpe,gp] [--trials 100,1000,10000] [--reps 20]
//   tunelab_bench_search quality [--searchers random,sobol,tpe,gp,cmaes] [--seeds 20] [--evals 100]
//                                [--first-seed 1]
//                                [--functions branin,...] [--block JSON (the searcher "custom")]
// Prints one JSON object per line on stdout.
#include <algorithm>
#include <chrono>
#include <cstring>
#include <iostream>
#include <map>
#include <numeric>
#include <sstream>

#include <time.h>

#include "bench/search/driver.h"
#include "core/util/rng.h"

using namespace tunelab;
using namespace tunelab::bench;

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, ',')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

// The 5-parameter mixed space of the timing benchmark (the same as bench/search/optuna_anchor.py).
const char* kMixedSpace = R"({
  "lr": {"type": "float", "low": 1e-5, "high": 1e-1, "log": true},
  "dropout": {"type": "float", "low": 0.0, "high": 0.5},
  "layers": {"type": "int", "low": 1, "high": 8},
  "activation": {"type": "choice", "values": ["relu", "tanh", "gelu"]},
  "momentum": {"type": "float", "low": 0.8, "high": 0.99}
})";

double mixed_objective(const Json& c) {
  const double lr = std::log10(c["lr"].get<double>());
  const double act = c["activation"] == "gelu" ? 0.0 : c["activation"] == "relu" ? 0.1 : 0.3;
  return (lr + 3) * (lr + 3) + std::pow(c["dropout"].get<double>() - 0.2, 2) +
         0.05 * std::abs(c["layers"].get<int>() - 4) + act + std::pow(c["momentum"].get<double>() - 0.9, 2);
}

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
}

Json g_custom_block;  // --block JSON: the searcher named "custom"

Json search_block(const std::string& name) {
  if (name == "custom") return g_custom_block;
  if (name == "tpe_univariate") return Json{{"type", "tpe"}, {"multivariate", false}};
  if (name == "cmaes_ipop") return Json{{"type", "cmaes"}, {"restart", "ipop"}};
  return Json{{"type", name}};
}

int time_bench(const std::vector<std::string>& searchers, const std::vector<int>& trials, int reps) {
  auto space = parse_space(Json::parse(kMixedSpace));
  for (const auto& name : searchers) {
    for (int n : trials) {
      Json block = search_block(name);
      const int total = n + reps;
      SearchContext ctx{&*space, "loss", false, total, 1, block};
      auto s = make_searcher(ctx);
      if (!s) {
        std::cerr << s.error_text() << "\n";
        return 1;
      }
      // History: n finished random trials, replayed as after a resume.
      Rng rng(derive_seed({7, static_cast<uint64_t>(n)}));
      for (int i = 0; i < n; ++i) {
        FlatConfig flat;
        for (const auto& p : space->params()) flat[p.name] = p.from_unit(uniform01(rng));
        TrialSnapshot t;
        t.id = i;
        t.config = space->to_config(flat);
        t.status = TrialStatus::Completed;
        t.iteration = 1;
        t.last_objective = mixed_objective(t.config);
        (*s)->on_complete(t);
      }
      std::vector<double> ms;
      for (int r = 0; r < reps; ++r) {
        // CPU time of this thread: the machine may be shared, and wall time then counts other work.
        const double t0 = thread_cpu_ms();
        Suggestion sg = (*s)->suggest(n + r);
        ms.push_back(thread_cpu_ms() - t0);
        TrialSnapshot t;
        t.id = n + r;
        t.config = sg.config;
        t.status = TrialStatus::Completed;
        t.iteration = 1;
        t.last_objective = mixed_objective(sg.config);
        (*s)->on_complete(t);
      }
      std::sort(ms.begin(), ms.end());
      const double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
      std::cout << Json{{"bench", "time_per_suggestion"}, {"searcher", name}, {"finished_trials", n},
                        {"reps", reps}, {"median_ms", ms[ms.size() / 2]}, {"mean_ms", mean}, {"max_ms", ms.back()}, {"clock", "thread_cpu"}}
                       .dump()
                << std::endl;
    }
  }
  return 0;
}

int quality_bench(const std::vector<std::string>& searchers, const std::vector<std::string>& only, int seeds,
                  int evals, int first_seed) {
  for (const auto& f : test_functions()) {
    if (!only.empty() && std::find(only.begin(), only.end(), f.name) == only.end()) continue;
    for (const auto& name : searchers) {
      std::vector<double> regrets;
      std::vector<int> reach;
      double secs = 0;
      for (int seed = 0; seed < seeds; ++seed) {
        std::string err;
        const auto t0 = std::chrono::steady_clock::now();
        const auto best = run_function(f, search_block(name), evals, static_cast<uint64_t>(seed + first_seed), &err);
        secs += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (best.empty()) {
          std::cerr << name << ": " << err << "\n";
          return 1;
        }
        regrets.push_back(best.back() - f.minimum);
        int k = -1;
        for (size_t i = 0; i < best.size(); ++i) {
          if (best[i] - f.minimum <= f.target_regret) {
            k = static_cast<int>(i) + 1;
            break;
          }
        }
        reach.push_back(k);
      }
      std::vector<double> sorted = regrets;
      std::sort(sorted.begin(), sorted.end());
      const double mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(sorted.size());
      // Median evaluations to reach the target, counting runs that never reached it as evals + 1.
      std::vector<int> r = reach;
      for (int& v : r) v = v < 0 ? evals + 1 : v;
      std::sort(r.begin(), r.end());
      const int reached = static_cast<int>(std::count_if(reach.begin(), reach.end(), [](int v) { return v > 0; }));
      std::cout << Json{{"bench", "quality"}, {"function", f.name}, {"searcher", name}, {"seeds", seeds},
                        {"evals", evals}, {"mean_regret", mean}, {"median_regret", sorted[sorted.size() / 2]},
                        {"target_regret", f.target_regret}, {"reached", reached},
                        {"median_evals_to_target", r[r.size() / 2] > evals ? Json(nullptr) : Json(r[r.size() / 2])},
                        {"seconds", secs}, {"first_seed", first_seed}, {"regrets", regrets}}
                       .dump()
                << std::endl;
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || (std::strcmp(argv[1], "time") != 0 && std::strcmp(argv[1], "quality") != 0)) {
    std::cerr << "usage: tunelab_bench_search time|quality [--searchers a,b] [--trials n,m] [--reps k] "
                 "[--seeds k] [--evals k] [--functions f,g]\n";
    return 2;
  }
  const std::string mode = argv[1];
  std::map<std::string, std::string> opt;
  for (int i = 2; i + 1 < argc; i += 2) opt[argv[i]] = argv[i + 1];
  auto get = [&](const char* k, const char* d) { return opt.count(k) ? opt[k] : std::string(d); };
  if (opt.count("--block")) g_custom_block = Json::parse(opt["--block"]);
  if (mode == "time") {
    std::vector<int> trials;
    for (const auto& t : split(get("--trials", "100,1000,10000"))) trials.push_back(std::stoi(t));
    return time_bench(split(get("--searchers", "tpe,tpe_univariate")), trials, std::stoi(get("--reps", "20")));
  }
  return quality_bench(split(get("--searchers", "random,sobol,tpe,gp,cmaes")), split(get("--functions", "")),
                       std::stoi(get("--seeds", "20")), std::stoi(get("--evals", "100")),
                       std::stoi(get("--first-seed", "1")));
}
