#include "core/importers/ray_import.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/study/spec.h"
#include "core/util/json_read.h"

namespace tunelab {
namespace fs = std::filesystem;

namespace {

// Ray's bookkeeping, not metrics (numbers all the same).
const std::vector<std::string> kNotMetrics = {"config", "timestamp", "pid", "done", "iterations_since_restore"};

bool read_file(const fs::path& p, std::string& out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

bool has_file(const fs::path& dir, const char* name) {
  std::error_code ec;
  return fs::is_regular_file(dir / name, ec);
}

// Python's json module writes NaN, Infinity and -Infinity, which JSON has not: outside strings they become null.
std::string python_json(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    bool replaced = false;
    for (std::string_view token : {"-Infinity", "Infinity", "NaN"}) {
      if (text.substr(i, token.size()) == token) {
        out += "null";
        i += token.size() - 1;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += c;
  }
  return out;
}

JsonRead read_python_json(std::string_view text) {
  if (text.find("NaN") == std::string_view::npos && text.find("Infinity") == std::string_view::npos) {
    return read_json(text);
  }
  return read_json(python_json(text));
}

// A JSON text that Ray stored as a string inside the state file.
Json parse_embedded(const Json& v) {
  if (v.is_object()) return v;
  if (!v.is_string()) return Json();
  auto r = read_python_json(v.get<std::string>());
  return r.ok() ? r.value : Json();
}

struct StateTrial {
  std::string id, status, logdir;
  Json config;
  std::optional<double> start_time;
};

struct State {
  std::string file;
  std::string metric, mode;
  std::vector<StateTrial> trials;
};

// The newest experiment_state-*.json (names carry the session's start time).
std::optional<State> read_state(const fs::path& dir, std::vector<std::string>& problems) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("experiment_state", 0) == 0 && e.path().extension() == ".json") files.push_back(e.path());
  }
  if (files.empty()) return std::nullopt;
  std::sort(files.begin(), files.end());
  State st;
  st.file = files.back().string();
  std::string text;
  JsonRead r;
  if (read_file(files.back(), text)) r = read_python_json(text);
  if (text.empty() || !r.ok() || !r.value.is_object()) {
    problems.push_back(st.file + ": not a JSON object (" + (text.empty() ? "empty or unreadable" : r.error) +
                       "); trial statuses come from the trial folders");
    return std::nullopt;
  }
  const Json& j = r.value;
  if (j.contains("runner_data") && j["runner_data"].is_object()) {
    const Json& rd = j["runner_data"];
    if (rd.contains("_metric") && rd["_metric"].is_string()) st.metric = rd["_metric"].get<std::string>();
    if (rd.contains("_mode") && rd["_mode"].is_string()) st.mode = rd["_mode"].get<std::string>();
  }
  // Ray 2.7+: "trial_data": [[trial JSON text, runtime metadata JSON text], ...]; earlier 2.x: "checkpoints".
  Json entries = j.contains("trial_data") ? j["trial_data"] : j.value("checkpoints", Json::array());
  if (!entries.is_array()) entries = Json::array();
  for (const auto& e : entries) {
    const Json t = parse_embedded(e.is_array() && !e.empty() ? e[0] : e);
    const Json meta = e.is_array() && e.size() > 1 ? parse_embedded(e[1]) : Json();
    if (!t.is_object() || !t.contains("trial_id")) continue;
    StateTrial s;
    s.id = t["trial_id"].is_string() ? t["trial_id"].get<std::string>() : dump_compact(t["trial_id"]);
    s.status = member_or<std::string>(t, "status", "");
    s.logdir = member_or<std::string>(t, "relative_logdir", "");
    if (s.logdir.empty() && t.contains("logdir") && t["logdir"].is_string()) {
      s.logdir = fs::path(t["logdir"].get<std::string>()).filename().string();
    }
    s.config = t.value("config", Json());
    if (meta.is_object() && meta.contains("start_time") && meta["start_time"].is_number()) {
      s.start_time = meta["start_time"].get<double>();
    }
    if (st.mode.empty() && t.contains("_mode") && t["_mode"].is_string()) st.mode = t["_mode"].get<std::string>();
    st.trials.push_back(std::move(s));
  }
  return st;
}

// One CSV record per line (Ray's progress.csv: a header, then values; strings quoted when needed).
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cur += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cur += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// Rows of progress.csv as result objects (numbers, plus Ray's `done` as a boolean and `trial_id` as text;
// config/ columns left out).
std::vector<Json> read_progress_csv(const fs::path& p) {
  std::vector<Json> rows;
  std::ifstream in(p);
  std::string line;
  if (!std::getline(in, line)) return rows;
  const auto header = split_csv(line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto cells = split_csv(line);
    Json row = Json::object();
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) {
      if (header[i].rfind("config/", 0) == 0 || cells[i].empty()) continue;
      if (header[i] == "done" && (cells[i] == "True" || cells[i] == "False" || cells[i] == "true" || cells[i] == "false")) {
        row["done"] = cells[i] == "True" || cells[i] == "true";  // pandas writes Python's booleans
        continue;
      }
      if (header[i] == "trial_id") {
        row["trial_id"] = cells[i];
        continue;
      }
      char* end = nullptr;
      const double v = std::strtod(cells[i].c_str(), &end);
      if (*end != '\0' || !std::isfinite(v)) continue;
      if (v == std::floor(v) && std::fabs(v) < 9e15 && cells[i].find_first_of(".eE") == std::string::npos) {
        row[header[i]] = static_cast<int64_t>(v);
      } else {
        row[header[i]] = v;
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Trial id from a folder name such as train_fn_f55bd_00003_3_lr=0.1_2026-12-07_19-11-08.
std::string id_from_folder(const std::string& name) {
  for (size_t i = 0; i + 11 <= name.size(); ++i) {
    if (i > 0 && name[i - 1] != '_') continue;
    bool ok = name[i + 5] == '_';
    for (size_t k = 0; ok && k < 5; ++k) ok = std::isxdigit(static_cast<unsigned char>(name[i + k]));
    for (size_t k = 6; ok && k < 11; ++k) ok = std::isdigit(static_cast<unsigned char>(name[i + k]));
    if (ok && (i + 11 == name.size() || name[i + 11] == '_')) return name.substr(i, 11);
  }
  return name;
}

struct Folder {
  ImportedTrial trial;
  bool has_results = false;
  bool done = false;
  bool error_file = false;
  std::string ray_status;  // from the experiment state, or empty
};

}  // namespace

bool looks_like_ray_experiment(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return false;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string n = e.path().filename().string();
    if (n.rfind("experiment_state", 0) == 0 && e.path().extension() == ".json") return true;
    if (e.is_directory(ec) && (has_file(e.path(), "params.json") || has_file(e.path(), "result.json"))) return true;
  }
  return false;
}

Result<ImportedStudy> read_ray_experiment(const std::string& dir_in, const ImportOptions& options) {
  std::error_code ec;
  const fs::path dir = fs::weakly_canonical(fs::absolute(dir_in, ec), ec);
  ImportedStudy out;
  out.kind = "ray";
  out.source = dir.string();
  out.key_attr = "ray.trial_id";
  out.name = safe_study_name(dir.filename().string());
  if (has_file(dir, "params.json") && !looks_like_ray_experiment(dir.string())) {
    return Error{dir.string(), "is one trial's folder (it holds params.json); give its experiment folder, " +
                                   dir.parent_path().string()};
  }
  if (!looks_like_ray_experiment(dir.string())) {
    return Error{dir.string(), "neither a Ray Tune experiment folder (no experiment_state-*.json, no trial folder "
                               "with params.json or result.json) nor an Optuna storage (an SQLite file)"};
  }
  const auto state = read_state(dir, out.problems);
  std::map<std::string, const StateTrial*> state_by_dir, state_by_id;
  if (state) {
    for (const auto& t : state->trials) {
      if (!t.logdir.empty()) state_by_dir[t.logdir] = &t;
      state_by_id[t.id] = &t;
    }
  }

  std::vector<fs::path> subdirs;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory(ec)) subdirs.push_back(e.path());
  }
  std::sort(subdirs.begin(), subdirs.end());
  std::vector<Folder> folders;
  std::set<std::string> metric_names;
  for (const auto& sub : subdirs) {
    const std::string name = sub.filename().string();
    const bool trial_files = has_file(sub, "result.json") || has_file(sub, "progress.csv") ||
                             has_file(sub, "error.txt") || has_file(sub, "error.pkl") || has_file(sub, "params.pkl");
    const StateTrial* st = state_by_dir.count(name) ? state_by_dir[name] : nullptr;
    Folder f;
    f.trial.attrs["ray.logdir"] = sub.string();
    if (has_file(sub, "params.json")) {
      std::string text;
      read_file(sub / "params.json", text);
      auto r = read_python_json(text);
      if (!r.ok() || !r.value.is_object()) {
        out.problems.push_back((sub / "params.json").string() + ": not a JSON object (" +
                               (r.ok() ? "a " + std::string(r.value.type_name()) : r.error) + "); trial skipped");
        ++out.skipped_trials;
        continue;
      }
      f.trial.config = r.value;
    } else if (trial_files) {
      out.problems.push_back(sub.string() + ": no params.json (its configuration is unknown); trial skipped");
      ++out.skipped_trials;
      continue;
    } else {
      continue;  // not a trial folder (or one Ray made for a trial it had not started: see below)
    }

    // Results: result.json (JSON lines), else progress.csv.
    std::vector<Json> rows;
    const fs::path rj = sub / "result.json";
    if (has_file(sub, "result.json")) {
      std::string text;
      read_file(rj, text);
      size_t line_no = 0, start = 0;
      while (start < text.size()) {
        size_t nl = text.find('\n', start);
        const bool last = nl == std::string::npos;
        if (last) nl = text.size();
        const std::string line = text.substr(start, nl - start);
        start = nl + 1;
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        auto r = read_python_json(line);
        if (r.ok() && r.value.is_object()) {
          rows.push_back(std::move(r.value));
          continue;
        }
        ++out.skipped_results;
        const bool cut = last && text.find_first_not_of(" \t\r\n", start) == std::string::npos;
        out.problems.push_back(rj.string() + ":" + std::to_string(line_no) + ": " +
                               (cut ? "the last line is cut (not complete JSON; the file ends inside it)"
                                    : "not a JSON object (" + (r.ok() ? std::string("a ") + r.value.type_name() : r.error) + ")") +
                               "; that result is skipped");
      }
    } else if (has_file(sub, "progress.csv")) {
      rows = read_progress_csv(sub / "progress.csv");
    }
    std::map<int64_t, ImportedResult> by_iteration;  // a later report of an iteration (after a restore) wins
    int64_t counted = 0;
    for (const auto& row : rows) {
      ++counted;
      int64_t it = counted;
      if (row.contains("training_iteration") && row["training_iteration"].is_number()) {
        it = static_cast<int64_t>(row["training_iteration"].get<double>());
      }
      if (it < 1) continue;
      counted = it;
      ImportedResult res;
      res.iteration = it;
      res.metrics = numeric_metrics(row, kNotMetrics);
      res.metrics["training_iteration"] = it;
      res.time_total_s = row.contains("time_total_s") && row["time_total_s"].is_number() ? row["time_total_s"].get<double>() : 0;
      res.ts = row.contains("timestamp") && row["timestamp"].is_number() ? row["timestamp"].get<double>() : 0;
      if (member_or<bool>(row, "done", false)) f.done = true;
      if (f.trial.key.empty() && row.contains("trial_id") && row["trial_id"].is_string()) {
        f.trial.key = row["trial_id"].get<std::string>();
      }
      for (const auto& [k, v] : res.metrics.items()) metric_names.insert(k);
      by_iteration[it] = std::move(res);
    }
    for (auto& [it, r] : by_iteration) f.trial.results.push_back(std::move(r));
    f.has_results = !f.trial.results.empty();

    if (st) f.trial.key = st->id;
    if (f.trial.key.empty()) f.trial.key = id_from_folder(name);
    if (!st && state_by_id.count(f.trial.key)) st = state_by_id[f.trial.key];
    if (st) f.ray_status = st->status;

    f.error_file = has_file(sub, "error.txt") || has_file(sub, "error.pkl");
    if (has_file(sub, "error.txt")) {
      std::string text;
      read_file(sub / "error.txt", text);
      if (text.size() > 8000) text = "..." + text.substr(text.size() - 8000);
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
      f.trial.error = text.empty() ? "error.txt is empty" : text;
    } else if (has_file(sub, "error.pkl")) {
      f.trial.error = "Ray recorded an error in error.pkl only (pickled; TuneLab does not read pickles)";
    }
    if (f.has_results) {
      const auto& last = f.trial.results.back();
      f.trial.runtime_s = last.time_total_s;
      if (last.ts > 0) {
        f.trial.started_at = st && st->start_time ? *st->start_time : last.ts - last.time_total_s;
        f.trial.ended_at = last.ts;
      }
    } else if (st && st->start_time) {
      f.trial.started_at = st->start_time;
    }
    f.trial.created_at = f.trial.started_at.value_or(0);
    if (!f.ray_status.empty()) f.trial.attrs["ray.status"] = f.ray_status;
    folders.push_back(std::move(f));
  }

