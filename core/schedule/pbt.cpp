#include "core/schedule/pbt.h"

#include <algorithm>
#include <cmath>

#include "core/schedule/decision_util.h"

namespace tunelab {

namespace {

const Json* get_path(const Json& config, const std::vector<std::string>& path) {
  const Json* j = &config;
  for (const auto& key : path) {
    if (!j->is_object() || !j->contains(key)) return nullptr;
    j = &(*j)[key];
  }
  return j;
}

void set_path(Json& config, const std::vector<std::string>& path, Json value) {
  Json* j = &config;
  for (const auto& key : path) {
    if (!j->is_object()) *j = Json::object();
    j = &(*j)[key];
  }
  *j = std::move(value);
}

// x moved onto the parameter's grid (step from low) and into its bounds.
double snap(const Parameter& p, double x) {
  x = std::clamp(x, p.low, p.high);
  const double step = p.type == ParamType::Int ? p.step.value_or(1) : p.step.value_or(0);
  if (step > 0) {
    x = p.low + std::round((x - p.low) / step) * step;
    if (x > p.high + 1e-12) x -= step;
  }
  return x;
}

}  // namespace

Result<std::unique_ptr<Scheduler>> PbtScheduler::create(const ScheduleContext& ctx) {
  const Json& j = ctx.options;
  Options o;
  o.time_attr = j.value("time_attr", o.time_attr);
  o.perturbation_interval = j.value("perturbation_interval", o.perturbation_interval);
  o.quantile_fraction = j.value("quantile_fraction", o.quantile_fraction);
  o.resample_probability = j.value("resample_probability", o.resample_probability);
  Errors errors;
  if (j.contains("perturbation_factors")) {
    const Json& f = j["perturbation_factors"];
    o.perturbation_factors.clear();
    if (!f.is_array() || f.empty()) errors.push_back({"scheduler.perturbation_factors", "must be a non-empty array of positive numbers"});
    for (size_t i = 0; f.is_array() && i < f.size(); ++i) {
      if (!f[i].is_number() || !(f[i].get<double>() > 0)) {
        errors.push_back({"scheduler.perturbation_factors[" + std::to_string(i) + "]", "must be a positive number, got " + dump_compact(f[i])});
      } else {
        o.perturbation_factors.push_back(f[i].get<double>());
      }
    }
  }
  if (j.contains("hyperparam_mutations") && !j["hyperparam_mutations"].is_null()) {
    auto space = parse_space(j["hyperparam_mutations"], "scheduler.hyperparam_mutations");
    if (!space) {
      for (const auto& e : space.errors()) errors.push_back(e);
    } else {
      for (const auto& p : space->params()) {
        if (ctx.space && !ctx.space->empty() && !ctx.space->find(p.name)) {
          errors.push_back({p.json_path, "\"" + p.name + "\" is not a parameter of the study's space"});
        }
      }
      o.mutations = std::move(*space);
    }
  } else if (ctx.space) {
    std::vector<Parameter> ps;
    for (const auto& p : ctx.space->params()) {
      if (p.type != ParamType::Const) ps.push_back(p);
    }
    if (auto s = SearchSpace::from_params(std::move(ps))) o.mutations = std::move(*s);
  }
  if (o.mutations.empty()) {
    errors.push_back({"scheduler.hyperparam_mutations", "PBT needs parameters to explore: give hyperparam_mutations "
                                                        "(a space) or a study space with non-constant parameters"});
  }
  if (!errors.empty()) return errors;
  return std::unique_ptr<Scheduler>(new PbtScheduler(ctx, std::move(o)));
}

PbtScheduler::PbtScheduler(const ScheduleContext& ctx, Options o)
    : metric_(ctx.metric), maximize_(ctx.maximize), seed_(ctx.seed), o_(std::move(o)) {}

int PbtScheduler::generation(int64_t trial_id) const {
  const auto it = trials_.find(trial_id);
  return it == trials_.end() ? 0 : it->second.generation;
}

void PbtScheduler::on_complete(const TrialSnapshot& trial) { trials_[trial.id].finished = true; }

Json PbtScheduler::explore(const Json& config, Rng& rng, Json& changes) const {
  Json out = config;
  for (const auto& p : o_.mutations.params()) {
    const Json* cur = get_path(config, p.path);
    if (!cur && !p.when.empty()) continue;  // an inactive conditional parameter stays absent
    const bool resample = uniform01(rng) < o_.resample_probability;
    Json next;
    switch (p.type) {
      case ParamType::Const: next = p.value; break;
      case ParamType::Choice:
      case ParamType::Grid: {
        const auto it = cur ? std::find(p.values.begin(), p.values.end(), *cur) : p.values.end();
        const double u = uniform01(rng);
        if (resample || it == p.values.end()) {
          next = p.values[std::min(p.values.size() - 1, static_cast<size_t>(u * static_cast<double>(p.values.size())))];
        } else {
          const auto i = static_cast<int64_t>(it - p.values.begin());
          const int64_t shifted = std::clamp<int64_t>(i + (u < 0.5 ? -1 : 1), 0, static_cast<int64_t>(p.values.size()) - 1);
          next = p.values[static_cast<size_t>(shifted)];
        }
        break;
      }
      case ParamType::Float:
      case ParamType::Int:
      case ParamType::Normal: {
        const double u = uniform01(rng);
        if (resample || !cur || !cur->is_number()) {
          next = p.from_unit(u);
        } else {
          const double factor =
              o_.perturbation_factors[std::min(o_.perturbation_factors.size() - 1,
                                               static_cast<size_t>(u * static_cast<double>(o_.perturbation_factors.size())))];
          double x = cur->get<double>() * factor;
          if (p.type != ParamType::Normal) x = snap(p, x);
          else if (p.step) x = std::round(x / *p.step) * *p.step;
          if (p.type == ParamType::Int) next = static_cast<int64_t>(std::llround(x));
          else next = x;
        }
        break;
      }
    }
    if (!cur || *cur != next) changes[p.name] = Json::array({cur ? *cur : Json(nullptr), next});
    set_path(out, p.path, std::move(next));
  }
  return out;
}

Decision PbtScheduler::on_result(const TrialSnapshot& trial, const Json& result) {
  const MetricRead t = read_metric(result, o_.time_attr);
  const MetricRead v = read_metric(result, metric_);
  if (!t.ok() || v.state == MetricRead::State::Missing) return Decision::keep_going();
  State& st = trials_[trial.id];
  st.has_score = true;
  st.score = v.ok() ? (maximize_ ? v.value : -v.value) : std::nan("");
  st.config = trial.config;
  st.checkpoint_iteration = trial.checkpoint_iteration;
  st.finished = false;
  if (t.value - st.last_perturbation_time < o_.perturbation_interval) return Decision::keep_going();
  st.last_perturbation_time = t.value;

  // Rank the live trials with a value, worst first (NaN first; on ties the higher id is worse).
  std::vector<int64_t> ranked;
  for (const auto& [id, s] : trials_) {
    if (s.has_score && !s.finished) ranked.push_back(id);
  }
  if (ranked.size() <= 1) return Decision::keep_going();
  std::sort(ranked.begin(), ranked.end(), [&](int64_t a, int64_t b) {
    const double va = trials_.at(a).score, vb = trials_.at(b).score;
    if (std::isnan(va) != std::isnan(vb)) return std::isnan(va);
    if (va != vb && !std::isnan(va)) return va < vb;
    return a > b;
  });
  const double n = static_cast<double>(ranked.size());
  auto k = static_cast<size_t>(std::ceil(n * o_.quantile_fraction - 1e-9));
  if (static_cast<double>(k) > n / 2) k = static_cast<size_t>(std::floor(n / 2));
  if (k == 0) return Decision::keep_going();
  const bool in_bottom = std::find(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(k), trial.id) !=
                         ranked.begin() + static_cast<std::ptrdiff_t>(k);
  if (!in_bottom) return Decision::keep_going();
  std::vector<int64_t> donors;
  for (size_t i = ranked.size() - k; i < ranked.size(); ++i) {
    if (ranked[i] != trial.id && trials_.at(ranked[i]).checkpoint_iteration > 0) donors.push_back(ranked[i]);
  }
  if (donors.empty()) return Decision::keep_going();
  std::sort(donors.begin(), donors.end());
  Rng rng(derive_seed({seed_, 0x9B7, static_cast<uint64_t>(trial.id), st.perturbations++}));
  const int64_t donor = donors[static_cast<size_t>(rng() % donors.size())];
  const State& ds = trials_.at(donor);
  Json changes = Json::object();
  Json config = explore(ds.config, rng, changes);

  const double sign = maximize_ ? 1 : -1;
  const double my_value = st.score;
  st.generation = ds.generation + 1;
  st.score = ds.score;
  // Ray copies the donor's last perturbation time, which suits trials that restart at the donor's time.
  // Here a trial keeps counting its own time after an exploit, so its next perturbation comes a full
  // interval after this one (last_perturbation_time was set to now above).
  st.config = config;
  st.checkpoint_iteration = ds.checkpoint_iteration;

  std::string changed;
  for (const auto& [name, pair] : changes.items()) {
    changed += (changed.empty() ? "" : ", ") + name + " " +
               (pair[0].is_number() ? fmt_num(pair[0].get<double>()) : dump_compact(pair[0])) + " -> " +
               (pair[1].is_number() ? fmt_num(pair[1].get<double>()) : dump_compact(pair[1]));
  }
  const std::string why =
      "PBT: trial " + std::to_string(trial.id) + " (" + metric_ + " " + fmt_num(sign * my_value) + ", bottom " +
      std::to_string(k) + " of " + std::to_string(ranked.size()) + " trials) copies trial " + std::to_string(donor) +
      " (" + metric_ + " " + fmt_num(sign * ds.score) + ", checkpoint at iteration " +
      std::to_string(ds.checkpoint_iteration) + ") at " + o_.time_attr + " " + fmt_num(t.value) + ", generation " +
      std::to_string(st.generation) + (changed.empty() ? std::string("; config unchanged") : "; " + changed);
  Json details = {{"donor", donor},
                  {"generation", st.generation},
                  {"changes", changes},
                  {"value", json_num(sign * my_value)},
                  {"donor_value", json_num(sign * ds.score)},
                  {"donor_checkpoint_iteration", ds.checkpoint_iteration},
                  {"time", t.value},
                  {"quantile_size", k},
                  {"ranked_trials", ranked.size()}};
  return Decision::exploit(donor, std::move(config), why, std::move(details));
}

}  // namespace tunelab
