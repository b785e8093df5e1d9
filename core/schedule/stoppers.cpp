#include "core/schedule/stoppers.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/schedule/decision_util.h"

namespace tunelab {

namespace {

const char* cmp_text(bool maximize) { return maximize ? " >= " : " <= "; }

OptionDef metric_option() {
  return {"metric", OptionKind::String, nullptr, {}, {}, {}, "the metric watched; default: the objective metric"};
}
OptionDef mode_option() {
  return {"mode", OptionKind::Enum, nullptr, {}, {}, {"max", "min"},
          "whether higher (max) or lower (min) is better; default: the objective's mode for the objective "
          "metric, max for others"};
}

}  // namespace

Decision TrialPlateauStopper::on_result(const TrialSnapshot& trial, const Json& result) {
  const MetricRead v = read_metric(result, o_.metric);
  if (v.state == MetricRead::State::Missing) return Decision::keep_going();
  auto& w = window_[trial.id];
  w.push_back(v.ok() ? v.value : std::nan(""));
  while (static_cast<int64_t>(w.size()) > o_.num_results) w.pop_front();
  const int64_t n = ++count_[trial.id];
  if (n < o_.grace_period || static_cast<int64_t>(w.size()) < o_.num_results) return Decision::keep_going();
  if (o_.metric_threshold) {
    if (!v.ok() || (o_.maximize ? v.value < *o_.metric_threshold : v.value > *o_.metric_threshold)) {
      return Decision::keep_going();
    }
  }
  const double sd = std_of({w.begin(), w.end()});
  if (!(sd < o_.std)) return Decision::keep_going();
  return Decision::stop("trial plateau stopped trial " + std::to_string(trial.id) + " after " + std::to_string(n) +
                            " results: std of its last " + std::to_string(w.size()) + " " + o_.metric + " values " +
                            fmt_num(sd) + " < " + fmt_num(o_.std),
                        {{"std", sd}, {"threshold", o_.std}, {"num_results", w.size()}, {"results", n},
                         {"last", json_num(v.ok() ? v.value : std::nan(""))}});
}

bool ExperimentPlateauStopper::plateaued() const {
  return static_cast<int64_t>(top_.size()) == o_.top && std_of(top_) <= o_.std;
}

Decision ExperimentPlateauStopper::on_result(const TrialSnapshot&, const Json& result) {
  const MetricRead v = read_metric(result, o_.metric);
  if (!v.ok()) return Decision::keep_going();
  top_.push_back(v.value);
  std::sort(top_.begin(), top_.end(), [&](double a, double b) { return o_.maximize ? a > b : a < b; });
  if (static_cast<int64_t>(top_.size()) > o_.top) top_.resize(static_cast<size_t>(o_.top));
  iterations_ = plateaued() ? iterations_ + 1 : 0;
  return Decision::keep_going();
}

std::optional<std::string> ExperimentPlateauStopper::stop_study() {
  // As Ray: the count includes the result that first showed the plateau.
  if (!plateaued() || iterations_ <= o_.patience) return std::nullopt;
  return "experiment plateau: the top " + std::to_string(top_.size()) + " " + o_.metric + " values have std " +
         fmt_num(std_of(top_)) + " <= " + fmt_num(o_.std) + " for " + std::to_string(iterations_) +
         " results (patience " + std::to_string(o_.patience) + ")";
}

Decision MaxIterationsStopper::on_result(const TrialSnapshot& trial, const Json&) {
  const int64_t n = ++count_[trial.id];
  if (n < max_iter_) return Decision::keep_going();
  return Decision::complete("max_iterations completed trial " + std::to_string(trial.id) + ": " + std::to_string(n) +
                            " results reached max_iter " + std::to_string(max_iter_),
                        {{"results", n}, {"max_iter", max_iter_}});
}

Decision MetricThresholdStopper::on_result(const TrialSnapshot& trial, const Json& result) {
  const MetricRead v = read_metric(result, metric_);
  if (!v.ok() || (maximize_ ? v.value < threshold_ : v.value > threshold_)) return Decision::keep_going();
  return Decision::complete("metric threshold completed trial " + std::to_string(trial.id) + ": " + metric_ + " " +
                            fmt_num(v.value) + cmp_text(maximize_) + fmt_num(threshold_),
                        {{"metric", metric_}, {"value", v.value}, {"threshold", threshold_}});
}

Decision TrialTimeoutStopper::on_result(const TrialSnapshot& trial, const Json& result) {
  const MetricRead t = read_metric(result, "time_total_s");
  const double time = t.ok() ? t.value : trial.time_total_s;
  if (time < timeout_s_) return Decision::keep_going();
  return Decision::stop("trial timeout stopped trial " + std::to_string(trial.id) + ": time_total_s " +
                            fmt_num(time) + " >= " + fmt_num(timeout_s_) + " s",
                        {{"time_total_s", time}, {"timeout_s", timeout_s_}});
}

TimeoutStopper::TimeoutStopper(double timeout_s, std::function<double()> now_s)
    : timeout_s_(timeout_s), now_s_(std::move(now_s)), start_s_(now_s_()) {}

std::optional<std::string> TimeoutStopper::stop_study() {
  const double elapsed = now_s_() - start_s_;
  if (elapsed < timeout_s_) return std::nullopt;
  return "timeout: " + fmt_num(elapsed) + " s elapsed in this session (timeout_s " + fmt_num(timeout_s_) + ")";
}

Decision CombinedStopper::on_result(const TrialSnapshot& trial, const Json& result) {
  std::vector<Decision> stops;
  for (auto& c : children_) {
    Decision d = c->on_result(trial, result);
    if (d.action == Decision::Action::Stop) stops.push_back(std::move(d));
  }
  if (stops.empty() || (all_ && stops.size() < children_.size())) return Decision::keep_going();
  // The trial reached its planned end when a stopper that fired says so (max_iterations, a threshold).
  const auto reached = std::find_if(stops.begin(), stops.end(), [](const Decision& d) { return d.reached_end; });
  if (!all_ || stops.size() == 1) return std::move(reached != stops.end() ? *reached : stops.front());
  std::string why;
  Json details = Json::array();
  for (auto& d : stops) {
    why += (why.empty() ? "all stoppers agree: " : "; ") + d.reason;
    details.push_back(d.details);
  }
  return reached != stops.end() ? Decision::complete(why, {{"all", details}}) : Decision::stop(why, {{"all", details}});
}

void CombinedStopper::on_complete(const TrialSnapshot& trial) {
  for (auto& c : children_) c->on_complete(trial);
}

std::optional<std::string> CombinedStopper::stop_study() {
  std::string why;
  size_t n = 0;
  for (auto& c : children_) {
    if (auto r = c->stop_study()) {
      if (!all_) return r;
      why += (why.empty() ? "all stoppers agree: " : "; ") + *r;
      ++n;
    }
  }
  if (all_ && n == children_.size() && n > 0) return why;
  return std::nullopt;
}

const std::vector<ComponentDef>& stopper_defs() {
  static const std::vector<ComponentDef> defs = {
      {"trial_plateau",
       "Stops a trial when the std of its last num_results values is below std (Ray's TrialPlateauStopper).",
       {metric_option(),
        {"std", OptionKind::Float, 0.01, 0.0, {}, {}, "the std below which the metric counts as flat"},
        {"num_results", OptionKind::Int, 4, 1, {}, {}, "how many of the last results the std is taken over"},
        {"grace_period", OptionKind::Int, 4, 0, {}, {}, "results a trial reports before it can be stopped"},
        {"metric_threshold", OptionKind::Float, nullptr, {}, {}, {},
         "stop only when the latest value is at least this good"},
        mode_option()}},
      {"experiment_plateau",
       "Stops the study when the top values over all trials stop improving (Ray's ExperimentPlateauStopper).",
       {metric_option(),
        {"std", OptionKind::Float, 0.001, 0.0, {}, {}, "the std of the top values below which they count as flat"},
        {"top", OptionKind::Int, 10, 1, {}, {}, "how many of the best values are watched"},
        mode_option(),
        {"patience", OptionKind::Int, 0, 0, {}, {}, "further results the plateau must last before the study stops"}}},
      {"max_iterations",
       "Stops a trial after it has reported max_iter results (Ray's MaximumIterationStopper).",
       {{"max_iter", OptionKind::Int, nullptr, 1, {}, {}, "results per trial (required)"}}},
      {"metric_threshold",
       "Stops a trial when a metric reaches a threshold.",
       {metric_option(), {"threshold", OptionKind::Float, nullptr, {}, {}, {}, "the threshold (required)"},
        mode_option()}},
      {"trial_timeout",
       "Stops a trial when its time_total_s reaches timeout_s.",
       {{"timeout_s", OptionKind::Float, nullptr, 1e-9, {}, {}, "seconds of running time per trial (required)"}}},
      {"timeout",
       "Stops the study timeout_s seconds (wall clock) after the session started (Ray's TimeoutStopper).",
       {{"timeout_s", OptionKind::Float, nullptr, 1e-9, {}, {}, "seconds (required)"}}},
      {"combined",
       "Fires when any stopper of its list fires (Ray's CombinedStopper; the top-level list already works so).",
       {{"stoppers", OptionKind::Any, nullptr, {}, {}, {}, "a list of stoppers (required)"}}},
      {"all",
       "Fires when every stopper of its list fires on the same result (a study stops when all say so).",
       {{"stoppers", OptionKind::Any, nullptr, {}, {}, {}, "a list of stoppers (required)"}}},
  };
  return defs;
}

Result<Json> validate_stoppers(const Json& list, const std::string& path) {
  if (list.is_null()) return Json::array();
  if (!list.is_array()) return Error{path, "must be an array of stoppers like [{\"type\": \"trial_plateau\"}]"};
  Errors errors;
  Json out = Json::array();
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string where = path + "[" + std::to_string(i) + "]";
    const Json& e = list[i];
    if (!e.is_object() || !e.contains("type") || !e["type"].is_string()) {
      errors.push_back({where, "must be an object with a \"type\""});
      continue;
    }
    const ComponentDef* def = find_component(stopper_defs(), e["type"].get<std::string>());
    if (!def) {
      std::string names;
      for (const auto& d : stopper_defs()) names += (names.empty() ? "" : ", ") + d.type;
      errors.push_back({where + ".type", "unknown stopper " + dump_compact(e["type"]) + " (available: " + names + ")"});
      continue;
    }
    auto v = validate_options(e, *def, where);
    if (!v) {
      for (const auto& x : v.errors()) errors.push_back(x);
      continue;
    }
    Json entry = *v;
    for (const char* required : {"max_iter", "threshold", "timeout_s", "stoppers"}) {
      bool declared = false;
      for (const auto& o : def->options) declared = declared || o.name == required;
      if (declared && !entry.contains(required)) errors.push_back({where + "." + required, "missing (required)"});
    }
    if (entry.contains("stoppers")) {
      auto nested = validate_stoppers(entry["stoppers"], where + ".stoppers");
      if (!nested) {
        for (const auto& x : nested.errors()) errors.push_back(x);
      } else if (nested->empty()) {
        errors.push_back({where + ".stoppers", "must list at least one stopper"});
      } else {
        entry["stoppers"] = *nested;
      }
    }
    out.push_back(std::move(entry));
  }
  if (!errors.empty()) return errors;
  return out;
}

