#include "core/analysis/summary.h"

#include "core/util/pareto.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <unordered_map>

namespace tunelab {

Result<StudySummary> summarize(const Store& store) {
  StudySummary s;
  auto study = store.load_study();
  if (!study) return study.errors();
  s.study = std::move(*study);
  auto spec = parse_spec(s.study.spec, s.study.base_dir);
  if (spec) {
    s.objective = spec->objective;
    s.objectives = spec->objectives;
    if (auto searcher = make_searcher(search_context(*spec))) s.total_trials = (*searcher)->total_trials();
  } else if (s.study.spec.contains("objective") && s.study.spec["objective"].is_object()) {
    // An old or hand-edited spec: still show what can be shown.
    const Json& o = s.study.spec["objective"];
    s.objective.metric = member_or<std::string>(o, "metric", "");
    s.objective.maximize = member_or<std::string>(o, "mode", "max") != "min";
  }
  auto trials = store.load_trials();
  if (!trials) return trials.errors();
  auto decisions = store.load_decisions();
  if (!decisions) return decisions.errors();
  s.decisions = std::move(*decisions);
  std::map<int64_t, size_t> index;
  for (auto& t : *trials) {
    index[t.id] = s.trials.size();
    s.trials.push_back({std::move(t), 0, nullptr, nullptr, std::nullopt, std::nullopt});
  }
  // The results are streamed, never held: per trial only the iterations of its last and best results are kept,
  // and those two rows are read back whole at the end (a study of millions of results fits in a few MB).
  std::vector<int64_t> last_iteration(s.trials.size(), 0), best_iteration(s.trials.size(), 0);
  std::optional<double> best_overall, first_value;
  double first_ts = 0;
  auto index_it = index.end();
  Status scanned = store.scan_results(s.objective.metric, [&](const Store::ResultScan& r) {
    if (index_it == index.end() || index_it->first != r.trial_id) index_it = index.find(r.trial_id);
    if (index_it == index.end()) return true;
    const size_t i = index_it->second;
    TrialSummary& t = s.trials[i];
    ++t.iterations;
    last_iteration[i] = r.iteration;
    if (r.value && std::isfinite(*r.value)) {
      const double v = *r.value;
      if (!first_value || r.ts < first_ts) first_value = v, first_ts = r.ts;
      if (!t.best_value || s.objective.better(v, *t.best_value)) {
        t.best_value = v;
        best_iteration[i] = r.iteration;
      }
      if (!best_overall || s.objective.better(v, *best_overall)) {
        best_overall = v;
        s.best_trial = t.rec.id;
      }
    }
    return true;
  });
  if (!scanned) return scanned.errors();
  for (size_t i = 0; i < s.trials.size(); ++i) {
    TrialSummary& t = s.trials[i];
    if (t.iterations == 0) continue;
    auto last = store.load_result_metrics(t.rec.id, last_iteration[i]);
    if (!last) return last.errors();
    t.last = std::move(*last);
    if (!t.best_value) continue;
    if (best_iteration[i] == last_iteration[i]) {
      t.best = t.last;
    } else {
      auto best = store.load_result_metrics(t.rec.id, best_iteration[i]);
      if (!best) return best.errors();
      t.best = std::move(*best);
    }
  }
  auto usage = store.load_trial_gpu();
  if (!usage) return usage.errors();
  for (const auto& u : *usage) {
    if (auto it = index.find(u.trial_id); it != index.end()) s.trials[it->second].gpu = u;
  }
  if (!usage->empty()) s.energy = gpu::energy_report(*usage, first_value, best_overall, gpu::grid_intensity_from_env());
  if (s.objectives.size() > 1) {
    s.pareto_front = pareto_optimal_trials(s.objectives, s.trials);
    std::set<int64_t> front(s.pareto_front.begin(), s.pareto_front.end());
    for (auto& t : s.trials) t.pareto_optimal = front.count(t.rec.id) > 0;
  }
  return s;
}

void set_grid_intensity(StudySummary& s, double g_per_kwh) {
  if (!s.energy) return;
  std::vector<TrialGpuRecord> usage;
  for (const auto& t : s.trials) {
    if (t.gpu) usage.push_back(*t.gpu);
  }
  std::optional<double> first, best;
  if (s.energy->improvement) {
    // Keep the improvement found by summarize(): only the intensity changes.
    first = 0;
    best = *s.energy->improvement;
  }
  s.energy = gpu::energy_report(usage, first, best, g_per_kwh);
}

std::vector<int64_t> pareto_optimal_trials(const std::vector<Objective>& objectives, const std::vector<TrialSummary>& trials) {
  std::vector<std::pair<int64_t, const Json*>> last;
  for (const auto& t : trials) last.emplace_back(t.rec.id, &t.last);
  return pareto_optimal_ids(objectives, last);
}

std::vector<int64_t> pareto_optimal_ids(const std::vector<Objective>& objectives,
                                        const std::vector<std::pair<int64_t, const Json*>>& last_results) {
  std::vector<std::vector<double>> points;
  std::vector<int64_t> ids;
  std::vector<Sense> senses;
  for (const auto& o : objectives) senses.push_back(o.maximize ? Sense::Maximize : Sense::Minimize);
  for (const auto& [id, last] : last_results) {
    if (!last || !last->is_object()) continue;
    std::vector<double> p;
    for (const auto& o : objectives) {
      auto it = last->find(o.metric);
      if (it == last->end() || !it->is_number() || !std::isfinite(it->get<double>())) break;
      p.push_back(it->get<double>());
    }
    if (p.size() != objectives.size()) continue;
    points.push_back(std::move(p));
    ids.push_back(id);
  }
  std::vector<int64_t> out;
  for (size_t i : pareto_front(points, senses)) out.push_back(ids[i]);
  std::sort(out.begin(), out.end());
  return out;
}

Json show_json(const StudySummary& s) {
  Json j;
  j["study"] = {{"name", s.study.name},
                {"status", s.study.status},
                {"objective", {{"metric", s.objective.metric}, {"mode", s.objective.maximize ? "max" : "min"}}},
                {"created_at", s.study.created_at},
                {"elapsed_s", s.study.elapsed_s},
                {"trials_dir", s.study.trials_dir},
                {"total_trials", s.total_trials},
                {"spec", s.study.spec}};
  j["best_trial"] = s.best_trial ? Json(*s.best_trial) : Json();
  Json counts = Json::object();
  for (auto st : {TrialStatus::Pending, TrialStatus::Running, TrialStatus::Paused, TrialStatus::Completed,
                  TrialStatus::Stopped, TrialStatus::Error}) {
    counts[to_string(st)] = 0;
  }
  j["trials"] = Json::array();
  for (const auto& t : s.trials) {
    counts[to_string(t.rec.status)] = counts[to_string(t.rec.status)].get<int64_t>() + 1;
    Json tj = {{"id", t.rec.id},
               {"status", to_string(t.rec.status)},
               {"config", t.rec.config},
               {"iterations", t.iterations},
               {"last", t.last},
               {"best", t.best},
               {"attempts", t.rec.attempts},
               {"runtime_s", t.rec.runtime_s},
               {"trial_dir", t.rec.trial_dir}};
    if (!t.rec.error.empty()) tj["error"] = t.rec.error;
    if (s.objectives.size() > 1) tj["pareto_optimal"] = t.pareto_optimal;
    if (t.gpu) {
      tj["gpu"] = {{"gpus", t.gpu->gpus}, {"fraction", t.gpu->fraction}, {"memory_gb", t.gpu->memory_gb},
                   {"gpu_seconds", t.gpu->gpu_seconds}, {"peak_memory_mb", t.gpu->peak_memory_mb},
                   {"energy_j", t.gpu->energy_j}};
    }
    if (t.rec.parent_id) tj["parent_id"] = *t.rec.parent_id;
    if (t.rec.generation) tj["generation"] = t.rec.generation;
    if (t.rec.origin != "search") tj["origin"] = t.rec.origin;
    if (t.rec.ignored_reports) tj["ignored_reports"] = t.rec.ignored_reports;
    j["trials"].push_back(std::move(tj));
  }
  j["counts"] = counts;
  j["decisions"] = Json::array();
  for (const auto& d : s.decisions) {
    j["decisions"].push_back({{"trial_id", d.trial_id}, {"ts", d.ts}, {"source", d.source}, {"action", d.action},
                              {"reason", d.reason}, {"details", d.details}});
  }
  if (s.energy) j["energy"] = gpu::to_json(*s.energy);
  if (s.objectives.size() > 1) {
    j["objectives"] = Json::array();
    for (const auto& o : s.objectives) j["objectives"].push_back({{"metric", o.metric}, {"mode", o.maximize ? "max" : "min"}});
    j["pareto_front"] = s.pareto_front;
  }
  return j;
}

namespace {

// Appends the leaves of `j` under `prefix` to `out`. A key that comes again (a literal "a.b" and a nested a: {b})
// keeps its first place and takes the last value; `at` finds it without a search through `out`.
void flatten_into(const Json& j, const std::string& prefix, Json::object_t& out,
                  std::unordered_map<std::string, size_t>& at, std::vector<std::string>* collided) {
  for (const auto& [k, v] : j.items()) {
    std::string key = prefix.empty() ? k : prefix + "." + k;
    if (v.is_object() && !v.empty()) {
      flatten_into(v, key, out, at, collided);
    } else if (auto [it, fresh] = at.try_emplace(key, out.size()); !fresh) {
      if (collided) collided->push_back(key);
      std::next(out.begin(), static_cast<std::ptrdiff_t>(it->second))->second = v;
    } else {
      out.emplace_back(std::move(key), v);  // the member vector's own emplace_back: no search
    }
  }
}

}  // namespace

Json flatten_json(const Json& j, const std::string& prefix, std::vector<std::string>* collided) {
  Json out = Json::object();
  if (!j.is_object()) {
    if (!prefix.empty()) out[prefix] = j;
    return out;
  }
  std::unordered_map<std::string, size_t> at;
  flatten_into(j, prefix, out.get_ref<Json::object_t&>(), at, collided);
  return out;
}

namespace {

// Column order: first appearance across rows.
void add_columns(std::vector<std::string>& cols, std::set<std::string>& seen, const Json& flat,
                 const std::string& prefix) {
  for (const auto& [k, v] : flat.items()) {
    if (seen.insert(prefix + k).second) cols.push_back(prefix + k);
  }
}

// Where each column's value goes in a row: column name (without `strip` leading characters) -> position.
std::unordered_map<std::string, size_t> column_index(const std::vector<std::string>& cols, size_t strip = 0) {
  std::unordered_map<std::string, size_t> at;
  at.reserve(cols.size());
  for (size_t i = 0; i < cols.size(); ++i) at.emplace(cols[i].substr(strip), i);
  return at;
}

// The cells of one flattened row in column order, null where the row has no value: one pass over the row's
// members (looking each column up in the row would cost columns x members).
std::vector<Json> cells(const Json& flat, const std::unordered_map<std::string, size_t>& at, size_t ncols) {
  std::vector<Json> out(ncols);
  for (const auto& [k, v] : flat.items()) {
    if (auto it = at.find(k); it != at.end()) out[it->second] = v;
  }
  return out;
}

// A metric named like a fixed column ("status", "trial_id"), or starting with "config." (a metric "config.x", or a
// nested {"config": {"x": ...}}), would pass for that column or for a config value: it becomes "metric.<name>" in
// the header, with more "metric." prefixes while the name is taken. Each renaming is noted.
std::vector<std::string> rename_clashes(const std::vector<std::string>& metrics, const std::set<std::string>& fixed,
                                        std::vector<std::string>& notes) {
  std::set<std::string> taken(fixed.begin(), fixed.end());
  taken.insert(metrics.begin(), metrics.end());
  std::vector<std::string> out;
  for (const auto& m : metrics) {
    if (!fixed.count(m) && m.rfind("config.", 0) != 0) {
      out.push_back(m);
      continue;
    }
    std::string name = "metric." + m;
    while (taken.count(name)) name = "metric." + name;
    taken.insert(name);
    notes.push_back("the metric \"" + m + "\" is exported as \"" + name + "\" (its name is taken by " +
                    (fixed.count(m) ? "a fixed column" : "the config's columns") + ")");
    out.push_back(name);
  }
  return out;
}

// Notes for keys that flattened to one name in some rows ("a.b" from {"a": {"b": ..}} and from "a.b"): the first
// few names and rows, then how many more.
class CollisionNotes {
 public:
  explicit CollisionNotes(std::string what) : what_(std::move(what)) {}
  void add(int64_t trial_id, const std::vector<std::string>& keys) {
    for (const auto& k : keys) {
      if (seen_.insert(k).second && shown_.size() < 5) shown_.push_back("\"" + k + "\" (trial " + std::to_string(trial_id) + ")");
    }
    rows_ += keys.empty() ? 0 : 1;
  }
  void emit(std::vector<std::string>& notes) const {
    if (seen_.empty()) return;
    std::string list;
    for (const auto& s : shown_) list += (list.empty() ? "" : ", ") + s;
    if (seen_.size() > shown_.size()) list += " and " + std::to_string(seen_.size() - shown_.size()) + " more";
    notes.push_back(what_ + " keys given both nested and with a dot flatten to one column, which keeps the last value: " +
                    list + "; " + std::to_string(rows_) + " row(s) affected");
  }

