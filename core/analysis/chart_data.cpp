#include "core/analysis/chart_data.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

namespace tunelab {

namespace {

std::optional<SearchSpace> space_of(const StudySummary& s) {
  if (!s.study.spec.contains("space")) return std::nullopt;
  auto space = parse_space(s.study.spec["space"]);
  if (!space) return std::nullopt;
  return std::move(*space);
}

// Metric names that trials report as numbers, in first-seen order, with the bookkeeping ones last.
std::vector<std::string> metric_names(const StudySummary& s) {
  static const std::set<std::string> bookkeeping = {"training_iteration", "time_total_s", "time_this_iter_s",
                                                    "timestamp", "_done"};
  std::vector<std::string> names, tail;
  std::set<std::string> seen;
  for (const auto& t : s.trials) {
    for (const Json* r : {&t.last, &t.best}) {
      if (!r->is_object()) continue;
      for (auto it = r->begin(); it != r->end(); ++it) {
        if (!it.value().is_number() || !seen.insert(it.key()).second) continue;
        (bookkeeping.count(it.key()) ? tail : names).push_back(it.key());
      }
    }
  }
  if (!s.objective.metric.empty() && !seen.count(s.objective.metric)) names.insert(names.begin(), s.objective.metric);
  names.insert(names.end(), tail.begin(), tail.end());
  return names;
}

const Json* config_value(const Json& config, const std::string& dotted) {
  const Json* cur = &config;
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    const std::string key = dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur->is_object() || !cur->contains(key)) return nullptr;
    cur = &(*cur)[key];
    if (dot == std::string::npos) return cur;
    start = dot + 1;
  }
}

}  // namespace

std::vector<ChartColumn> chart_columns(const StudySummary& s) {
  std::vector<ChartColumn> out;
  if (auto space = space_of(s)) {
    for (const Parameter& p : space->params()) {
      if (p.type == ParamType::Const) continue;
      bool numeric = p.type == ParamType::Float || p.type == ParamType::Int || p.type == ParamType::Normal;
      if (!numeric) numeric = std::all_of(p.values.begin(), p.values.end(), [](const Json& v) { return v.is_number(); });
      out.push_back({p.name, true, p.log, numeric});
    }
  }
  for (auto& m : metric_names(s)) out.push_back({m, false, false, true});
  return out;
}

std::optional<ChartColumn> find_column(const StudySummary& s, const std::string& name) {
  for (auto& c : chart_columns(s)) {
    if (c.name == name) return c;
  }
  return std::nullopt;
}

std::optional<double> column_value(const StudySummary& s, const TrialSummary& t, const ChartColumn& column) {
  if (column.is_param) {
    const Json* v = config_value(t.rec.config, column.name);
    if (!v) return std::nullopt;
    if (v->is_number()) return v->get<double>();
    if (v->is_boolean()) return v->get<bool>() ? 1.0 : 0.0;
    // A choice that is not a number: its index among the declared values.
    if (auto space = space_of(s)) {
      if (const Parameter* p = space->find(column.name)) {
        for (size_t i = 0; i < p->values.size(); ++i) {
          if (p->values[i] == *v) return static_cast<double>(i);
        }
      }
    }
    return std::nullopt;
  }
  const Json& r = column.name == s.objective.metric && t.best.is_object() ? t.best : t.last;
  if (!r.is_object() || !r.contains(column.name) || !r[column.name].is_number()) return std::nullopt;
  const double v = r[column.name].get<double>();
  return std::isfinite(v) ? std::optional(v) : std::nullopt;
}

Result<ScatterData> scatter_data(const StudySummary& s, const std::string& x, const std::string& y,
                                 const std::string& color) {
  auto cx = find_column(s, x), cy = find_column(s, y);
  if (x.empty()) return Error{"x", "the study has no parameter that varies to put on x; give --x with a metric"};
  if (!cx) return Error{"x", "no parameter or metric named \"" + x + "\""};
  if (!cy) return Error{"y", "no parameter or metric named \"" + y + "\""};
  ScatterData d{*cx, *cy, std::nullopt, {}, {}, {}, {}};
  if (!color.empty()) {
    d.color = find_column(s, color);
    if (!d.color) return Error{"color", "no parameter or metric named \"" + color + "\""};
  }
  for (const auto& t : s.trials) {
    auto vx = column_value(s, t, *cx), vy = column_value(s, t, *cy);
    if (!vx || !vy) continue;
    if (cx->log && *vx <= 0) continue;
    std::optional<double> vc;
    if (d.color) {
      vc = column_value(s, t, *d.color);
      if (!vc) continue;
      d.colors.push_back(*vc);
    }
    d.trial_ids.push_back(t.rec.id);
    d.xs.push_back(*vx);
    d.ys.push_back(*vy);
  }
  return d;
}