  // Trials Ray had not started yet (PENDING in its state) may have no folder, or an empty one: their
  // configuration is in the state.
  std::set<std::string> seen;
  for (const auto& f : folders) seen.insert(f.trial.key);
  if (state) {
    for (const auto& t : state->trials) {
      if (seen.count(t.id) || t.status != "PENDING" || !t.config.is_object()) continue;
      Folder f;
      f.trial.key = t.id;
      f.trial.config = t.config;
      f.ray_status = t.status;
      f.trial.attrs["ray.status"] = t.status;
      folders.push_back(std::move(f));
      seen.insert(t.id);
    }
  }
  if (folders.empty()) {
    return Error{dir.string(), "no trial of this experiment can be imported" +
                                   (out.problems.empty() ? std::string() : ":\n  " + [&] {
                                     std::string all;
                                     for (const auto& p : out.problems) all += (all.empty() ? "" : "\n  ") + p;
                                     return all;
                                   }())};
  }

  // Statuses: Ray's own where its state has them, else the last result's `done` and the error files.
  int64_t longest = 0;
  for (const auto& f : folders) longest = std::max(longest, f.has_results ? f.trial.results.back().iteration : 0);
  for (auto& f : folders) {
    const int64_t last = f.has_results ? f.trial.results.back().iteration : 0;
    const auto ended = [&] { return last < longest ? TrialStatus::Stopped : TrialStatus::Completed; };
    const std::string& s = f.ray_status;
    if (s == "ERROR" || (s.empty() && f.error_file)) {
      f.trial.status = TrialStatus::Error;
      if (f.trial.error.empty()) f.trial.error = "Ray recorded the trial as errored (no error.txt in its folder)";
    } else if (s == "TERMINATED" || (s.empty() && f.done)) {
      f.trial.status = ended();
    } else if (s == "PENDING" || (s.empty() && !f.has_results)) {
      f.trial.status = TrialStatus::Pending;
    } else {
      f.trial.status = TrialStatus::Paused;  // RUNNING or PAUSED when read: it may go on in Ray
    }
    if (f.trial.status != TrialStatus::Error) f.trial.error.clear();
    if (!is_finished(f.trial.status)) f.trial.ended_at.reset();
  }

