#include "core/schedule/asha.h"

#include <cmath>

#include "core/schedule/decision_util.h"
#include "core/util/rng.h"

namespace tunelab {

AshaScheduler::AshaScheduler(const ScheduleContext& ctx, Options o)
    : metric_(ctx.metric), maximize_(ctx.maximize), seed_(ctx.seed), o_(std::move(o)) {
  for (int64_t s = 0; s < o_.brackets; ++s) {
    Bracket b;
    const auto ms = milestones(s);
    for (auto it = ms.rbegin(); it != ms.rend(); ++it) b.rungs.push_back({*it, {}, {}});
    brackets_.push_back(std::move(b));
  }
}

std::vector<double> AshaScheduler::milestones(int64_t bracket) const {
  std::vector<double> out;
  double m = o_.grace_period * std::pow(o_.reduction_factor, static_cast<double>(bracket));
  // A small tolerance keeps 3^4 = 81 from counting as below max_t = 81 through rounding.
  for (; m < o_.max_t * (1 - 1e-12) && out.size() < 64; m *= o_.reduction_factor) out.push_back(m);
  return out;
}

void AshaScheduler::on_trial_add(const TrialSnapshot& trial) {
  if (trial_bracket_.count(trial.id)) return;
  // As Ray: bracket s is drawn with probability proportional to e^(rungs in s), so brackets with more
  // rungs get more trials. The draw depends on (seed, trial id) only, so a resumed study draws the same.
  size_t pick = 0;
  if (brackets_.size() > 1) {
    std::vector<double> w;
    double max_size = 0;
    for (const auto& b : brackets_) max_size = std::max(max_size, static_cast<double>(b.rungs.size()));
    double total = 0;
    for (const auto& b : brackets_) {
      w.push_back(std::exp(static_cast<double>(b.rungs.size()) - max_size));
      total += w.back();
    }
    Rng rng(derive_seed({seed_, 0xA5A5, static_cast<uint64_t>(trial.id)}));
    double u = uniform01(rng) * total;
    for (pick = 0; pick + 1 < w.size() && u >= w[pick]; ++pick) u -= w[pick];
  }
  trial_bracket_[trial.id] = pick;
}

int64_t AshaScheduler::bracket_of(int64_t trial_id) const {
  const auto it = trial_bracket_.find(trial_id);
  return it == trial_bracket_.end() ? -1 : static_cast<int64_t>(it->second);
}

Decision AshaScheduler::on_result(const TrialSnapshot& trial, const Json& result) {
  const MetricRead t = read_metric(result, o_.time_attr);
  const MetricRead v = read_metric(result, metric_);
  if (!t.ok() || !v.present) return Decision::keep_going();
  const double time = t.value;
  const std::string id = std::to_string(trial.id);
  if (time >= o_.max_t) {
    return Decision::complete("ASHA completed trial " + id + ": reached max_t = " + fmt_num(o_.max_t) + " (" +
                              o_.time_attr + " " + fmt_num(time) + ")",
                          {{"max_t", o_.max_t}, {"time", time}, {"reached_max_t", true}});
  }
  if (v.state == MetricRead::State::Missing) return Decision::keep_going();  // not a number: not judged
  if (!trial_bracket_.count(trial.id)) on_trial_add(trial);
  const size_t b = trial_bracket_.at(trial.id);
  for (auto& rung : brackets_[b].rungs) {  // highest milestone first
    // As Ray: the highest milestone reached and not yet judged counts; one judgement per report.
    if (time < rung.milestone || rung.judged.count(trial.id)) continue;
    rung.judged.insert(trial.id);
    std::vector<double> vals;
    for (const auto& [tid, x] : rung.recorded) vals.push_back(x);
    const auto cutoff = quantile_linear(vals, 1 - 1 / o_.reduction_factor);  // signed (higher is better)
    const double sign = maximize_ ? 1 : -1;
    Json details = {{"rung", rung.milestone},
                    {"bracket", b},
                    {"value", v.ok() ? json_num(v.value) : Json(nullptr)},
                    {"cutoff", cutoff ? json_num(sign * *cutoff) : Json(nullptr)},
                    {"trials_at_rung", vals.size()}};
    const std::string where = "ASHA stopped trial " + id + " at rung " + fmt_num(rung.milestone) + ": ";
    if (v.nan()) return Decision::stop(where + metric_ + " is NaN", std::move(details));
    const double signed_value = sign * v.value;
    rung.recorded[trial.id] = signed_value;
    if (cutoff && signed_value < *cutoff) {
      // The cutoff is a quantile of the values other trials recorded here before; say how many.
      return Decision::stop(where + metric_ + " " + fmt_num(v.value) + (maximize_ ? " < " : " > ") + "cutoff " +
                                fmt_num(sign * *cutoff) + " from " + std::to_string(vals.size()) +
                                (vals.size() == 1 ? " value" : " values") + " at this rung",
                            std::move(details));
    }
    break;
  }
  return Decision::keep_going();
}

}  // namespace tunelab
