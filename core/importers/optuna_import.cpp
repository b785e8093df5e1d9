#include "core/importers/optuna_import.h"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "core/store/sqlite_util.h"
#include "core/study/spec.h"
#include "core/util/json_read.h"

namespace tunelab {
namespace fs = std::filesystem;

namespace {

struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close(db); }
};

std::string open_db(const std::string& file, Db& d) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return "no such file";
  if (sqlite3_open_v2(file.c_str(), &d.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    return std::string("cannot open it: ") + (d.db ? sqlite3_errmsg(d.db) : "out of memory");
  }
  sqlite3_busy_timeout(d.db, 5000);
  return {};
}

bool has_table(sqlite3* db, const char* name) {
  sql::Stmt st(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  st.bind(1, std::string(name));
  return st.step();
}

// Optuna 3.x writes schema_version 12 and alembic revisions v3.0.0.a to v3.0.0.d.
std::string check_schema(sqlite3* db) {
  for (const char* t : {"studies", "trials", "trial_params", "trial_values", "trial_intermediate_values",
                        "study_directions", "version_info"}) {
    if (!has_table(db, t)) return std::string("not an Optuna storage this version reads: no table \"") + t + "\"";
  }
  sql::Stmt v(db, "SELECT schema_version, library_version FROM version_info");
  std::string schema = "?", library = "?";
  if (v.step()) {
    schema = v.text(0);
    library = v.text(1);
  }
  std::string alembic = "none";
  if (has_table(db, "alembic_version")) {
    sql::Stmt a(db, "SELECT version_num FROM alembic_version");
    if (a.step()) alembic = a.text(0);
  }
  if (schema != "12" || alembic.rfind("v3.0.0.", 0) != 0) {
    return "Optuna storage schema version " + schema + " (alembic revision " + alembic + ", written by Optuna " +
           library + ") is not supported; this version reads schema 12 (alembic v3.0.0.a to v3.0.0.d, Optuna 3.x). "
           "Open it with that Optuna and run `optuna storage upgrade`, or export it from there";
  }
  return {};
}

// Optuna's naive datetimes ("2026-12-07 19:11:20.699970"), read as UTC.
std::optional<double> parse_time(const std::string& s) {
  std::tm tm{};
  double frac = 0;
  int sec = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &sec) != 6) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_sec = sec;
  if (auto dot = s.find('.'); dot != std::string::npos) frac = std::atof(s.substr(dot).c_str());
  return static_cast<double>(timegm(&tm)) + frac;
}

// Optuna's value types: FINITE, INF_POS, INF_NEG (and NAN for intermediate values).
std::optional<double> stored_value(const sql::Stmt& st, int value_col, int type_col) {
  const std::string type = st.text(type_col);
  if (type == "INF_POS") return HUGE_VAL;
  if (type == "INF_NEG") return -HUGE_VAL;
  if (type == "NAN") return std::nullopt;
  return st.opt_real(value_col);
}

// A distribution_json as a TuneLab parameter, and the stored value (a float; a categorical's index) as a value.
Json parameter_of(const Json& dist, std::string& why) {
  // Read as stored JSON that anyone may have edited: a member of the wrong type is an error, never an exception.
  const std::string name = member_or<std::string>(dist, "name", "");
  const Json a = dist.is_object() && dist.contains("attributes") && dist["attributes"].is_object() ? dist["attributes"] : Json::object();
  const bool numeric = name.find("Categorical") == std::string::npos;
  if (numeric && !(a.contains("low") && a["low"].is_number() && a.contains("high") && a["high"].is_number())) {
    why = "distribution \"" + name + "\" without numeric low and high";
    return Json();
  }
  if (name == "FloatDistribution" || name == "UniformDistribution" || name == "LogUniformDistribution" ||
      name == "DiscreteUniformDistribution") {
    Json p = {{"type", "float"}, {"low", a["low"].get<double>()}, {"high", a["high"].get<double>()}};
    if (member_or<bool>(a, "log", false) || name == "LogUniformDistribution") p["log"] = true;
    const Json step = a.contains("step") ? a["step"] : a.value("q", Json());
    if (step.is_number()) p["step"] = step;
    return p;
  }
  if (name == "IntDistribution" || name == "IntUniformDistribution" || name == "IntLogUniformDistribution") {
    Json p = {{"type", "int"}, {"low", std::llround(a["low"].get<double>())}, {"high", std::llround(a["high"].get<double>())}};
    if (member_or<bool>(a, "log", false) || name == "IntLogUniformDistribution") p["log"] = true;
    const int64_t step = a.contains("step") && a["step"].is_number() ? std::llround(a["step"].get<double>()) : 1;
    if (step != 1) p["step"] = step;
    return p;
  }
  if (name == "CategoricalDistribution") {
    if (!a.contains("choices") || !a["choices"].is_array()) {
      why = "CategoricalDistribution without a list of choices";
      return Json();
    }
    return {{"type", "choice"}, {"values", a["choices"]}};
  }
  why = "unknown distribution \"" + name + "\"";
  return Json();
}