  // Metric and mode: the command line's, else what Ray recorded.
  std::string metric = !options.metric.empty() ? options.metric : state ? state->metric : "";
  std::string mode = !options.mode.empty() ? options.mode : state ? state->mode : "";
  std::string found;
  for (const auto& m : metric_names) {
    if (m == "training_iteration" || m == "time_total_s" || m == "time_this_iter_s" || m == "time_since_restore") continue;
    found += (found.empty() ? "" : ", ") + m;
  }
  const std::string where = state ? state->file : dir.string();
  if (metric.empty()) {
    for (const auto& p : out.problems) std::fprintf(stderr, "tunelab import: %s\n", p.c_str());
    return Error{where, "Ray recorded no metric for this experiment; give --metric M --mode max|min (metrics found: " +
                            (found.empty() ? "none" : found) + ")"};
  }
  if (!metric_names.count(metric) && metric.find('/') != std::string::npos) {
    // Ray names a nested metric by its path with "/" ("val/loss" for {"val": {"loss": ...}}); TuneLab with ".".
    std::string dotted = metric;
    std::replace(dotted.begin(), dotted.end(), '/', '.');
    if (metric_names.count(dotted)) metric = dotted;
  }
  if (!metric_names.count(metric)) {
    return Error{dir.string(), "no trial reported the metric \"" + metric + "\" (metrics found: " +
                                   (found.empty() ? "none" : found) + "); give --metric M"};
  }
  if (mode.empty()) {
    return Error{where, "Ray recorded the metric \"" + metric +
                            "\" but not whether to maximize or minimize it; give --mode max|min"};
  }
  if (mode != "max" && mode != "min") return Error{"--mode", "must be max or min, got \"" + mode + "\""};