Result<ParetoData> pareto_data(const StudySummary& s, const std::string& x, Sense x_sense, const std::string& y,
                               Sense y_sense) {
  auto sc = scatter_data(s, x, y);
  if (!sc) return sc.errors();
  ParetoData d{sc->x, sc->y, x_sense, y_sense, std::move(sc->trial_ids), std::move(sc->xs), std::move(sc->ys), {}, {}};
  std::vector<std::vector<double>> points;
  points.reserve(d.xs.size());
  for (size_t i = 0; i < d.xs.size(); ++i) points.push_back({d.xs[i], d.ys[i]});
  d.front = pareto_front(points, {x_sense, y_sense});
  d.on_front.assign(d.xs.size(), false);
  for (size_t i : d.front) d.on_front[i] = true;
  std::stable_sort(d.front.begin(), d.front.end(), [&](size_t a, size_t b) { return d.xs[a] < d.xs[b]; });
  return d;
}

HistoryData history_data(const StudySummary& s, bool by_time) {
  HistoryData h;
  h.by_time = by_time;
  std::vector<const TrialSummary*> order;
  for (const auto& t : s.trials) {
    if (t.best_value) order.push_back(&t);
  }
  auto key = [&](const TrialSummary* t) {
    return by_time ? t->rec.ended_at.value_or(t->rec.started_at.value_or(t->rec.created_at))
                   : static_cast<double>(t->rec.id);
  };
  std::stable_sort(order.begin(), order.end(), [&](auto* a, auto* b) { return key(a) < key(b); });
  std::optional<double> best;
  for (size_t i = 0; i < order.size(); ++i) {
    const TrialSummary& t = *order[i];
    const double v = *t.best_value;
    if (!best || s.objective.better(v, *best)) best = v;
    h.trial_ids.push_back(t.rec.id);
    h.xs.push_back(by_time ? key(&t) - s.study.created_at : static_cast<double>(i + 1));
    h.values.push_back(v);
    h.best.push_back(*best);
  }
  return h;
}

Result<std::vector<CurveData>> curve_data(const Store& store, const StudySummary& s, const std::string& metric,
                                          bool by_time) {
  auto results = store.load_results();
  if (!results) return results.errors();
  std::map<int64_t, size_t> index;
  std::vector<CurveData> out;
  for (const auto& t : s.trials) {
    index[t.rec.id] = out.size();
    out.push_back({t.rec.id, t.rec.status, {}, {}});
  }
  for (const auto& r : *results) {
    auto it = index.find(r.trial_id);
    if (it == index.end() || !r.metrics.contains(metric) || !r.metrics[metric].is_number()) continue;
    const double v = r.metrics[metric].get<double>();
    if (!std::isfinite(v)) continue;
    CurveData& c = out[it->second];
    c.xs.push_back(by_time ? r.time_total_s : static_cast<double>(r.iteration));
    c.ys.push_back(v);
  }
  return out;
}

Result<std::vector<ParamImportance>> importance_data(const StudySummary& s) {
  auto space = space_of(s);
  if (!space) return Error{"space", "the study's search space cannot be read"};
  std::vector<Json> configs;
  std::vector<double> values;
  for (const auto& t : s.trials) {
    if (!t.best_value) continue;
    configs.push_back(t.rec.config);
    values.push_back(*t.best_value);
  }
  return param_importance(*space, configs, values);
}

std::vector<size_t> decimate_min_max(const std::vector<double>& xs, const std::vector<double>& ys, int buckets) {
  const size_t n = std::min(xs.size(), ys.size());
  std::vector<size_t> keep;
  if (buckets < 1 || n <= static_cast<size_t>(buckets) * 4) {
    keep.resize(n);
    for (size_t i = 0; i < n; ++i) keep[i] = i;
    return keep;
  }
  const double x0 = xs.front(), span = std::max(xs[n - 1] - x0, 1e-300);
  size_t i = 0;
  while (i < n) {
    const int b = std::min(buckets - 1, static_cast<int>((xs[i] - x0) / span * buckets));
    size_t j = i, lo = i, hi = i;
    while (j < n && std::min(buckets - 1, static_cast<int>((xs[j] - x0) / span * buckets)) == b) {
      if (ys[j] < ys[lo]) lo = j;
      if (ys[j] > ys[hi]) hi = j;
      ++j;
    }
    const size_t last = j - 1;
    for (size_t k : {i, std::min(lo, hi), std::max(lo, hi), last}) {
      if (keep.empty() || keep.back() < k) keep.push_back(k);
    }
    i = j;
  }
  return keep;
}

}  // namespace tunelab
