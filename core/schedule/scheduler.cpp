#include "core/schedule/scheduler.h"

#include <cmath>

#include "core/schedule/asha.h"
#include "core/schedule/fifo_scheduler.h"
#include "core/schedule/hyperband.h"
#include "core/schedule/hyperband_ray.h"
#include "core/schedule/median_stopping.h"
#include "core/schedule/pbt.h"
#include "core/schedule/predictive.h"
#include "core/schedule/pruners.h"

namespace tunelab {

const char* to_string(Decision::Action a) {
  switch (a) {
    case Decision::Action::Continue: return "continue";
    case Decision::Action::Pause: return "pause";
    case Decision::Action::Stop: return "stop";
    case Decision::Action::Exploit: return "exploit";
  }
  return "?";
}

std::optional<int64_t> Scheduler::choose_trial_to_run(const std::vector<TrialSnapshot>& waiting) {
  std::optional<int64_t> best;
  bool best_paused = false;
  for (const auto& t : waiting) {
    const bool paused = t.status == TrialStatus::Paused;
    if (!best || (paused && !best_paused) || (paused == best_paused && t.id < *best)) {
      best = t.id;
      best_paused = paused;
    }
  }
  return best;
}

namespace {

OptionDef time_attr_option() {
  return {"time_attr", OptionKind::String, "training_iteration", {}, {}, {},
          "the result field that measures training progress (e.g. training_iteration, time_total_s)"};
}
OptionDef warmup_option() {
  return {"n_warmup_steps", OptionKind::Int, 0, 0, {}, {}, "no trial is stopped before this step"};
}
OptionDef interval_option() {
  return {"interval_steps", OptionKind::Int, 1, 1, {}, {}, "trials are judged once every this many steps after the warm-up"};
}

}  // namespace

const std::vector<ComponentDef>& scheduler_defs() {
  static const std::vector<ComponentDef> defs = {
      {"fifo", "Runs every trial to the end (or until a stop criterion is met).", {}},
      {"median_stopping",
       "Median stopping rule: stops a trial whose best value is worse than the median of the other trials' running "
       "means at the same time.",
       {time_attr_option(),
        {"grace_period", OptionKind::Float, 10.0, 0.0, {}, {}, "no trial is judged before this time"},
        {"min_samples_required", OptionKind::Int, 3, 1, {}, {}, "other trials needed at the same time to compare with"},
        {"min_time_slice", OptionKind::Float, 0.0, 0.0, {}, {},
         "a trial that cannot be judged yet yields its slot to a waiting trial after running this long; 0: never"},
        {"hard_stop", OptionKind::Bool, true, {}, {}, {}, "stop the trial (true) or pause it (false)"}}},
      {"asha",
       "Asynchronous successive halving (AsyncHyperBand): at each rung, stops trials worse than the top "
       "1/reduction_factor of those recorded there.",
       {time_attr_option(),
        {"max_t", OptionKind::Float, 100.0, 0.0, {}, {}, "trials stop at this time"},
        {"grace_period", OptionKind::Float, 1.0, 0.0, {}, {}, "the first rung: no trial is stopped before it"},
        {"reduction_factor", OptionKind::Float, 4.0, 1.01, {}, {}, "rungs are grace_period * reduction_factor^k"},
        {"brackets", OptionKind::Int, 1, 1, 16, {}, "number of brackets (bracket s starts at rung s)"}}},
      {"hyperband",
       "Synchronous HyperBand: brackets of successive halving that pause trials at each rung and resume the best.",
       {time_attr_option(),
        {"max_t", OptionKind::Float, 81.0, 1.0, {}, {}, "the largest resource a trial gets (R in the paper)"},
        {"reduction_factor", OptionKind::Float, 3.0, 1.01, {}, {}, "eta in the paper: each rung keeps 1/eta"}}},
      {"hyperband_ray",
       "Ray Tune's synchronous HyperBand (HyperBandScheduler): Ray's brackets, starting with the one that stops "
       "nothing early, and Ray's budget.",
       {time_attr_option(),
        {"max_t", OptionKind::Float, 81.0, 1.0, {}, {}, "trials stop at this time at the latest (Ray's max_t)"},
        {"reduction_factor", OptionKind::Float, 3.0, 1.01, {}, {}, "eta: each halving keeps 1/eta"}}},
      {"predictive",
       "Learning-curve extrapolation fitted on the study's own curves: stops a trial only when it is confident that "
       "its final value will not reach the top_k-th best final value of the trials that ran to the end.",
       {time_attr_option(),
        {"max_t", OptionKind::Float, 100.0, 0.0, {}, {}, "trials complete at this time; finals are predicted for it"},
        {"min_t", OptionKind::Float, 1.0, 0.0, {}, {}, "no trial is stopped before this time"},
        {"confidence", OptionKind::Float, 0.95, 0.5, 0.999999, {},
         "how sure the model must be that the final value misses the threshold before it stops a trial"},
        {"top_k", OptionKind::Int, 1, 1, {}, {}, "a trial is kept while it may still end among the top_k finals"},
        {"min_curves", OptionKind::Int, 5, 1, {}, {},
         "curves run to the end needed before the regression predicts; before, the trial's own curve fit does"},
        {"curve_fit", OptionKind::Bool, true, {}, {}, {},
         "judge trials by parametric fits of their own curve while too few curves have run to the end"}}},
      {"pbt",
       "Population-based training: at each perturbation interval, trials in the bottom quantile copy a top "
       "trial's checkpoint and explore its config.",
       {time_attr_option(),
        {"perturbation_interval", OptionKind::Float, 5.0, 1e-9, {}, {}, "time between perturbations of a trial"},
        {"quantile_fraction", OptionKind::Float, 0.25, 0.0, 0.5, {}, "size of the bottom and top quantiles"},
        {"resample_probability", OptionKind::Float, 0.25, 0.0, 1.0, {},
         "probability to resample a parameter rather than perturb it"},
        {"perturbation_factors", OptionKind::Any, Json::array({1.2, 0.8}), {}, {}, {},
         "factors numeric parameters are multiplied by (one drawn at random)"},
        {"hyperparam_mutations", OptionKind::Any, nullptr, {}, {}, {},
         "the parameters to explore, written as a space; default: the study's space"}}},
      {"percentile",
       "Optuna's percentile pruner: stops a trial whose best value is outside the top percentile of completed "
       "trials at the same step.",
       {time_attr_option(),
        {"percentile", OptionKind::Float, 25.0, 0.0, 100.0, {}, "the top percentile kept (50: the median pruner)"},
        {"n_startup_trials", OptionKind::Int, 5, 0, {}, {}, "no trial is stopped before this many have completed"},
        warmup_option(), interval_option(),
        {"n_min_trials", OptionKind::Int, 1, 1, {}, {}, "completed trials needed with a value at the step"}}},
      {"threshold",
       "Optuna's threshold pruner: stops a trial whose latest value is below lower, above upper, or NaN.",
       {time_attr_option(),
        {"lower", OptionKind::Float, nullptr, {}, {}, {}, "stop when the value is below this"},
        {"upper", OptionKind::Float, nullptr, {}, {}, {}, "stop when the value is above this"},
        warmup_option(), interval_option()}},
  };
  return defs;
}

const ComponentDef* find_scheduler_def(const std::string& type) { return find_component(scheduler_defs(), type); }

Result<std::unique_ptr<Scheduler>> make_scheduler(const ScheduleContext& ctx) {
  // Options are validated (defaults filled) by the spec; values are read again here with the same defaults,
  // so a context built by hand (tests, replay) works too.
  const Json& j = ctx.options;
  const std::string type = j.value("type", "fifo");
  const ComponentDef* def = find_scheduler_def(type);
  if (!def) return Error{"scheduler.type", "unknown scheduler \"" + type + "\""};
  auto validated = validate_options(j, *def, "scheduler");
  if (!validated) return validated.errors();
  const Json& o = *validated;
  ScheduleContext c = ctx;
  c.options = o;
  const std::string time_attr = o.value("time_attr", "training_iteration");
  if (type == "fifo") return std::unique_ptr<Scheduler>(new FifoScheduler());
  if (type == "median_stopping") {
    return std::unique_ptr<Scheduler>(new MedianStoppingRule(
        c, {time_attr, o["grace_period"].get<double>(), o["min_samples_required"].get<int64_t>(),
            o["min_time_slice"].get<double>(), o["hard_stop"].get<bool>()}));
  }
  if (type == "asha") {
    if (o["grace_period"].get<double>() > o["max_t"].get<double>()) {
      return Error{"scheduler.grace_period", "must not exceed max_t (" + dump_compact(o["max_t"]) + ")"};
    }
    return std::unique_ptr<Scheduler>(new AshaScheduler(
        c, {time_attr, o["max_t"].get<double>(), o["grace_period"].get<double>(), o["reduction_factor"].get<double>(),
            o["brackets"].get<int64_t>()}));
  }
  if (type == "hyperband" || type == "hyperband_ray") {
    // The table has log(max_t)/log(eta) + 1 brackets of up to that many rungs, and up to max_t trials a bracket.
    const double max_t = o["max_t"].get<double>(), eta = o["reduction_factor"].get<double>();
    if (max_t > 1e12) return Error{"scheduler.max_t", "must be at most 1e12, got " + dump_compact(o["max_t"])};
    if (std::log(max_t) / std::log(eta) + 1 > 64) {
      return Error{"scheduler.reduction_factor", "max_t " + dump_compact(o["max_t"]) + " and reduction_factor " +
                                                     dump_compact(o["reduction_factor"]) +
                                                     " give more than 64 brackets; raise reduction_factor or lower max_t"};
    }
    if (type == "hyperband_ray") return std::unique_ptr<Scheduler>(new RayHyperBandScheduler(c, {time_attr, max_t, eta}));
    return std::unique_ptr<Scheduler>(new HyperBandScheduler(c, {time_attr, max_t, eta}));
  }
  if (type == "predictive") {
    if (o["min_t"].get<double>() > o["max_t"].get<double>()) {
      return Error{"scheduler.min_t", "must not exceed max_t (" + dump_compact(o["max_t"]) + ")"};
    }
    return std::unique_ptr<Scheduler>(new PredictiveScheduler(
        c, {time_attr, o["max_t"].get<double>(), o["min_t"].get<double>(), o["confidence"].get<double>(),
            o["top_k"].get<int64_t>(), o["min_curves"].get<int64_t>(), o["curve_fit"].get<bool>()}));
  }
  if (type == "pbt") return PbtScheduler::create(c);
  if (type == "percentile") {
    return std::unique_ptr<Scheduler>(new PercentilePruner(
        c, {time_attr, o["percentile"].get<double>(), o["n_startup_trials"].get<int64_t>(),
            o["n_warmup_steps"].get<int64_t>(), o["interval_steps"].get<int64_t>(), o["n_min_trials"].get<int64_t>()}));
  }
  if (type == "threshold") {
    ThresholdPruner::Options to;
    to.time_attr = time_attr;
    if (o.contains("lower")) to.lower = o["lower"].get<double>();
    if (o.contains("upper")) to.upper = o["upper"].get<double>();
    to.n_warmup_steps = o["n_warmup_steps"].get<int64_t>();
    to.interval_steps = o["interval_steps"].get<int64_t>();
    if (!to.lower && !to.upper) return Error{"scheduler", "the threshold pruner needs \"lower\", \"upper\" or both"};
    if (to.lower && to.upper && *to.lower > *to.upper) {
      return Error{"scheduler.lower", "must not exceed upper (" + dump_compact(Json(*to.upper)) + ")"};
    }
    return std::unique_ptr<Scheduler>(new ThresholdPruner(c, to));
  }
  return Error{"scheduler.type", "unknown scheduler \"" + type + "\""};
}

}  // namespace tunelab
