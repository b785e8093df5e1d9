#include "core/importers/optuna_export.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>

#include "core/store/sqlite_util.h"
#include "core/study/spec.h"

namespace tunelab {
namespace fs = std::filesystem;

namespace {

// Optuna 3.1's tables, as `optuna.storages.RDBStorage` creates them in SQLite.
constexpr const char* kSchema = R"SQL(
CREATE TABLE studies (study_id INTEGER NOT NULL, study_name VARCHAR(512) NOT NULL, PRIMARY KEY (study_id));
CREATE UNIQUE INDEX ix_studies_study_name ON studies (study_name);
CREATE TABLE version_info (version_info_id INTEGER NOT NULL, schema_version INTEGER, library_version VARCHAR(256),
  PRIMARY KEY (version_info_id), CHECK (version_info_id=1));
CREATE TABLE study_directions (study_direction_id INTEGER NOT NULL, direction VARCHAR(8) NOT NULL,
  study_id INTEGER NOT NULL, objective INTEGER NOT NULL, PRIMARY KEY (study_direction_id),
  UNIQUE (study_id, objective), FOREIGN KEY(study_id) REFERENCES studies (study_id));
CREATE TABLE study_user_attributes (study_user_attribute_id INTEGER NOT NULL, study_id INTEGER, "key" VARCHAR(512),
  value_json TEXT, PRIMARY KEY (study_user_attribute_id), UNIQUE (study_id, "key"),
  FOREIGN KEY(study_id) REFERENCES studies (study_id));
CREATE TABLE study_system_attributes (study_system_attribute_id INTEGER NOT NULL, study_id INTEGER,
  "key" VARCHAR(512), value_json TEXT, PRIMARY KEY (study_system_attribute_id), UNIQUE (study_id, "key"),
  FOREIGN KEY(study_id) REFERENCES studies (study_id));
CREATE TABLE trials (trial_id INTEGER NOT NULL, number INTEGER, study_id INTEGER, state VARCHAR(8) NOT NULL,
  datetime_start DATETIME, datetime_complete DATETIME, PRIMARY KEY (trial_id),
  FOREIGN KEY(study_id) REFERENCES studies (study_id));
CREATE TABLE trial_user_attributes (trial_user_attribute_id INTEGER NOT NULL, trial_id INTEGER, "key" VARCHAR(512),
  value_json TEXT, PRIMARY KEY (trial_user_attribute_id), UNIQUE (trial_id, "key"),
  FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
CREATE TABLE trial_system_attributes (trial_system_attribute_id INTEGER NOT NULL, trial_id INTEGER,
  "key" VARCHAR(512), value_json TEXT, PRIMARY KEY (trial_system_attribute_id), UNIQUE (trial_id, "key"),
  FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
CREATE TABLE trial_params (param_id INTEGER NOT NULL, trial_id INTEGER, param_name VARCHAR(512), param_value FLOAT,
  distribution_json TEXT, PRIMARY KEY (param_id), UNIQUE (trial_id, param_name),
  FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
CREATE TABLE trial_values (trial_value_id INTEGER NOT NULL, trial_id INTEGER NOT NULL, objective INTEGER NOT NULL,
  value FLOAT, value_type VARCHAR(7) NOT NULL, PRIMARY KEY (trial_value_id), UNIQUE (trial_id, objective),
  FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
CREATE TABLE trial_intermediate_values (trial_intermediate_value_id INTEGER NOT NULL, trial_id INTEGER NOT NULL,
  step INTEGER NOT NULL, intermediate_value FLOAT, intermediate_value_type VARCHAR(7) NOT NULL,
  PRIMARY KEY (trial_intermediate_value_id), UNIQUE (trial_id, step), FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
CREATE TABLE trial_heartbeats (trial_heartbeat_id INTEGER NOT NULL, trial_id INTEGER NOT NULL,
  heartbeat DATETIME NOT NULL, PRIMARY KEY (trial_heartbeat_id), UNIQUE (trial_id),
  FOREIGN KEY(trial_id) REFERENCES trials (trial_id));
CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
INSERT INTO version_info VALUES (1, 12, '3.1.0');
INSERT INTO alembic_version VALUES ('v3.0.0.d');
)SQL";

// Seconds since the epoch as Optuna's naive datetime text, in UTC ("2026-12-07 19:11:20.699970").
std::string optuna_time(double t) {
  const auto whole = static_cast<std::time_t>(std::floor(t));
  const auto micros = static_cast<long>(std::llround((t - std::floor(t)) * 1e6));
  std::tm tm{};
  gmtime_r(&whole, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d.%06ld", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, std::min(micros, 999999L));
  return buf;
}

// Optuna's value types: a number, or an infinity by its sign.
std::string value_type(double v) { return std::isinf(v) ? (v > 0 ? "INF_POS" : "INF_NEG") : "FINITE"; }

const Json* at_path(const Json& config, const std::vector<std::string>& path) {
  const Json* j = &config;
  for (const auto& key : path) {
    if (!j->is_object()) return nullptr;
    const auto it = j->find(key);
    if (it == j->end()) return nullptr;
    j = &*it;
  }
  return j;
}

// One parameter as an Optuna distribution: its bounds or choices widened to every value the trials hold, since
// a trial may hold a value outside the space (a PBT mutation, a configuration entered by hand).
struct Distribution {
  const Parameter* param = nullptr;
  enum class Kind { Float, Int, Categorical } kind = Kind::Float;
  double low = 0, high = 0;
  bool seen = false;
  std::vector<Json> choices;  // Categorical: Optuna's choices (JSON scalars)
  bool encoded = false;       // Categorical choices that are objects or arrays, carried as their JSON text

  Json json() const {
    if (kind == Kind::Categorical) return {{"name", "CategoricalDistribution"}, {"attributes", {{"choices", choices}}}};
    // Optuna refuses a log scale that reaches 0 (a value a trial got outside the space, e.g. by a PBT mutation).
    const bool log = param->log && low > 0;
    Json a = {{"low", low}, {"high", high}, {"log", log}, {"step", nullptr}};
    if (kind == Kind::Int) {
      a["low"] = static_cast<int64_t>(low);
      a["high"] = static_cast<int64_t>(high);
      a["step"] = log ? int64_t{1} : static_cast<int64_t>(param->step.value_or(1));
      return {{"name", "IntDistribution"}, {"attributes", a}};
    }
    if (param->step && !log) a["step"] = *param->step;
    return {{"name", "FloatDistribution"}, {"attributes", a}};
  }
  // Optuna's stored value: the number, or the index among the choices.
  std::optional<double> internal(const Json& v) const {
    if (kind != Kind::Categorical) return v.is_number() ? std::optional<double>(v.get<double>()) : std::nullopt;
    const Json key = encoded && (v.is_object() || v.is_array()) ? Json(dump_compact(v)) : v;
    const auto it = std::find(choices.begin(), choices.end(), key);
    return it == choices.end() ? std::nullopt : std::optional<double>(static_cast<double>(it - choices.begin()));
  }
  void widen(const Json& v) {
    if (kind == Kind::Categorical) {
      const Json key = v.is_object() || v.is_array() ? Json(dump_compact(v)) : v;
      encoded = encoded || !key.is_primitive() || key != v;
      if (std::find(choices.begin(), choices.end(), key) == choices.end()) choices.push_back(key);
    } else if (v.is_number()) {
      const double x = v.get<double>();
      low = seen ? std::min(low, x) : x;
      high = seen ? std::max(high, x) : x;
      seen = true;
    }
  }
};

Distribution distribution_of(const Parameter& p) {
  Distribution d;
  d.param = &p;
  switch (p.type) {
    case ParamType::Float:
    case ParamType::Normal:  // no bounds of its own: those of the values drawn
      d.kind = Distribution::Kind::Float;
      break;
    case ParamType::Int:
      d.kind = Distribution::Kind::Int;
      break;
    case ParamType::Choice:
    case ParamType::Grid:
    case ParamType::Const:
      d.kind = Distribution::Kind::Categorical;
      break;
  }
  if (p.type == ParamType::Float || p.type == ParamType::Int) {
    d.low = p.low, d.high = p.high, d.seen = true;
  }
  if (p.type == ParamType::Choice || p.type == ParamType::Grid) {
    for (const auto& v : p.values) d.widen(v);
  }
  if (p.type == ParamType::Const) d.widen(p.value);
  return d;
}

std::string optuna_state(const TrialSummary& t) {
  switch (t.rec.status) {
    case TrialStatus::Completed:
      return "COMPLETE";
    case TrialStatus::Stopped:
      return "PRUNED";
    case TrialStatus::Error:
      return "FAIL";
    case TrialStatus::Running:
      return "RUNNING";
    default:
      return "WAITING";  // pending or paused: Optuna runs it (again) with its parameters
  }
}

// The metric in a result, when it is a number.
std::optional<double> metric_of(const Json& result, const std::string& metric) {
  if (!result.is_object()) return std::nullopt;
  const auto it = result.find(metric);
  if (it == result.end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

class Writer {
 public:
  explicit Writer(sqlite3* db) : db_(db) {}
  Status exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) == SQLITE_OK) return {};
    const std::string why = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return Error{"", why};
  }
  // Runs one prepared statement; false (with error()) when it fails.
  bool run(sql::Stmt& st) {
    st.step();
    if (!st.error().empty() && error_.empty()) error_ = st.error();
    st.reset();
    return error_.empty();
  }
  const std::string& error() const { return error_; }

 private:
  sqlite3* db_;
  std::string error_;
};

struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close(db); }
};

}  // namespace

Result<OptunaExport> write_optuna_storage(const Store& store, const StudySummary& summary, const std::string& file,
                                          const std::function<void(int64_t)>& progress) {
  auto spec = parse_spec(summary.study.spec, summary.study.base_dir);
  if (!spec) {
    return Error{file, "the study's stored spec is not valid, so its parameters' distributions are unknown: " + spec.error_text()};
  }
  OptunaExport out;
  const auto& objectives = summary.objectives.empty() ? std::vector<Objective>{summary.objective} : summary.objectives;
  const bool single = objectives.size() == 1;

  // Distributions first: the space's, widened to the values the trials hold.
  std::vector<Distribution> dists;
  // Constants are not searched: Optuna has no parameter for them (they are in the spec, kept below).
  for (const auto& p : spec->space.params()) {
    if (p.type != ParamType::Const) dists.push_back(distribution_of(p));
  }
  for (const auto& t : summary.trials) {
    for (auto& d : dists) {
      if (const Json* v = at_path(t.rec.config, d.param->path)) d.widen(*v);
    }
  }
  for (const auto& d : dists) {
    if (d.encoded) {
      out.notes.push_back("parameter " + d.param->name +
                          ": Optuna's choices are numbers, strings, booleans or null; its objects and lists are written as their JSON text");
    }
    if (d.param->type == ParamType::Normal) {
      out.notes.push_back("parameter " + d.param->name +
                          ": a normal distribution has no bounds; it is written as a FloatDistribution over the values drawn");
    }
  }

  const std::string tmp = file + ".tmp-" + std::to_string(::getpid());
  std::error_code ec;
  fs::remove(tmp, ec);
  Db d;
  if (sqlite3_open_v2(tmp.c_str(), &d.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    return Error{file, std::string("cannot create ") + tmp + ": " + (d.db ? sqlite3_errmsg(d.db) : "out of memory")};
  }
  auto fail = [&](const std::string& why) -> Result<OptunaExport> {
    sqlite3_close(d.db);
    d.db = nullptr;
    fs::remove(tmp, ec);
    return Error{file, why};
  };
  Writer w(d.db);
  if (auto s = w.exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN;"); !s) return fail(s.error_text());
  if (auto s = w.exec(kSchema); !s) return fail(s.error_text());

  {
    sql::Stmt study(d.db, "INSERT INTO studies (study_id, study_name) VALUES (1, ?)");
    study.bind(1, summary.study.name);
    w.run(study);
    sql::Stmt dir(d.db, "INSERT INTO study_directions (direction, study_id, objective) VALUES (?, 1, ?)");
    Json names = Json::array();
    for (size_t i = 0; i < objectives.size(); ++i) {
      dir.bind(1, std::string(objectives[i].maximize ? "MAXIMIZE" : "MINIMIZE")).bind(2, static_cast<int64_t>(i));
      w.run(dir);
      names.push_back(objectives[i].metric);
    }
    sql::Stmt sys(d.db, "INSERT INTO study_system_attributes (study_id, key, value_json) VALUES (1, ?, ?)");
    sys.bind(1, std::string("study:metric_names")).bind(2, dump_compact(names));
    w.run(sys);
    // The whole spec, so that nothing of the study's design is lost (constants, the trainable, the scheduler).
    sql::Stmt user(d.db, "INSERT INTO study_user_attributes (study_id, key, value_json) VALUES (1, ?, ?)");
    user.bind(1, std::string("tunelab_spec")).bind(2, dump_compact(summary.study.spec));
    w.run(user);
  }

  std::map<int64_t, int64_t> optuna_id;  // TuneLab trial id -> Optuna trial_id
  {
    sql::Stmt trial(d.db, "INSERT INTO trials (trial_id, number, study_id, state, datetime_start, datetime_complete) "
                          "VALUES (?, ?, 1, ?, ?, ?)");
    sql::Stmt param(d.db, "INSERT INTO trial_params (trial_id, param_name, param_value, distribution_json) VALUES (?, ?, ?, ?)");
    sql::Stmt value(d.db, "INSERT INTO trial_values (trial_id, objective, value, value_type) VALUES (?, ?, ?, ?)");
    sql::Stmt attr(d.db, "INSERT INTO trial_user_attributes (trial_id, key, value_json) VALUES (?, ?, ?)");
    std::vector<std::string> dist_json;
    for (const auto& dd : dists) dist_json.push_back(dump_compact(dd.json()));
    int64_t number = 0, no_value = 0;
    for (const auto& t : summary.trials) {
      const int64_t id = number + 1;
      optuna_id[t.rec.id] = id;
      std::string state = optuna_state(t);
      // The trial's values: its last result's objectives (a pruned trial's, as Optuna records it: its last
      // intermediate value). A completed trial without them cannot be COMPLETE in Optuna.
      std::vector<double> values;
      for (const auto& o : objectives) {
        if (auto v = metric_of(t.last, o.metric)) values.push_back(*v);
      }
      const bool has_values = values.size() == objectives.size();
      if (state == "COMPLETE" && !has_values) {
        state = "FAIL";
        ++no_value;
      }
      trial.bind(1, id).bind(2, number).bind(3, state);
      trial.bind(4, t.rec.started_at ? std::optional<std::string>(optuna_time(*t.rec.started_at)) : std::nullopt);
      const bool ended = state == "COMPLETE" || state == "PRUNED" || state == "FAIL";
      trial.bind(5, ended && t.rec.ended_at ? std::optional<std::string>(optuna_time(*t.rec.ended_at)) : std::nullopt);
      w.run(trial);
      for (size_t i = 0; i < dists.size(); ++i) {
        const Json* v = at_path(t.rec.config, dists[i].param->path);
        const auto stored = v ? dists[i].internal(*v) : std::nullopt;
        if (!stored) continue;  // inactive (a condition) or not set
        param.bind(1, id).bind(2, dists[i].param->name).bind(3, *stored).bind(4, dist_json[i]);
        w.run(param);
      }
      if (has_values && (state == "COMPLETE" || (state == "PRUNED" && single))) {
        for (size_t i = 0; i < values.size(); ++i) {
          value.bind(1, id).bind(2, static_cast<int64_t>(i)).bind(3, values[i]).bind(4, value_type(values[i]));
          w.run(value);
        }
      }
      Json attrs = {{"tunelab_trial_id", t.rec.id}, {"tunelab_status", to_string(t.rec.status)}};
      if (!t.last.is_null()) attrs["tunelab_last_result"] = t.last;
      if (!t.rec.error.empty()) attrs["tunelab_error"] = t.rec.error;
      for (const auto& [k, v] : attrs.items()) {
        attr.bind(1, id).bind(2, k).bind(3, dump_compact(v));
        w.run(attr);
      }
      if (!w.error().empty()) return fail(w.error());
      ++number;
    }
    if (no_value) {
      out.notes.push_back(std::to_string(no_value) + " completed trial(s) have no number for every objective in their last "
                          "result; Optuna needs one for a COMPLETE trial, so they are written as FAIL (their TuneLab "
                          "status is the trial attribute tunelab_status)");
    }
    out.trials = number;
  }

  // The curves: each result's objective as an intermediate value at its training_iteration. Optuna keeps them for
  // one objective only.
  if (single) {
    sql::Stmt inter(d.db, "INSERT INTO trial_intermediate_values (trial_id, step, intermediate_value, intermediate_value_type) "
                          "VALUES (?, ?, ?, ?)");
    const std::string& metric = objectives[0].metric;
    const Status scan = store.scan_result_records(false, [&](ResultRecord&& r) {
      const auto it = optuna_id.find(r.trial_id);
      const auto v = metric_of(r.metrics, metric);
      if (it == optuna_id.end() || !v) return true;
      inter.bind(1, it->second).bind(2, r.iteration).bind(3, *v).bind(4, value_type(*v));
      if (!w.run(inter)) return false;
      if (++out.intermediate_values % 100000 == 0 && progress) progress(out.intermediate_values);
      return true;
    });
    if (!scan) return fail(scan.error_text());
    if (!w.error().empty()) return fail(w.error());
  } else {
    out.notes.push_back("Optuna keeps no intermediate values for several objectives: the curves are not written "
                        "(each trial's last result is its trial attribute tunelab_last_result)");
  }
  if (auto s = w.exec("COMMIT;"); !s) return fail(s.error_text());
  if (sqlite3_close(d.db) != SQLITE_OK) return fail(std::string("cannot close ") + tmp);
  d.db = nullptr;
  fs::rename(tmp, file, ec);
  if (ec) return fail("cannot rename " + tmp + " to " + file + ": " + ec.message());
  return out;
}

}  // namespace tunelab
