#include "core/search/model_searcher.h"

namespace tunelab {

std::vector<std::string> context_metrics(const SearchContext& ctx) {
  if (ctx.objectives.empty()) return {ctx.metric};
  std::vector<std::string> out;
  for (const auto& o : ctx.objectives) out.push_back(o.first);
  return out;
}

std::vector<bool> context_maximize(const SearchContext& ctx) {
  if (ctx.objectives.empty()) return {ctx.maximize};
  std::vector<bool> out;
  for (const auto& o : ctx.objectives) out.push_back(o.second);
  return out;
}

ObservationLog::ObservationLog(const SpaceEncoding& enc, std::vector<std::string> metrics, std::vector<bool> maximize)
    : enc_(&enc), metrics_(std::move(metrics)), maximize_(std::move(maximize)) {}

Observation& ObservationLog::slot(int64_t id) {
  const auto i = static_cast<size_t>(std::max<int64_t>(0, id));
  if (i >= obs_.size()) obs_.resize(i + 1);
  return obs_[i];
}

const Observation* ObservationLog::find(int64_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= obs_.size()) return nullptr;
  return &obs_[static_cast<size_t>(id)];
}

std::optional<std::vector<double>> ObservationLog::losses_of(const Json& result) const {
  if (!result.is_object()) return std::nullopt;
  std::vector<double> out;
  for (size_t k = 0; k < metrics_.size(); ++k) {
    auto it = result.find(metrics_[k]);
    if (it == result.end() || !it->is_number()) return std::nullopt;
    const double v = it->get<double>();
    if (!std::isfinite(v)) return std::nullopt;
    out.push_back(maximize_[k] ? -v : v);
  }
  return out;
}

void ObservationLog::suggested(int64_t id, std::vector<double> x) {
  Observation& o = slot(id);
  if (o.state == Observation::State::Done) --done_count_;
  o = Observation{};
  o.state = Observation::State::Running;
  o.x = std::move(x);
}

std::optional<std::vector<double>> ObservationLog::result(const TrialSnapshot& t, const Json& result) {
  Observation& o = slot(t.id);
  if (o.state == Observation::State::Unknown) {
    o.state = Observation::State::Running;
    o.x = enc_->encode(t.config);
  }
  if (o.state != Observation::State::Running) return std::nullopt;
  auto l = losses_of(result);
  if (l) {
    o.losses = *l;
    o.iteration = result.value("training_iteration", t.iteration);
  }
  return l;
}

void ObservationLog::complete(const TrialSnapshot& t) {
  Observation& o = slot(t.id);
  if (o.state == Observation::State::Done) --done_count_;
  if (o.x.empty()) o.x = enc_->encode(t.config);
  // The last result's value; a trial replayed from the store only has its snapshot.
  if (auto l = losses_of(t.last_result)) {
    o.losses = *l;
  } else if (metrics_.size() == 1 && (t.last_objective || t.best_objective)) {
    const double v = t.last_objective ? *t.last_objective : *t.best_objective;
    o.losses = {maximize_[0] ? -v : v};
  }
  o.iteration = t.iteration;
  const bool ok = t.status != TrialStatus::Error && !o.losses.empty();
  o.state = ok ? Observation::State::Done : Observation::State::Failed;
  if (ok) ++done_count_;
}

std::vector<int64_t> ObservationLog::done() const {
  std::vector<int64_t> out;
  out.reserve(done_count_);
  for (size_t i = 0; i < obs_.size(); ++i) {
    if (obs_[i].state == Observation::State::Done) out.push_back(static_cast<int64_t>(i));
  }
  return out;
}

std::vector<int64_t> ObservationLog::running() const {
  std::vector<int64_t> out;
  for (size_t i = 0; i < obs_.size(); ++i) {
    if (obs_[i].state == Observation::State::Running) out.push_back(static_cast<int64_t>(i));
  }
  return out;
}

ModelSearcher::ModelSearcher(const SearchContext& ctx)
    : seed_(ctx.options.contains("seed") && ctx.options["seed"].is_number_unsigned()
                ? ctx.options["seed"].get<uint64_t>()
                : ctx.seed),
      enc_(*ctx.space),
      log_(enc_, context_metrics(ctx), context_maximize(ctx)),
      total_(ctx.num_samples) {}

Suggestion ModelSearcher::suggest(int64_t trial_id) {
  if (own_index(trial_id) >= total_) return Suggestion::finished();  // trials added by hand or imported take ids
  Rng rng(derive_seed({seed_, static_cast<uint64_t>(trial_id), tag_}));
  auto x = propose(trial_id, rng);
  if (!x) return Suggestion::wait();
  Json config = enc_.decode(*x);
  log_.suggested(trial_id, enc_.encode(config));
  return Suggestion::of(std::move(config));
}

void ModelSearcher::on_result(const TrialSnapshot& trial, const Json& result) {
  log_.result(trial, result);
  observed_result(trial, result);
}

void ModelSearcher::on_complete(const TrialSnapshot& trial) {
  log_.complete(trial);
  observed_complete(trial);
}

std::vector<double> ModelSearcher::uniform_point(Rng& rng) const {
  std::vector<double> x(enc_.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double u = uniform01(rng);
    const Dim& d = enc_.dims()[i];
    x[i] = d.categorical ? std::floor(u * static_cast<double>(d.choices)) : u;
  }
  return x;
}

}  // namespace tunelab

namespace tunelab {

std::vector<double> ModelSearcher::sobol_point(int64_t i) {
  if (!sobol_) sobol_ = std::make_unique<SobolSequence>(enc_.size(), seed_);
  auto x = sobol_->point(static_cast<uint64_t>(i));
  for (size_t d = 0; d < x.size(); ++d) {
    const Dim& dim = enc_.dims()[d];
    if (dim.categorical) x[d] = std::min(std::floor(x[d] * static_cast<double>(dim.choices)), static_cast<double>(dim.choices) - 1);
  }
  return x;
}

}  // namespace tunelab
