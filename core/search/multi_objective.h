#pragma once
// Multi-objective searchers: NSGA-II (Deb et al. 2002) and MOTPE (Ozaki et al. 2020), both reading
// every objective of the study (SearchContext::objectives) and minimising their losses.
#include "core/search/model_searcher.h"
#include "core/search/tpe_searcher.h"

namespace tunelab {

// The best `k` of `ids` by non-dominated rank, ties on the last admitted front broken by larger
// crowding distance (the NSGA-II survivor selection). Also returns every chosen point's rank and
// crowding distance, in the order of the result.
struct Elite {
  std::vector<int64_t> ids;
  std::vector<int> rank;
  std::vector<double> crowding;
};
Elite select_elite(const ObservationLog& log, const std::vector<int64_t>& ids, size_t k);

struct Nsga2Options {
  int64_t population_size = 50;
  double crossover_prob = 0.9;
  double swapping_prob = 0.5;  // uniform crossover: chance to take each coordinate from the second parent
  double mutation_prob = 0;    // 0: 1 / number of parameters
};

// Steady-state NSGA-II: the first population_size trials are random; afterwards each trial is a
// child of two parents chosen by binary tournament (rank, then crowding) from the elite of all
// finished trials, by uniform crossover and random-reset mutation.
class Nsga2Searcher final : public ModelSearcher {
 public:
  Nsga2Searcher(const SearchContext& ctx, const Nsga2Options& opt);

 protected:
  std::optional<std::vector<double>> propose(int64_t trial_id, Rng& rng) override;

 private:
  Nsga2Options opt_;
};

// MOTPE: TPE whose "below" group is filled front by front (non-dominated sorting), the last front cut
// by crowding distance.
class MotpeSearcher final : public ModelSearcher {
 public:
  MotpeSearcher(const SearchContext& ctx, const TpeOptions& opt);

 protected:
  std::optional<std::vector<double>> propose(int64_t trial_id, Rng& rng) override;

 private:
  TpeOptions opt_;
};

}  // namespace tunelab