namespace {

double steady_now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Builds a validated entry.
std::unique_ptr<Stopper> build(const Json& o, const ScheduleContext& ctx, const std::function<double()>& now_s) {
  const std::string type = o["type"].get<std::string>();
  const std::string metric = o.value("metric", ctx.metric);
  const bool maximize = o.contains("mode") ? o["mode"] == "max" : (metric == ctx.metric ? ctx.maximize : true);
  if (type == "trial_plateau") {
    TrialPlateauStopper::Options t{metric, o["std"].get<double>(), o["num_results"].get<int64_t>(),
                                   o["grace_period"].get<int64_t>(), std::nullopt, maximize};
    if (o.contains("metric_threshold")) t.metric_threshold = o["metric_threshold"].get<double>();
    return std::make_unique<TrialPlateauStopper>(t);
  }
  if (type == "experiment_plateau") {
    return std::make_unique<ExperimentPlateauStopper>(ExperimentPlateauStopper::Options{
        metric, o["std"].get<double>(), o["top"].get<int64_t>(), maximize, o["patience"].get<int64_t>()});
  }
  if (type == "max_iterations") return std::make_unique<MaxIterationsStopper>(o["max_iter"].get<int64_t>());
  if (type == "metric_threshold") {
    return std::make_unique<MetricThresholdStopper>(metric, o["threshold"].get<double>(), maximize);
  }
  if (type == "trial_timeout") return std::make_unique<TrialTimeoutStopper>(o["timeout_s"].get<double>());
  if (type == "timeout") return std::make_unique<TimeoutStopper>(o["timeout_s"].get<double>(), now_s);
  std::vector<std::unique_ptr<Stopper>> children;
  for (const auto& child : o["stoppers"]) children.push_back(build(child, ctx, now_s));
  return std::make_unique<CombinedStopper>(std::move(children), type == "all");
}

}  // namespace

Result<std::unique_ptr<Stopper>> make_stopper(const Json& options, const ScheduleContext& ctx) {
  auto list = validate_stoppers(Json::array({options}));
  if (!list) return list.errors();
  return build((*list)[0], ctx, steady_now_s);
}

Result<std::unique_ptr<Stopper>> make_stopper_list(const Json& list, const ScheduleContext& ctx,
                                                   std::function<double()> now_s) {
  auto valid = validate_stoppers(list);
  if (!valid) return valid.errors();
  if (!now_s) now_s = steady_now_s;
  std::vector<std::unique_ptr<Stopper>> children;
  for (const auto& entry : *valid) children.push_back(build(entry, ctx, now_s));
  return std::unique_ptr<Stopper>(std::make_unique<CombinedStopper>(std::move(children), false));
}

}  // namespace tunelab