  std::vector<Json> flat;
  for (const auto& f : folders) flat.push_back(flatten_config(f.trial.config));
  Json space = infer_flat_space(flat);
  infer_conditions(space, flat);
  const bool basic_variant = [&] {
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      if (e.path().filename().string().rfind("basic-variant-state", 0) == 0) return true;
    }
    return false;
  }();
  out.spec = {
      {"name", out.name},
      {"description", "Imported from the Ray Tune experiment " + dir.string() + " (docs/import.md)."},
      {"objective", {{"metric", metric}, {"mode", mode}}},
      {"space", nest_space(space, &out.problems)},
      {"trainable", {{"command", Json::array({kImportedNoTrainable})}}},
      {"search", {{"type", "random"}}},
      {"num_samples", static_cast<int64_t>(folders.size())},
      {"seed", static_cast<int64_t>(std::hash<std::string>{}(dir.string()) & 0x7fffffff)},
  };
  out.origin_extra["searcher"] = basic_variant ? "BasicVariantGenerator" : "unknown (only Ray's pickles name it)";
  if (auto parsed = parse_spec(out.spec, dir.string()); !parsed) {
    Errors errs = parsed.errors();
    for (auto& e : errs) e.where = "the spec made from " + dir.string() + ": " + e.where;
    return errs;
  }
  for (auto& f : folders) out.trials.push_back(std::move(f.trial));
  return out;
}

}  // namespace tunelab
