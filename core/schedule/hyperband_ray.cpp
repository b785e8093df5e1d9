#include "core/schedule/hyperband_ray.h"

#include <algorithm>
#include <cmath>

#include "core/schedule/decision_util.h"

namespace tunelab {

namespace {

// Ray's s_max_1: int(np.round(np.log(max_t) / np.log(eta))) + 1, numpy rounding half to even.
int s_max_1(double max_t, double eta) {
  return static_cast<int>(std::nearbyint(std::log(max_t) / std::log(eta))) + 1;
}

}  // namespace

std::vector<RayHyperBandBracketPlan> ray_hyperband_band(double max_t, double eta) {
  std::vector<RayHyperBandBracketPlan> out;
  if (!(max_t >= 1) || !(eta > 1)) return out;
  const int s1 = s_max_1(max_t, eta);
  for (int s = 0; s < s1; ++s) {
    RayHyperBandBracketPlan p;
    p.s = s;
    p.n0 = static_cast<int64_t>(std::ceil(static_cast<double>(s1) / (s + 1) * std::pow(eta, s)));
    p.r0 = std::trunc(max_t * std::pow(eta, -s));
    out.push_back(p);
  }
  return out;
}

RayHyperBandScheduler::RayHyperBandScheduler(const ScheduleContext& ctx, Options o)
    : metric_(ctx.metric), maximize_(ctx.maximize), o_(std::move(o)), band_(ray_hyperband_band(o_.max_t, o_.reduction_factor)) {}

std::optional<std::pair<size_t, int>> RayHyperBandScheduler::position(int64_t trial_id) const {
  const auto it = members_.find(trial_id);
  if (it == members_.end()) return std::nullopt;
  const Bracket& b = brackets_[it->second.bracket];
  return std::make_pair(b.band, b.s);
}

void RayHyperBandScheduler::on_trial_add(const TrialSnapshot& trial) {
  if (members_.count(trial.id) || band_.empty()) return;
  reset_starvation();
  if (!current_ || brackets_[*current_].joined >= brackets_[*current_].n0) {
    if (current_) brackets_[*current_].closed = true;
    while (true) {
      if (bands_.empty() || bands_.back().size() == band_.size()) bands_.emplace_back();
      const auto& plan = band_[bands_.back().size()];
      if (plan.r0 == 0) {  // "Bracket too small": it takes no trial but counts as one of the band's
        bands_.back().push_back(std::nullopt);
        continue;
      }
      Bracket b;
      b.band = bands_.size() - 1;
      b.s = plan.s;
      b.n = b.n0 = plan.n0;
      b.r = b.milestone = plan.r0;
      b.halves = plan.s;
      b.closed = no_more_trials();
      // Ray's _calculate_total_work, as written (its cumulative_r stays r0).
      double n = static_cast<double>(plan.n0), r = plan.r0;
      for (int i = 0; i <= plan.s; ++i) {
        b.total_work += std::trunc(n) * std::trunc(r);
        n = std::ceil(n / o_.reduction_factor);
        r = std::trunc(std::min(r * o_.reduction_factor, o_.max_t - plan.r0));
      }
      bands_.back().push_back(brackets_.size());
      current_ = brackets_.size();
      brackets_.push_back(b);
      break;
    }
  }
  brackets_[*current_].live.push_back(trial.id);
  brackets_[*current_].joined += 1;
  members_[trial.id] = {*current_, State::Running, false, 0, 0};
}

bool RayHyperBandScheduler::cur_iter_done(const Bracket& b) const {
  if (!b.closed && b.joined < b.n0) return false;  // trials still to join
  for (int64_t id : b.live) {
    const Member& m = members_.at(id);
    if (!m.seen || m.time < b.milestone) return false;
  }
  return true;
}

double RayHyperBandScheduler::completion(const Bracket& b) const {
  if (finished(b)) return 1.0;
  return b.total_work > 0 ? std::min(b.progress / b.total_work, 1.0) : 1.0;
}

void RayHyperBandScheduler::remove_live(Bracket& b, int64_t id) { std::erase(b.live, id); }

bool RayHyperBandScheduler::anything_running() const {
  for (const auto& [id, m] : members_) {
    if (m.state == State::Running || m.state == State::Promoted) return true;
  }
  return false;
}

Decision RayHyperBandScheduler::process(size_t bi, int64_t reporter) {
  Bracket& b = brackets_[bi];
  const double sign = maximize_ ? 1 : -1;
  const auto value_text = [&](const Member& m) { return std::isnan(m.value) ? std::string("NaN") : fmt_num(sign * m.value); };
  const std::string where = "(bracket s=" + std::to_string(b.s) + ", band " + std::to_string(b.band) + ")";
  // Completing a trial at the bracket's last milestone: its planned end.
  const auto complete = [&](int64_t id) {
    const Member& m = members_.at(id);
    const bool at_max = b.milestone >= o_.max_t;
    return Decision::complete(
        "HyperBand (Ray) completed trial " + std::to_string(id) + ": " +
            (at_max ? "reached max_t = " + fmt_num(o_.max_t) + " " + where
                    : "reached " + o_.time_attr + " " + fmt_num(b.milestone) + ", the last milestone of its bracket " +
                          where + " (max_t = " + fmt_num(o_.max_t) + ")"),
        {{"milestone", b.milestone}, {"max_t", o_.max_t}, {"time", m.time}, {"bracket", b.s}, {"band", b.band},
         {"reached_max_t", at_max}, {"value", json_num(sign * m.value)}});
  };
  const auto end_member = [&](int64_t id, Decision d, std::optional<Decision>& mine) {
    members_.at(id).state = State::Done;
    to_unpause_.erase(id);
    remove_live(b, id);
    if (id == reporter) mine = std::move(d);
    else queue(id, std::move(d));
  };
  std::optional<Decision> mine;
  if (!cur_iter_done(b) || b.live.empty()) {
    if (reporter < 0) return Decision::keep_going();
    int64_t more = b.closed ? 0 : std::max<int64_t>(0, b.n0 - b.joined);
    for (int64_t id : b.live) more += id != reporter && (!members_.at(id).seen || members_.at(id).time < b.milestone);
    const Member& m = members_.at(reporter);
    return Decision::pause("HyperBand (Ray) paused trial " + std::to_string(reporter) + " at milestone " +
                               fmt_num(b.milestone) + " " + where + ": " + metric_ + " " + value_text(m) +
                               "; waiting for " + std::to_string(more) + (more == 1 ? " more trial" : " more trials") +
                               " to reach it",
                           {{"milestone", b.milestone}, {"bracket", b.s}, {"band", b.band},
                            {"value", json_num(sign * m.value)}, {"waiting_for", more}});
  }
  if (finished(b)) {
    // Ray's cleanup_full: the paused trials stop; the reporting one stops with them.
    for (int64_t id : std::vector<int64_t>(b.live)) {
      if (id == reporter || members_.at(id).state != State::Running) end_member(id, complete(id), mine);
    }
    return mine ? *mine : Decision::keep_going();
  }
  b.processed = true;
  const double rung = b.milestone;
  b.halves -= 1;
  b.n = static_cast<int64_t>(std::ceil(static_cast<double>(b.n) / o_.reduction_factor));
  b.r = std::trunc(std::min(b.r * o_.reduction_factor, o_.max_t));
  b.milestone = b.r;
  // Ray sorts ascending by value, stably in the order trials joined, and keeps the last n.
  std::vector<int64_t> sorted = b.live;
  std::stable_sort(sorted.begin(), sorted.end(), [&](int64_t a, int64_t c) {
    const double va = members_.at(a).value, vc = members_.at(c).value;
    if (std::isnan(va) || std::isnan(vc)) return std::isnan(va) && !std::isnan(vc);
    return va < vc;
  });
  const size_t keep = std::min(sorted.size(), static_cast<size_t>(std::max<int64_t>(b.n, 0)));
  const size_t cut = sorted.size() - keep;
  const std::string cutoff = keep > 0 ? value_text(members_.at(sorted[cut])) : std::string("none");
  for (size_t i = 0; i < cut; ++i) {
    const int64_t id = sorted[i];
    const Member& m = members_.at(id);
    const size_t rank = sorted.size() - i;
    end_member(id,
               Decision::stop("HyperBand (Ray) stopped trial " + std::to_string(id) + " at milestone " + fmt_num(rung) +
                                  " " + where + ": " + metric_ + " " + value_text(m) + " ranked " + std::to_string(rank) +
                                  " of " + std::to_string(sorted.size()) + "; only the top " + std::to_string(keep) +
                                  " go on to " + fmt_num(b.milestone) + " (cutoff " + cutoff + ")",
                              {{"milestone", rung}, {"bracket", b.s}, {"band", b.band}, {"value", json_num(sign * m.value)},
                               {"rank", rank}, {"trials_at_milestone", sorted.size()}, {"kept", keep},
                               {"next_milestone", b.milestone}}),
               mine);
  }
  for (size_t i = cut; i < sorted.size(); ++i) {
    const int64_t id = sorted[i];
    Member& m = members_.at(id);
    if (m.time < b.milestone) {
      if (id == reporter) {
        m.state = State::Running;
        mine = Decision::keep_going();
      } else if (m.state == State::Waiting) {
        m.state = State::Promoted;
        to_unpause_.insert(id);
      }
    } else if (finished(b)) {
      if (id == reporter || m.state != State::Running) end_member(id, complete(id), mine);
    }
  }
  if (reporter < 0) return Decision::keep_going();
  if (mine) return *mine;
  // The reporter is ahead of the next milestone while others are not: it waits.
  members_.at(reporter).state = State::Waiting;
  return Decision::pause("HyperBand (Ray) paused trial " + std::to_string(reporter) + " at " + o_.time_attr + " " +
                             fmt_num(members_.at(reporter).time) + " " + where + ": ahead of the others",
                         {{"milestone", b.milestone}, {"bracket", b.s}, {"band", b.band}});
}

Decision RayHyperBandScheduler::on_result(const TrialSnapshot& trial, const Json& result) {
  if (band_.empty()) return Decision::keep_going();
  reset_starvation();
  if (!members_.count(trial.id)) on_trial_add(trial);
  Member& m = members_.at(trial.id);
  if (m.state == State::Done) return Decision::keep_going();
  const size_t bi = m.bracket;
  if (m.state == State::Waiting) {
    // It reports again while waiting: it was resumed (a replayed history whose milestone was decided by
    // closing the bracket). Decide with what there is, and let it go on.
    brackets_[bi].closed = true;
    (void)process(bi, -1);
    if (m.state == State::Done) return Decision::keep_going();
  }
  const MetricRead t = read_metric(result, o_.time_attr);
  if (!t.ok()) {
    m.state = State::Running;
    return Decision::keep_going();
  }
  const MetricRead v = read_metric(result, metric_);
  Bracket& b = brackets_[bi];
  b.progress += t.value - (m.seen ? m.time : 0.0);
  m.seen = true;
  m.time = t.value;
  m.value = v.ok() ? (maximize_ ? v.value : -v.value) : std::nan("");
  m.state = State::Running;
  to_unpause_.erase(trial.id);
  if (t.value < b.milestone) return Decision::keep_going();
  m.state = State::Waiting;  // unless the processing says otherwise
  Decision d = process(bi, trial.id);
  if (d.action == Decision::Action::Continue && m.state != State::Done) m.state = State::Running;
  return d;
}

void RayHyperBandScheduler::on_complete(const TrialSnapshot& trial) {
  forget(trial.id);
  to_unpause_.erase(trial.id);
  const auto it = members_.find(trial.id);
  if (it == members_.end() || it->second.state == State::Done) return;
  it->second.state = State::Done;
  Bracket& b = brackets_[it->second.bracket];
  remove_live(b, trial.id);
  // Ray processes the bracket here only before its first halving and while it is not finished; otherwise the
  // paused trials would wait for a result that never comes. Here the bracket decides with the trials left.
  (void)process(it->second.bracket, -1);
}

void RayHyperBandScheduler::close_brackets() {
  for (size_t bi = 0; bi < brackets_.size(); ++bi) {
    if (brackets_[bi].closed) continue;
    brackets_[bi].closed = true;
    (void)process(bi, -1);
  }
}

std::optional<int64_t> RayHyperBandScheduler::pick(const std::vector<TrialSnapshot>& waiting) {
  std::map<int64_t, TrialStatus> ready;
  for (const auto& t : waiting) ready[t.id] = t.status;
  for (const auto& band : bands_) {
    std::vector<size_t> order;
    for (const auto& b : band) {
      if (b) order.push_back(*b);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t c) { return completion(brackets_[a]) < completion(brackets_[c]); });
    for (size_t bi : order) {
      for (int64_t id : brackets_[bi].live) {
        const auto r = ready.find(id);
        if (r == ready.end()) continue;
        const Member& m = members_.at(id);
        // A trial paused by someone else (the user) before reaching the milestone may go on too.
        const bool resumable = r->second == TrialStatus::Paused &&
                               (to_unpause_.count(id) || (m.state != State::Waiting && m.state != State::Done));
        if (r->second == TrialStatus::Pending || resumable) {
          members_.at(id).state = State::Running;
          return id;
        }
      }
    }
  }
  // Trials the scheduler does not track (none normally): the lowest id.
  for (const auto& t : waiting) {
    if (!members_.count(t.id)) return t.id;
  }
  return std::nullopt;
}

}  // namespace tunelab
