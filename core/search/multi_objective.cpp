#include "core/search/multi_objective.h"

#include <algorithm>
#include <numeric>

#include "core/util/pareto.h"

namespace tunelab {

Elite select_elite(const ObservationLog& log, const std::vector<int64_t>& ids, size_t k) {
  std::vector<std::vector<double>> pts;
  pts.reserve(ids.size());
  for (int64_t id : ids) pts.push_back(log.find(id)->losses);
  const std::vector<Sense> senses(log.objectives(), Sense::Minimize);
  const std::vector<int> rank = pareto_ranks(pts, senses);
  const int max_rank = rank.empty() ? 0 : *std::max_element(rank.begin(), rank.end());
  Elite e;
  for (int r = 0; r <= max_rank && e.ids.size() < k; ++r) {
    std::vector<size_t> front;
    for (size_t i = 0; i < rank.size(); ++i) {
      if (rank[i] == r) front.push_back(i);
    }
    const std::vector<double> cd = crowding_distance(pts, front);
    std::vector<size_t> order(front.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return cd[a] > cd[b]; });
    for (size_t o : order) {
      if (e.ids.size() >= k) break;
      e.ids.push_back(ids[front[o]]);
      e.rank.push_back(r);
      e.crowding.push_back(cd[o]);
    }
  }
  return e;
}

Nsga2Searcher::Nsga2Searcher(const SearchContext& ctx, const Nsga2Options& opt) : ModelSearcher(ctx), opt_(opt) {
  tag_ = 0x4E534741ULL;
}

std::optional<std::vector<double>> Nsga2Searcher::propose(int64_t /*trial_id*/, Rng& rng) {
  const auto pop = static_cast<size_t>(std::max<int64_t>(2, opt_.population_size));
  const std::vector<int64_t> done = log_.done();
  if (done.size() < pop) return uniform_point(rng);
  const Elite e = select_elite(log_, done, pop);
  auto tournament = [&]() -> const std::vector<double>& {
    const auto a = static_cast<size_t>(uniform01(rng) * static_cast<double>(e.ids.size()));
    const auto b = static_cast<size_t>(uniform01(rng) * static_cast<double>(e.ids.size()));
    const bool a_wins = e.rank[a] != e.rank[b] ? e.rank[a] < e.rank[b] : e.crowding[a] >= e.crowding[b];
    return log_.find(e.ids[a_wins ? a : b])->x;
  };
  std::vector<double> child = tournament();
  const std::vector<double>& other = tournament();
  if (uniform01(rng) < opt_.crossover_prob) {
    for (size_t d = 0; d < child.size(); ++d) {
      if (uniform01(rng) < opt_.swapping_prob) child[d] = other[d];
    }
  }
  const double pm = opt_.mutation_prob > 0 ? opt_.mutation_prob : 1.0 / static_cast<double>(std::max<size_t>(1, child.size()));
  const std::vector<double> fresh = uniform_point(rng);
  for (size_t d = 0; d < child.size(); ++d) {
    if (std::isnan(child[d]) || uniform01(rng) < pm) child[d] = fresh[d];
  }
  return child;
}

MotpeSearcher::MotpeSearcher(const SearchContext& ctx, const TpeOptions& opt) : ModelSearcher(ctx), opt_(opt) {
  tag_ = 0x4D4F5450ULL;
}

std::optional<std::vector<double>> MotpeSearcher::propose(int64_t /*trial_id*/, Rng& rng) {
  const std::vector<int64_t> done = log_.done();
  if (static_cast<int64_t>(done.size()) < std::max<int64_t>(1, opt_.n_startup_trials)) return uniform_point(rng);
  const size_t nb = tpe_below_count(done.size(), opt_.gamma);
  const Elite e = select_elite(log_, done, nb);
  std::vector<char> is_below(log_.all().size(), 0);
  for (int64_t id : e.ids) is_below[static_cast<size_t>(id)] = 1;
  return tpe_propose_split(enc_, log_.all(), is_below, opt_, rng);
}

}  // namespace tunelab