Json value_of(const Json& param, double stored) {
  const std::string type = param.value("type", "");
  if (type == "choice") {
    const auto& values = param["values"];
    if (!(stored >= 0 && stored < static_cast<double>(values.size()))) return Json();  // NaN too
    return values[static_cast<size_t>(stored)];
  }
  if (type == "int") return static_cast<int64_t>(std::llround(stored));
  return stored;
}

// Low and high equal: Optuna allows it; TuneLab's float needs low < high, so it is a constant.
Json tunelab_parameter(const Json& p) {
  if (p.value("type", "") == "float" && !(p["low"].get<double>() < p["high"].get<double>())) {
    return {{"type", "const"}, {"value", p["low"]}};
  }
  if (p.value("type", "") == "float" && p.contains("step") &&
      p["step"].get<double>() > p["high"].get<double>() - p["low"].get<double>()) {
    Json q = p;
    q.erase("step");
    return q;
  }
  return p;
}

}  // namespace

std::string optuna_sqlite_path(const std::string& url) {
  if (url.rfind("sqlite:///", 0) == 0) return url.substr(10);
  return url;
}

bool looks_like_optuna_storage(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  char head[16] = {};
  if (!in.read(head, 16) || std::string(head, 15) != "SQLite format 3") return false;
  Db d;
  if (!open_db(file, d).empty()) return false;
  return has_table(d.db, "studies") && has_table(d.db, "trials") && !has_table(d.db, "study");
}

Result<std::vector<OptunaStudyInfo>> list_optuna_studies(const std::string& file) {
  Db d;
  if (auto err = open_db(file, d); !err.empty()) return Error{file, err};
  if (auto err = check_schema(d.db); !err.empty()) return Error{file, err};
  std::vector<OptunaStudyInfo> out;
  sql::Stmt st(d.db, "SELECT s.study_id, s.study_name, (SELECT COUNT(*) FROM trials t WHERE t.study_id = s.study_id) "
                     "FROM studies s ORDER BY s.study_id");
  while (st.step()) {
    OptunaStudyInfo info{st.text(1), st.int64(2), {}};
    sql::Stmt dirs(d.db, "SELECT direction FROM study_directions WHERE study_id = ? ORDER BY objective");
    dirs.bind(1, st.int64(0));
    while (dirs.step()) info.directions.push_back(dirs.text(0));
    out.push_back(std::move(info));
  }
  if (!st.error().empty()) return Error{file, st.error()};
  return out;
}