 private:
  std::string what_;
  std::set<std::string> seen_;
  std::vector<std::string> shown_;
  size_t rows_ = 0;
};

}  // namespace

Table trials_table(const StudySummary& s) {
  Table t;
  t.columns = {"trial_id", "status", "iterations", "runtime_s"};
  std::vector<std::string> config_cols, metric_cols;
  std::set<std::string> seen_cfg, seen_metric;
  std::vector<std::pair<Json, Json>> flat;
  CollisionNotes config_collisions("config"), metric_collisions("metric");
  for (const auto& tr : s.trials) {
    std::vector<std::string> cfg_hit, metric_hit;
    flat.emplace_back(flatten_json(tr.rec.config, "", &cfg_hit), flatten_json(tr.last, "", &metric_hit));
    config_collisions.add(tr.rec.id, cfg_hit);
    metric_collisions.add(tr.rec.id, metric_hit);
    add_columns(config_cols, seen_cfg, flat.back().first, "config.");
    add_columns(metric_cols, seen_metric, flat.back().second, "");
  }
  config_collisions.emit(t.notes);
  metric_collisions.emit(t.notes);
  const std::string best_col = "best_" + s.objective.metric;
  std::set<std::string> fixed = {"trial_id", "status", "iterations", "runtime_s", best_col, "error"};
  if (s.energy) fixed.insert({"gpu_seconds", "gpu_peak_memory_mb", "energy_j", "co2_g"});
  if (s.objectives.size() > 1) fixed.insert("pareto_optimal");
  std::vector<std::string> metric_names = rename_clashes(metric_cols, fixed, t.notes);
  t.columns.insert(t.columns.end(), config_cols.begin(), config_cols.end());
  t.columns.insert(t.columns.end(), metric_names.begin(), metric_names.end());
  t.columns.push_back(best_col);
  t.columns.push_back("error");
  if (s.energy) t.columns.insert(t.columns.end(), {"gpu_seconds", "gpu_peak_memory_mb", "energy_j"});
  const bool co2 = s.energy && s.energy->grid_g_per_kwh;
  if (co2) t.columns.push_back("co2_g");
  const bool multi = s.objectives.size() > 1;
  if (multi) t.columns.push_back("pareto_optimal");
  const auto config_at = column_index(config_cols, 7), metric_at = column_index(metric_cols);
  for (size_t i = 0; i < s.trials.size(); ++i) {
    const auto& tr = s.trials[i];
    std::vector<Json> row = {tr.rec.id, to_string(tr.rec.status), tr.iterations, tr.rec.runtime_s};
    for (auto& v : cells(flat[i].first, config_at, config_cols.size())) row.push_back(std::move(v));
    for (auto& v : cells(flat[i].second, metric_at, metric_cols.size())) row.push_back(std::move(v));
    row.push_back(tr.best_value ? Json(*tr.best_value) : Json());
    row.push_back(tr.rec.error.empty() ? Json() : Json(tr.rec.error));
    if (s.energy) {
      row.push_back(tr.gpu ? Json(tr.gpu->gpu_seconds) : Json());
      row.push_back(tr.gpu ? Json(tr.gpu->peak_memory_mb) : Json());
      row.push_back(tr.gpu ? Json(tr.gpu->energy_j) : Json());
    }
    if (co2) row.push_back(tr.gpu ? Json(tr.gpu->energy_j / 3.6e6 * *s.energy->grid_g_per_kwh) : Json());
    if (multi) row.push_back(tr.pareto_optimal);
    t.rows.push_back(std::move(row));
  }
  return t;
}

Status stream_results_table(const Store& store, const StudySummary& s, bool with_attempts, TableSink& sink,
                            std::vector<std::string>& notes) {
  std::map<int64_t, Json> configs;
  CollisionNotes config_collisions("config"), metric_collisions("metric");
  for (const auto& tr : s.trials) {
    std::vector<std::string> hit;
    configs[tr.rec.id] = flatten_json(tr.rec.config, "", &hit);
    config_collisions.add(tr.rec.id, hit);
  }
  std::vector<std::string> columns = {"trial_id", "iteration", "time_total_s", "ts"};
  if (with_attempts) columns.insert(columns.begin() + 2, {"attempt", "superseded"});
  const std::set<std::string> fixed(columns.begin(), columns.end());
  std::vector<std::string> config_cols, metric_cols;
  std::set<std::string> seen_cfg, seen_metric = {"training_iteration", "time_total_s"};
  for (const auto& [id, c] : configs) add_columns(config_cols, seen_cfg, c, "config.");
  // First pass: the metric columns (and their collisions); no result is kept.
  Status scanned = store.scan_result_records(with_attempts, [&](ResultRecord&& r) {
    std::vector<std::string> hit;
    add_columns(metric_cols, seen_metric, flatten_json(r.metrics, "", &hit), "");
    metric_collisions.add(r.trial_id, hit);
    return true;
  });
  if (!scanned) return scanned;
  config_collisions.emit(notes);
  metric_collisions.emit(notes);
  columns.insert(columns.end(), config_cols.begin(), config_cols.end());
  const auto metric_names = rename_clashes(metric_cols, fixed, notes);
  columns.insert(columns.end(), metric_names.begin(), metric_names.end());
  const auto config_at = column_index(config_cols, 7), metric_at = column_index(metric_cols);
  std::map<int64_t, std::vector<Json>> config_cells;
  for (const auto& [id, c] : configs) config_cells[id] = cells(c, config_at, config_cols.size());
  sink.begin(columns);
  // Second pass: the rows. A metric first met here (a result stored since the first pass) has no column.
  return store.scan_result_records(with_attempts, [&](ResultRecord&& r) {
    std::vector<Json> row = {r.trial_id, r.iteration, r.time_total_s, r.ts};
    if (with_attempts) row.insert(row.begin() + 2, {r.attempt > 0 ? Json(r.attempt) : Json(), r.superseded});
    const auto cfg = config_cells.find(r.trial_id);
    if (cfg != config_cells.end()) row.insert(row.end(), cfg->second.begin(), cfg->second.end());
    else row.resize(row.size() + config_cols.size());
    for (auto& v : cells(flatten_json(r.metrics), metric_at, metric_cols.size())) row.push_back(std::move(v));
    sink.row(std::move(row));
    return true;
  });
}

Result<Table> results_table(const Store& store, const StudySummary& s, bool with_attempts) {
  struct Collect final : TableSink {
    Table& t;
    explicit Collect(Table& table) : t(table) {}
    void begin(const std::vector<std::string>& columns) override { t.columns = columns; }
    void row(std::vector<Json> cells) override { t.rows.push_back(std::move(cells)); }
  };
  Table t;
  Collect collect(t);
  if (Status read = stream_results_table(store, s, with_attempts, collect, t.notes); !read) return read.errors();
  return t;
}

}  // namespace tunelab
