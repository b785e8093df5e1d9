#include "core/search/bohb_searcher.h"

#include <algorithm>

namespace tunelab {

BohbSearcher::BohbSearcher(const SearchContext& ctx, const BohbOptions& opt) : ModelSearcher(ctx), opt_(opt) {
  tag_ = 0x424F4842ULL;
}

size_t BohbSearcher::min_points() const {
  return opt_.min_points_in_model > 0 ? static_cast<size_t>(opt_.min_points_in_model) : enc_.size() + 1;
}

void BohbSearcher::observed_result(const TrialSnapshot& t, const Json& result) {
  const Observation* o = log_.find(t.id);
  if (!o || o->losses.empty()) return;
  const int64_t budget = result.is_object() && result.contains("training_iteration") &&
                                 result["training_iteration"].is_number_integer()
                             ? result["training_iteration"].get<int64_t>()
                             : o->iteration;
  if (budget > 0) by_budget_[budget][t.id] = o->loss();
}

void BohbSearcher::observed_complete(const TrialSnapshot& t) {
  // A resumed study replays only finished trials: their last value stands for their last budget.
  const Observation* o = log_.find(t.id);
  if (!o || o->state != Observation::State::Done) return;
  const int64_t budget = std::max<int64_t>(1, t.iteration);
  by_budget_[budget].emplace(t.id, o->loss());
}

int64_t BohbSearcher::model_budget() const {
  // Falkner et al.: a model needs N_min + 2 results so that both good and bad have enough points.
  for (auto it = by_budget_.rbegin(); it != by_budget_.rend(); ++it) {
    if (it->second.size() >= min_points() + 2) return it->first;
  }
  return -1;
}

std::optional<std::vector<double>> BohbSearcher::propose(int64_t /*trial_id*/, Rng& rng) {
  const int64_t budget = model_budget();
  if (budget < 0 || uniform01(rng) < opt_.random_fraction) return uniform_point(rng);
  const auto& results = by_budget_.at(budget);
  std::vector<std::pair<double, int64_t>> ranked;
  for (const auto& [id, loss] : results) ranked.emplace_back(loss, id);
  std::stable_sort(ranked.begin(), ranked.end());
  const size_t n = ranked.size();
  const size_t n_good = std::max(min_points(), static_cast<size_t>(opt_.top_n_percent * static_cast<double>(n) / 100.0));
  const size_t n_bad = std::max(min_points(), n - std::min(n, n_good));
  std::vector<const std::vector<double>*> good, bad;
  for (size_t i = 0; i < std::min(n_good, n); ++i) good.push_back(&log_.find(ranked[i].second)->x);
  for (size_t i = n > n_bad ? n - n_bad : 0; i < n; ++i) bad.push_back(&log_.find(ranked[i].second)->x);
  TpeOptions t;
  t.multivariate = true;
  t.n_ei_candidates = opt_.num_samples;
  t.prior_weight = 1.0;
  return tpe_propose(enc_, good, bad, t, rng, opt_.bandwidth_factor);
}

}  // namespace tunelab
