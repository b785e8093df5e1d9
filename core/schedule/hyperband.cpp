#include "core/schedule/hyperband.h"

#include <algorithm>
#include <cmath>

#include "core/schedule/decision_util.h"

namespace tunelab {

std::vector<HyperBandBracketPlan> hyperband_table(double max_t, double eta) {
  std::vector<HyperBandBracketPlan> out;
  if (!(max_t >= 1) || !(eta > 1)) return out;
  const int s_max = static_cast<int>(std::floor(std::log(max_t) / std::log(eta) + 1e-9));
  for (int s = s_max; s >= 0; --s) {
    HyperBandBracketPlan b;
    b.s = s;
    const double n = std::ceil(static_cast<double>(s_max + 1) / (s + 1) * std::pow(eta, s) - 1e-9);
    const double r = max_t * std::pow(eta, -s);
    for (int i = 0; i <= s; ++i) {
      b.rungs.push_back({static_cast<int64_t>(std::floor(n * std::pow(eta, -i) + 1e-9)), r * std::pow(eta, i)});
    }
    out.push_back(std::move(b));
  }
  return out;
}

HyperBandScheduler::HyperBandScheduler(const ScheduleContext& ctx, Options o)
    : metric_(ctx.metric), maximize_(ctx.maximize), o_(std::move(o)), table_(hyperband_table(o_.max_t, o_.reduction_factor)) {}

std::optional<std::pair<int, size_t>> HyperBandScheduler::position(int64_t trial_id) const {
  const auto it = members_.find(trial_id);
  if (it == members_.end()) return std::nullopt;
  const Bracket& b = brackets_[it->second.bracket];
  return std::make_pair(static_cast<int>(b.plan), b.rung);
}

void HyperBandScheduler::on_trial_add(const TrialSnapshot& trial) {
  if (members_.count(trial.id) || table_.empty()) return;
  reset_starvation();
  if (brackets_.empty() || brackets_.back().closed || brackets_.back().rung > 0 ||
      static_cast<int64_t>(brackets_.back().members.size()) >= table_[brackets_.back().plan].rungs[0].n) {
    if (!brackets_.empty()) brackets_.back().closed = true;
    Bracket b;
    b.plan = brackets_.empty() ? 0 : (brackets_.back().plan + 1) % table_.size();
    b.closed = no_more_trials();  // after the searcher ran out, nothing will fill it
    brackets_.push_back(b);
  }
  brackets_.back().members.push_back(trial.id);
  members_[trial.id] = {brackets_.size() - 1, State::Running, 0};
}

bool HyperBandScheduler::anything_running() const {
  for (const auto& [id, m] : members_) {
    if (m.state == State::Running) return true;
  }
  return false;
}

std::optional<Decision> HyperBandScheduler::try_decide(size_t bi, int64_t reporter) {
  Bracket& b = brackets_[bi];
  const auto& plan = table_[b.plan];
  if (b.rung + 1 >= plan.rungs.size()) return std::nullopt;  // the last rung is max_t: trials stop there
  std::vector<int64_t> live;
  for (int64_t id : b.members) {
    const Member& m = members_.at(id);
    if (m.state == State::Done) continue;
    if (m.state != State::Waiting) return std::nullopt;  // someone has not reached the rung yet
    live.push_back(id);
  }
  const bool full = static_cast<int64_t>(b.members.size()) >= plan.rungs[0].n;
  if (live.empty() || (!full && !b.closed)) return std::nullopt;
  std::sort(live.begin(), live.end(), [&](int64_t a, int64_t c) {
    const double va = members_.at(a).value, vc = members_.at(c).value;
    if (std::isnan(va) != std::isnan(vc)) return std::isnan(vc);
    if (va != vc && !std::isnan(va)) return va > vc;
    return a < c;
  });
  const auto keep = std::max<size_t>(1, static_cast<size_t>(std::floor(live.size() / o_.reduction_factor + 1e-9)));
  const double rung_r = plan.rungs[b.rung].r, next_r = plan.rungs[b.rung + 1].r;
  const double sign = maximize_ ? 1 : -1;
  const double cutoff = members_.at(live[keep - 1]).value;
  b.rung += 1;
  b.closed = true;  // a bracket past its first rung takes no new trials
  std::optional<Decision> mine;
  for (size_t rank = 0; rank < live.size(); ++rank) {
    const int64_t id = live[rank];
    Member& m = members_.at(id);
    if (rank < keep) {
      m.state = id == reporter ? State::Running : State::Promoted;
      if (id == reporter) mine = Decision::keep_going();
      continue;
    }
    m.state = State::Done;
    const std::string value = std::isnan(m.value) ? "NaN" : fmt_num(sign * m.value);
    Decision d = Decision::stop(
        "HyperBand stopped trial " + std::to_string(id) + " at rung " + fmt_num(rung_r) + " (bracket s=" +
            std::to_string(plan.s) + "): " + metric_ + " " + value + " ranked " + std::to_string(rank + 1) + " of " +
            std::to_string(live.size()) + "; only the top " + std::to_string(keep) + " go on to " + fmt_num(next_r) +
            " (cutoff " + fmt_num(sign * cutoff) + ")",
        {{"rung", rung_r},
         {"bracket", plan.s},
         {"value", json_num(sign * m.value)},
         {"rank", rank + 1},
         {"trials_at_rung", live.size()},
         {"kept", keep},
         {"cutoff", json_num(sign * cutoff)},
         {"next_rung", next_r}});
    if (id == reporter) mine = std::move(d);
    else queue(id, std::move(d));
  }
  return mine;
}

Decision HyperBandScheduler::on_result(const TrialSnapshot& trial, const Json& result) {
  if (table_.empty()) return Decision::keep_going();
  reset_starvation();
  if (!members_.count(trial.id)) on_trial_add(trial);
  Member& m = members_.at(trial.id);
  if (m.state == State::Done) return Decision::keep_going();
  const size_t bi = m.bracket;
  if (m.state == State::Waiting) {
    // It reports again while waiting: it was resumed (a replayed history where the rung was decided
    // by closing the bracket). Decide the rung with what there is, and let it go on.
    brackets_[bi].closed = true;
    (void)try_decide(bi, -1);
    if (m.state == State::Done) return Decision::keep_going();
  }
  m.state = State::Running;
  const MetricRead t = read_metric(result, o_.time_attr);
  const MetricRead v = read_metric(result, metric_);
  if (!t.ok() || !v.present) return Decision::keep_going();
  Bracket& b = brackets_[bi];
  const auto& plan = table_[b.plan];
  const double milestone = plan.rungs[b.rung].r;
  if (t.value < milestone * (1 - 1e-12)) return Decision::keep_going();
  const std::string id = std::to_string(trial.id);
  if (b.rung + 1 >= plan.rungs.size() || t.value >= o_.max_t) {
    m.state = State::Done;
    return Decision::complete("HyperBand completed trial " + id + ": reached max_t = " + fmt_num(o_.max_t) + " (" +
                              o_.time_attr + " " + fmt_num(t.value) + ")",
                          {{"max_t", o_.max_t}, {"time", t.value}, {"reached_max_t", true}, {"bracket", plan.s}});
  }
  if (v.state == MetricRead::State::Missing) return Decision::keep_going();  // not a number: not judged
  m.value = v.ok() ? (maximize_ ? v.value : -v.value) : std::nan("");
  m.state = State::Waiting;
  if (auto d = try_decide(bi, trial.id)) return *d;
  int64_t others = 0;  // running, or promoted and about to resume
  for (int64_t other : b.members) {
    others += members_.at(other).state == State::Running || members_.at(other).state == State::Promoted;
  }
  const int64_t unfilled = std::max<int64_t>(0, plan.rungs[0].n - static_cast<int64_t>(b.members.size()));
  const int64_t more = others + (b.closed ? 0 : unfilled);
  return Decision::pause(
      "HyperBand paused trial " + id + " at rung " + fmt_num(milestone) + " (bracket s=" + std::to_string(plan.s) +
          "): " + metric_ + " " + (v.ok() ? fmt_num(v.value) : "NaN") + "; waiting for " + std::to_string(more) +
          (more == 1 ? " more trial" : " more trials") + " to reach it",
      {{"rung", milestone}, {"bracket", plan.s}, {"value", v.ok() ? Json(v.value) : Json(nullptr)},
       {"running", others}, {"unfilled", b.closed ? 0 : unfilled}});
}

void HyperBandScheduler::on_complete(const TrialSnapshot& trial) {
  const auto it = members_.find(trial.id);
  if (it == members_.end()) return;
  it->second.state = State::Done;
  forget(trial.id);
  (void)try_decide(it->second.bracket, -1);
}

void HyperBandScheduler::close_brackets() {
  for (size_t bi = 0; bi < brackets_.size(); ++bi) {
    if (!brackets_[bi].closed) {
      brackets_[bi].closed = true;
      (void)try_decide(bi, -1);
    }
  }
}

std::optional<int64_t> HyperBandScheduler::pick(const std::vector<TrialSnapshot>& waiting) {
  std::optional<int64_t> promoted, fresh;
  for (const auto& t : waiting) {
    const auto it = members_.find(t.id);
    const bool waits_for_rung = it != members_.end() && t.status == TrialStatus::Paused &&
                                (it->second.state == State::Waiting || it->second.state == State::Done);
    if (waits_for_rung) continue;
    const bool is_promoted = it != members_.end() && it->second.state == State::Promoted;
    auto& slot = is_promoted ? promoted : fresh;
    if (!slot || t.id < *slot) slot = t.id;
  }
  return promoted ? promoted : fresh;
}

}  // namespace tunelab
