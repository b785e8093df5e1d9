#include "core/search/tpe_searcher.h"

#include <algorithm>
#include <cmath>

namespace tunelab {

size_t tpe_below_count(size_t n, double gamma) {
  const auto k = static_cast<size_t>(std::ceil(gamma * static_cast<double>(n)));
  return std::clamp<size_t>(k, 1, std::min<size_t>(25, std::max<size_t>(n, 1)));
}

namespace {

std::vector<const std::vector<double>*> with_dims(const std::vector<const std::vector<double>*>& pts,
                                                  const std::vector<size_t>& dims) {
  std::vector<const std::vector<double>*> out;
  out.reserve(pts.size());
  for (const auto* p : pts) {
    bool ok = true;
    for (size_t d : dims) ok = ok && !std::isnan((*p)[d]);
    if (ok) out.push_back(p);
  }
  return out;
}

// Chooses values for `dims` (jointly) and writes them into x.
void choose(const SpaceEncoding& enc, const std::vector<size_t>& dims,
            const std::vector<const std::vector<double>*>& below, const std::vector<const std::vector<double>*>& above,
            const TpeOptions& opt, Rng& rng, double widen, std::vector<double>& x) {
  const auto b = with_dims(below, dims), a = with_dims(above, dims);
  ParzenOptions po;
  po.prior_weight = opt.prior_weight;
  po.multivariate = dims.size() > 1;
  const Parzen l(enc, dims, b, tpe_weights(b.size()), po);
  const Parzen g(enc, dims, a, tpe_weights(a.size()), po);
  const auto n = static_cast<size_t>(std::max<int64_t>(1, opt.n_ei_candidates));
  std::vector<std::vector<double>> cands(n, std::vector<double>(enc.size(), kNaN));
  if (widen != 1.0) {
    ParzenOptions wide = po;
    wide.bandwidth_factor = widen;
    Parzen(enc, dims, b, tpe_weights(b.size()), wide).sample(rng, n, cands);
  } else if (opt.candidate_bandwidth != 1.0) {
    ParzenOptions narrow = po;
    narrow.post_clip_factor = opt.candidate_bandwidth;
    Parzen(enc, dims, b, tpe_weights(b.size()), narrow).sample(rng, n, cands);
  } else {
    l.sample(rng, n, cands);
  }
  for (auto& c : cands) {
    for (size_t d : dims) c[d] = enc.snap(d, c[d]);
  }
  const auto lb = l.log_pdf(cands), la = g.log_pdf(cands);
  size_t best = 0;
  for (size_t i = 1; i < n; ++i) {
    if (lb[i] - la[i] > lb[best] - la[best]) best = i;
  }
  for (size_t d : dims) x[d] = cands[best][d];
}

}  // namespace

std::vector<double> tpe_propose(const SpaceEncoding& enc, const std::vector<const std::vector<double>*>& below,
                                const std::vector<const std::vector<double>*>& above, const TpeOptions& opt, Rng& rng,
                                double sample_bandwidth_factor) {
  std::vector<double> x(enc.size(), kNaN);
  std::vector<size_t> joint;
  for (size_t d = 0; d < enc.size(); ++d) {
    if (opt.multivariate && !enc.dims()[d].conditional) joint.push_back(d);
    else choose(enc, {d}, below, above, opt, rng, sample_bandwidth_factor, x);
  }
  if (!joint.empty()) choose(enc, joint, below, above, opt, rng, sample_bandwidth_factor, x);
  return x;
}

std::vector<double> tpe_propose_split(const SpaceEncoding& enc, const std::vector<Observation>& all,
                                      const std::vector<char>& is_below, const TpeOptions& opt, Rng& rng) {
  std::vector<const std::vector<double>*> below, above;
  for (size_t i = 0; i < all.size(); ++i) {
    const auto& o = all[i];
    if (o.state == Observation::State::Done) (is_below[i] ? below : above).push_back(&o.x);
    else if (o.state == Observation::State::Running && opt.constant_liar && !o.x.empty()) above.push_back(&o.x);
  }
  return tpe_propose(enc, below, above, opt, rng);
}

TpeSearcher::TpeSearcher(const SearchContext& ctx, const TpeOptions& opt) : ModelSearcher(ctx), opt_(opt) {
  tag_ = 0x545045ULL;
}

std::optional<std::vector<double>> TpeSearcher::propose(int64_t trial_id, Rng& rng) {
  if (static_cast<int64_t>(log_.done_count()) < std::max<int64_t>(1, opt_.n_startup_trials)) {
    return sobol_point(trial_id);
  }
  const auto& all = log_.all();
  std::vector<int64_t> done = log_.done();
  std::vector<std::pair<double, int64_t>> by_loss;
  by_loss.reserve(done.size());
  for (int64_t id : done) by_loss.emplace_back(all[static_cast<size_t>(id)].loss(), id);
  const size_t nb = tpe_below_count(done.size(), opt_.gamma);
  // The nb best (ties: the earlier trial); their order does not matter.
  std::nth_element(by_loss.begin(), by_loss.begin() + static_cast<long>(nb - 1), by_loss.end());
  std::vector<char> is_below(all.size(), 0);
  for (size_t i = 0; i < nb; ++i) is_below[static_cast<size_t>(by_loss[i].second)] = 1;
  return tpe_propose_split(enc_, all, is_below, opt_, rng);
}

}  // namespace tunelab