Result<ImportedStudy> read_optuna_study(const std::string& file_in, const ImportOptions& options) {
  std::error_code ec;
  const std::string file = fs::weakly_canonical(fs::absolute(optuna_sqlite_path(file_in), ec), ec).string();
  Db d;
  if (auto err = open_db(file, d); !err.empty()) return Error{file, err};
  if (auto err = check_schema(d.db); !err.empty()) return Error{file, err};
  auto studies = list_optuna_studies(file);
  if (!studies) return studies.errors();
  std::string name = options.study;
  if (name.empty()) {
    if (studies->size() != 1) {
      return Error{file, studies->empty() ? "holds no study" : "holds " + std::to_string(studies->size()) +
                                                                  " studies; choose one with --study NAME"};
    }
    name = studies->front().name;
  }
  sql::Stmt sid(d.db, "SELECT study_id FROM studies WHERE study_name = ?");
  sid.bind(1, name);
  if (!sid.step()) {
    std::string names;
    for (const auto& s : *studies) names += (names.empty() ? "" : ", ") + s.name;
    return Error{file, "has no study \"" + name + "\" (studies: " + names + ")"};
  }
  const int64_t study_id = sid.int64(0);

  ImportedStudy out;
  out.kind = "optuna";
  out.source = file;
  out.key_attr = "optuna.number";
  out.name = safe_study_name(name);
  out.origin_extra["study"] = name;

  std::vector<std::string> directions;
  {
    sql::Stmt st(d.db, "SELECT direction FROM study_directions WHERE study_id = ? ORDER BY objective");
    st.bind(1, study_id);
    while (st.step()) directions.push_back(st.text(0));
  }
  if (directions.empty()) directions.push_back("MINIMIZE");
  // Objective names: Optuna 3.2+ may keep them (study:metric_names); otherwise value, or value_0, value_1, ...
  std::vector<std::string> metrics;
  if (has_table(d.db, "study_system_attributes")) {
    sql::Stmt st(d.db, "SELECT value_json FROM study_system_attributes WHERE study_id = ? AND key = 'study:metric_names'");
    st.bind(1, study_id);
    if (st.step()) {
      auto r = read_json(st.text(0));
      if (r.ok() && r.value.is_array() && r.value.size() == directions.size()) {
        for (const auto& m : r.value) metrics.push_back(m.is_string() ? m.get<std::string>() : dump_compact(m));
      }
    }
  }
  if (metrics.empty()) {
    for (size_t i = 0; i < directions.size(); ++i) {
      metrics.push_back(directions.size() == 1 ? "value" : "value_" + std::to_string(i));
    }
  }

  struct Row {
    int64_t trial_id = 0, number = 0;
    std::string state;
    std::optional<double> start, complete;
  };
  std::vector<Row> rows;
  {
    sql::Stmt st(d.db, "SELECT trial_id, number, state, datetime_start, datetime_complete FROM trials "
                       "WHERE study_id = ? ORDER BY number");
    st.bind(1, study_id);
    while (st.step()) rows.push_back({st.int64(0), st.int64(1), st.text(2), parse_time(st.text(3)), parse_time(st.text(4))});
    if (!st.error().empty()) return Error{file, st.error()};
  }
  if (rows.empty()) return Error{file, "the study \"" + name + "\" is empty: it has no trials to import"};

  // Parameters (their distribution per trial), values, intermediate values, attributes.
  Json flat_space = Json::object();
  std::vector<Json> flat_configs;
  std::map<int64_t, Json> attrs;
  const auto read_attrs = [&](const char* table, const char* prefix, int64_t trial_id, Json& into) {
    if (!has_table(d.db, table)) return;
    const std::string q = std::string("SELECT key, value_json FROM ") + table + " WHERE trial_id = ? ORDER BY key";
    sql::Stmt st(d.db, q.c_str());
    st.bind(1, trial_id);
    while (st.step()) {
      auto r = read_json(st.text(1));
      into[std::string(prefix) + st.text(0)] = r.ok() ? r.value : Json(st.text(1));
    }
  };
  // The study's smallest step becomes iteration 1 (TuneLab counts iterations from 1).
  int64_t min_step = 1;
  {
    sql::Stmt st(d.db, "SELECT MIN(step) FROM trial_intermediate_values v JOIN trials t ON t.trial_id = v.trial_id "
                       "WHERE t.study_id = ?");
    st.bind(1, study_id);
    if (st.step() && st.opt_int64(0)) min_step = std::min<int64_t>(1, *st.opt_int64(0));
  }
  const int64_t step_offset = 1 - min_step;

  bool nsga2 = false, cmaes = false;
  int64_t infinite = 0;  // values Optuna stored as infinities: TuneLab stores none (as a trial's report)
  for (const auto& row : rows) {
    ImportedTrial t;
    t.key = std::to_string(row.number);
    t.attrs = Json::object();
    read_attrs("trial_user_attributes", "optuna.user.", row.trial_id, t.attrs);
    read_attrs("trial_system_attributes", "optuna.system.", row.trial_id, t.attrs);
    for (const auto& [k, v] : t.attrs.items()) {
      nsga2 = nsga2 || k.rfind("optuna.system.nsga2:", 0) == 0;
      cmaes = cmaes || k.rfind("optuna.system.cma:", 0) == 0;
    }
    t.attrs["optuna.state"] = row.state;
    Json flat = Json::object();
    {
      sql::Stmt st(d.db, "SELECT param_name, param_value, distribution_json FROM trial_params WHERE trial_id = ? ORDER BY param_id");
      st.bind(1, row.trial_id);
      while (st.step()) {
        const std::string pname = st.text(0);
        auto dj = read_json(st.text(2));
        std::string why;
        const Json p = dj.ok() ? parameter_of(dj.value, why) : Json();
        if (p.is_null()) {
          out.problems.push_back(file + ": trial " + t.key + ", parameter \"" + pname + "\": " +
                                 (why.empty() ? "distribution_json is not JSON" : why) + "; parameter left out");
          continue;
        }
        flat_space[pname] = p;  // the latest definition wins
        flat[pname] = value_of(p, st.real(1));
      }
    }
    // A WAITING trial (enqueued) has its parameters in system_attrs fixed_params only.
    if (flat.empty() && t.attrs.contains("optuna.system.fixed_params") && t.attrs["optuna.system.fixed_params"].is_object()) {
      for (const auto& [k, v] : t.attrs["optuna.system.fixed_params"].items()) flat[k] = v;
    }
    std::vector<std::optional<double>> values(directions.size());
    bool has_values = false;
    {
      sql::Stmt st(d.db, "SELECT objective, value, value_type FROM trial_values WHERE trial_id = ? ORDER BY objective");
      st.bind(1, row.trial_id);
      while (st.step()) {
        const auto k = static_cast<size_t>(st.int64(0));
        if (k < values.size()) values[k] = stored_value(st, 1, 2);
        has_values = true;
      }
    }
    {
      sql::Stmt st(d.db, "SELECT step, intermediate_value, intermediate_value_type FROM trial_intermediate_values "
                         "WHERE trial_id = ? ORDER BY step");
      st.bind(1, row.trial_id);
      while (st.step()) {
        ImportedResult r;
        r.iteration = st.int64(0) + step_offset;
        r.metrics = Json::object();
        const auto v = stored_value(st, 1, 2);
        if (v && std::isfinite(*v)) r.metrics[metrics[0]] = *v;
        if (v && std::isinf(*v)) ++infinite;
        r.metrics["step"] = st.int64(0);
        r.metrics["training_iteration"] = r.iteration;
        t.results.push_back(std::move(r));
      }
    }
    if (has_values) {
      ImportedResult r;
      r.iteration = t.results.empty() ? 1 : t.results.back().iteration + 1;
      r.metrics = Json::object();
      for (size_t k = 0; k < values.size(); ++k) {
        if (values[k] && std::isfinite(*values[k])) r.metrics[metrics[k]] = *values[k];
        if (values[k] && std::isinf(*values[k])) ++infinite;
      }
      r.metrics["training_iteration"] = r.iteration;
      t.results.push_back(std::move(r));
    }
    const double start = row.start.value_or(0);
    for (auto& r : t.results) {
      r.ts = row.complete.value_or(start);
      r.time_total_s = row.complete && row.start ? *row.complete - *row.start : 0;
      r.metrics["time_total_s"] = r.time_total_s;
    }
    t.created_at = start;
    t.started_at = row.start;
    t.ended_at = row.complete;
    t.runtime_s = row.complete && row.start ? *row.complete - *row.start : 0;
    if (row.state == "COMPLETE") {
      t.status = TrialStatus::Completed;
    } else if (row.state == "PRUNED") {
      t.status = TrialStatus::Stopped;
    } else if (row.state == "FAIL") {
      t.status = TrialStatus::Error;
      const Json reason = t.attrs.value("optuna.system.fail_reason", Json());
      t.error = reason.is_string() ? reason.get<std::string>()
                                   : "failed in Optuna (state FAIL; Optuna 3 stores no reason: an exception, or a "
                                     "value that was nan or missing)";
    } else if (row.state == "RUNNING") {
      // Running when read: it may still end in Optuna. Without parameters yet there is nothing to run again.
      t.status = flat.empty() ? TrialStatus::Stopped : TrialStatus::Paused;
    } else if (row.state == "WAITING") {
      t.status = TrialStatus::Pending;
    } else {
      out.problems.push_back(file + ": trial " + t.key + ": unknown state \"" + row.state + "\"; trial skipped");
      ++out.skipped_trials;
      continue;
    }
    if (!is_finished(t.status)) t.ended_at.reset();
    // Nested back from dotted names is not needed: Optuna's names are flat; a dot in a name would nest.
    Json config = Json::object();
    for (const auto& [k, v] : flat.items()) config[k] = v;
    flat_configs.push_back(flat);
    t.config = std::move(config);
    out.trials.push_back(std::move(t));
  }
  if (infinite) {
    out.problems.push_back(file + ": " + std::to_string(infinite) + " value(s) were infinite (INF_POS, INF_NEG); they are "
                           "stored as missing, as a trial's non-finite report is, and the rest of their trials is kept");
  }
  if (flat_space.empty()) return Error{file, "the study \"" + name + "\" has no parameters to import"};
  for (auto& [k, p] : flat_space.items()) p = tunelab_parameter(p);
  // Parameters absent from some trials (define-by-run) get conditions where the data shows one.
  std::vector<Json> with_params;
  for (const auto& c : flat_configs) {
    if (!c.empty()) with_params.push_back(c);
  }
  infer_conditions(flat_space, with_params);
  // Names with dots: TuneLab reads them as groups; keep the dotted name of the config the same way.
  Json objective;
  if (directions.size() == 1) {
    objective = {{"metric", metrics[0]}, {"mode", directions[0] == "MAXIMIZE" ? "max" : "min"}};
  } else {
    objective = Json::array();
    for (size_t k = 0; k < directions.size(); ++k) {
      objective.push_back({{"metric", metrics[k]}, {"mode", directions[k] == "MAXIMIZE" ? "max" : "min"}});
    }
  }
  // Optuna stores no sampler. NSGA-II and CMA-ES leave their marks in system attributes; otherwise TPE,
  // Optuna's default (MOTPE for several objectives).
  std::string searcher = directions.size() > 1 ? (nsga2 ? "nsga2" : "motpe") : (cmaes ? "cmaes" : "tpe");
  out.origin_extra["searcher_guess"] = searcher;
  out.spec = {
      {"name", out.name},
      {"description", "Imported from the Optuna study \"" + name + "\" in " + file + " (docs/import.md)."},
      {"objective", objective},
      {"space", nest_space(flat_space, &out.problems)},
      {"trainable", {{"command", Json::array({kImportedNoTrainable})}}},
      {"search", {{"type", searcher}}},
      {"num_samples", static_cast<int64_t>(out.trials.size())},
      {"seed", static_cast<int64_t>(std::hash<std::string>{}(file + name) & 0x7fffffff)},
  };
  if (auto parsed = parse_spec(out.spec, fs::path(file).parent_path().string()); !parsed) {
    Errors errs = parsed.errors();
    for (auto& e : errs) e.where = "the spec made from " + file + ": " + e.where;
    return errs;
  }
  // Nested configs for dotted parameter names.
  for (auto& t : out.trials) {
    Json nested = Json::object();
    for (const auto& [k, v] : t.config.items()) {
      Json* node = &nested;
      size_t start = 0;
      for (size_t dot; (dot = k.find('.', start)) != std::string::npos; start = dot + 1) {
        Json& child = (*node)[k.substr(start, dot - start)];
        if (!child.is_object()) child = Json::object();
        node = &child;
      }
      (*node)[k.substr(start)] = v;
    }
    t.config = std::move(nested);
  }
  return out;
}

}  // namespace tunelab
