#include "core/study/spec.h"

#include <cmath>
#include <filesystem>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/exec/executor_registry.h"
#include "core/schedule/scheduler.h"
#include "core/schedule/stopper.h"
#include "core/search/searcher.h"
#include "core/util/suggest.h"

namespace tunelab {
namespace fs = std::filesystem;

const std::vector<std::string>& builtin_trainable_names() {
  static const std::vector<std::string> names = {"digits_mlp", "synthetic", "table", "gpu_load"};
  return names;
}

namespace {

// The first control character (C0 or DEL) in `s`, or npos. A NUL would cut the text short where it reaches the
// C library (file names, the environment); the others have no place in a name.
size_t find_control(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return i;
  }
  return std::string::npos;
}

// Linux passes at most this many bytes in one argument or one environment entry ("NAME=value" and its NUL),
// MAX_ARG_STRLEN; a longer one makes every start fail with "Argument list too long".
constexpr size_t kMaxExecString = 32 * 4096;

std::string too_long_for_exec(size_t bytes) {
  return "is " + std::to_string(bytes) + " bytes; a program can be given at most " + std::to_string(kMaxExecString - 1) +
         " bytes in one argument or environment variable (write it to a file and pass the file's path)";
}

// `s` with control characters written as \u00XX, for a JSON path or message.
std::string escape_controls(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += ch;
    }
  }
  return out;
}

std::string describe_control(const std::string& s, size_t at) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned char>(s[at]));
  return std::string(buf) + " at byte " + std::to_string(at);
}

constexpr const char* kTopKeys[] = {"name",           "objective",   "space",         "trainable",
                                    "search",         "scheduler",   "num_samples",   "max_concurrent",
                                    "resources_per_trial", "stop",   "max_failures",  "trial_timeout_s",
                                    "seed",           "description", "stoppers",    "executor",
                                    "checkpoint"};

class SpecParser {
 public:
  Errors errors;

  void error(const std::string& where, std::string msg) { errors.push_back({where, std::move(msg)}); }

  std::optional<int64_t> integer(const Json& j, const char* key, int64_t min, const std::string& where) {
    if (!j.contains(key)) return std::nullopt;
    const Json& v = j[key];
    if (!v.is_number() || !std::isfinite(v.get<double>()) || std::floor(v.get<double>()) != v.get<double>()) {
      error(where, "must be an integer, got " + dump_compact(v));
      return std::nullopt;
    }
    if (std::abs(v.get<double>()) > 9007199254740992.0) {  // 2^53: beyond, doubles skip integers
      error(where, "must be an integer of at most 2^53 (9007199254740992), got " + dump_compact(v));
      return std::nullopt;
    }
    const auto x = static_cast<int64_t>(v.get<double>());
    if (x < min) {
      error(where, "must be >= " + std::to_string(min) + ", got " + std::to_string(x));
      return std::nullopt;
    }
    return x;
  }

  std::optional<double> positive(const Json& j, const char* key, const std::string& where, bool allow_zero = false) {
    if (!j.contains(key)) return std::nullopt;
    const Json& v = j[key];
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 ||
        (!allow_zero && v.get<double>() == 0)) {
      error(where, std::string("must be a ") + (allow_zero ? "non-negative" : "positive") + " number, got " +
                       dump_compact(v));
      return std::nullopt;
    }
    return v.get<double>();
  }

  void objective(const Json& j, StudySpec& s) {
    if (!j.contains("objective")) return error("objective", "missing: give {\"metric\": NAME, \"mode\": \"max\"|\"min\"}");
    const Json& o = j["objective"];
    if (o.is_array()) {
      // Several objectives: [{"metric": ..., "mode": ...}, ...]; the first is the primary one.
      if (o.empty()) return error("objective", "an empty list: give at least one {\"metric\": NAME, \"mode\": ...}");
      for (size_t i = 0; i < o.size(); ++i) {
        Objective one;
        if (one_objective(o[i], "objective[" + std::to_string(i) + "]", one)) {
          for (const auto& other : s.objectives) {
            if (other.metric == one.metric) error("objective[" + std::to_string(i) + "].metric", "\"" + one.metric + "\" is listed twice");
          }
          s.objectives.push_back(one);
        }
      }
      if (!s.objectives.empty()) s.objective = s.objectives[0];
      return;
    }
    if (one_objective(o, "objective", s.objective)) s.objectives = {s.objective};
  }

  bool one_objective(const Json& o, const std::string& where, Objective& out) {
    if (!o.is_object()) {
      error(where, "must be an object {\"metric\": NAME, \"mode\": \"max\"|\"min\"} (or a list of them)");
      return false;
    }
    const size_t before = errors.size();
    for (const auto& [k, v] : o.items()) {
      if (k != "metric" && k != "mode") {
        error(where + "." + k, "unknown key (expected metric, mode)" + did_you_mean(k, {"metric", "mode"}));
      }
    }
    if (!o.contains("metric") || !o["metric"].is_string() || o["metric"].get<std::string>().empty()) {
      error(where + ".metric", "must be the name of a reported metric");
    } else {
      out.metric = o["metric"].get<std::string>();
    }
    const std::string mode = o.contains("mode") && o["mode"].is_string() ? o["mode"].get<std::string>() : "";
    if (mode == "max" || mode == "min") out.maximize = mode == "max";
    else error(where + ".mode", "must be \"max\" or \"min\"" + (o.contains("mode") ? ", got " + dump_compact(o["mode"]) : ""));
    return errors.size() == before;
  }

  void trainable(const Json& j, StudySpec& s, const std::string& base_dir) {
    if (!j.contains("trainable")) return error("trainable", "missing: give {\"builtin\": NAME} or {\"command\": [...]}");
    const Json& t = j["trainable"];
    if (!t.is_object()) return error("trainable", "must be an object: {\"builtin\": NAME} or {\"command\": [...]}");
    for (const auto& [k, v] : t.items()) {
      if (k != "builtin" && k != "command" && k != "cwd" && k != "env" && k != "shell") {
        error("trainable." + k, "unknown key (expected builtin, command, cwd, env, shell)" +
                                    did_you_mean(k, {"builtin", "command", "cwd", "env", "shell"}));
      }
    }
    auto& out = s.trainable;
    if (t.contains("shell")) {
      if (t["shell"].is_boolean()) out.shell = t["shell"].get<bool>();
      else error("trainable.shell", "must be true or false");
    }
    const bool has_builtin = t.contains("builtin"), has_command = t.contains("command");
    if (has_builtin == has_command) {
      return error("trainable", has_builtin ? "give either \"builtin\" or \"command\", not both"
                                            : "the trainable is neither a builtin nor a command: give "
                                              "{\"builtin\": NAME} or {\"command\": [\"prog\", \"arg\", ...]}");
    }
    if (has_builtin) {
      const Json& b = t["builtin"];
      const auto& names = builtin_trainable_names();
      if (!b.is_string() || std::find(names.begin(), names.end(), b.get<std::string>()) == names.end()) {
        std::string list;
        for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
        error("trainable.builtin", "unknown builtin trainable " + dump_compact(b) + " (available: " + list + ")" +
                                       (b.is_string() ? did_you_mean(b.get<std::string>(), names) : ""));
      } else {
        out.builtin = b.get<std::string>();
      }
    } else {
      const Json& c = t["command"];
      if (c.is_string() && out.shell) {
        if (c.get_ref<const std::string&>().find('\0') != std::string::npos) {
          error("trainable.command", "contains a NUL character (\\u0000), which a command line cannot hold");
        } else if (c.get_ref<const std::string&>().empty()) {
          error("trainable.command", "the shell command line is empty");
        } else if (c.get_ref<const std::string&>().size() >= kMaxExecString) {
          error("trainable.command", too_long_for_exec(c.get_ref<const std::string&>().size()));
        } else {
          out.command = {c.get<std::string>()};
        }
      } else if (!c.is_array() || c.empty()) {
        error("trainable.command", "must be a non-empty array of strings (argv), or a string with \"shell\": true");
      } else {
        for (size_t i = 0; i < c.size(); ++i) {
          if (!c[i].is_string()) error("trainable.command[" + std::to_string(i) + "]", "must be a string");
          else if (c[i].get_ref<const std::string&>().find('\0') != std::string::npos) {
            error("trainable.command[" + std::to_string(i) + "]", "contains a NUL character (\\u0000), which a command line cannot hold");
          } else if (c[i].get_ref<const std::string&>().size() >= kMaxExecString) {
            error("trainable.command[" + std::to_string(i) + "]", too_long_for_exec(c[i].get_ref<const std::string&>().size()));
          } else out.command.push_back(c[i].get<std::string>());
        }
        if (out.shell && out.command.size() != 1) {
          error("trainable.command", "with \"shell\": true, give one string (a shell command line)");
        }
        if (!out.command.empty() && out.command[0].empty()) error("trainable.command[0]", "program name is empty");
      }
    }
    out.cwd = base_dir;
    if (t.contains("cwd")) {
      if (!t["cwd"].is_string()) {
        error("trainable.cwd", "must be a string (a directory)");
      } else {
        fs::path p = t["cwd"].get<std::string>();
        out.cwd = (p.is_absolute() ? p : fs::path(base_dir) / p).lexically_normal().string();
      }
    }
    if (t.contains("env")) {
      if (!t["env"].is_object()) return error("trainable.env", "must be an object of strings");
      for (const auto& [k, v] : t["env"].items()) {
        const std::string where = "trainable.env." + escape_controls(k);
        if (k.empty() || k.find('=') != std::string::npos) error(where, "invalid variable name");
        else if (k.find('\0') != std::string::npos) error(where, "the variable name contains a NUL character (\\u0000), which the environment cannot hold");
        else if (v.is_string() && v.get_ref<const std::string&>().find('\0') != std::string::npos) {
          error(where, "the value contains a NUL character (\\u0000), which the environment cannot hold (it would be cut there)");
        } else if (v.is_string() && k.size() + 1 + v.get_ref<const std::string&>().size() >= kMaxExecString) {
          error(where, too_long_for_exec(k.size() + 1 + v.get_ref<const std::string&>().size()));
        } else if (v.is_string()) out.env[k] = v.get<std::string>();
        else if (v.is_number() || v.is_boolean()) out.env[k] = dump_compact(v);
        else error(where, "must be a string");
      }
    }
  }

  Json component(const Json& j, const char* key, const char* default_type,
                 const ComponentDef* (*find)(const std::string&), const std::vector<ComponentDef>& all) {
    Json block = j.contains(key) ? j[key] : Json{{"type", default_type}};
    if (!block.is_object()) {
      error(key, "must be an object like {\"type\": \"" + std::string(default_type) + "\"}");
      return nullptr;
    }
    const std::string type =
        block.contains("type") && block["type"].is_string() ? block["type"].get<std::string>() : "";
    const ComponentDef* def = find(block.contains("type") ? type : default_type);
    if (!def) {
      std::string list;
      std::vector<std::string> types;
      for (const auto& d : all) {
        list += (list.empty() ? "" : ", ") + d.type;
        types.push_back(d.type);
      }
      error(std::string(key) + ".type", "unknown type " + dump_compact(block.value("type", Json())) +
                                            " (available: " + list + ")" + did_you_mean(type, types));
      return nullptr;
    }
    auto r = validate_options(block, *def, key);
    if (!r) {
      for (const auto& e : r.errors()) errors.push_back(e);
      return nullptr;
    }
    return *r;
  }

  void resources(const Json& j, StudySpec& s) {
    if (!j.contains("resources_per_trial")) return;
    const Json& r = j["resources_per_trial"];
    if (!r.is_object()) return error("resources_per_trial", "must be an object like {\"cpu\": 1, \"gpu\": 0}");
    for (const auto& [k, v] : r.items()) {
      if (k != "cpu" && k != "gpu" && k != "gpu_memory_gb" && k != "placement") {
        error("resources_per_trial." + k, "unknown key (expected cpu, gpu, gpu_memory_gb, placement)" +
                                              did_you_mean(k, {"cpu", "gpu", "gpu_memory_gb", "placement"}));
      }
    }
    if (auto c = positive(r, "cpu", "resources_per_trial.cpu", true)) s.cpu_per_trial = *c;
    if (auto g = positive(r, "gpu", "resources_per_trial.gpu", true)) {
      s.gpu_per_trial = *g;
      if (*g > 1 && std::floor(*g) != *g) {
        error("resources_per_trial.gpu", "must be a fraction of one GPU (up to 1) or a whole number of GPUs, got " +
                                             dump_compact(r["gpu"]));
      }
    }
    s.gpu_memory_gb = positive(r, "gpu_memory_gb", "resources_per_trial.gpu_memory_gb");
    if (s.gpu_memory_gb && s.gpu_per_trial <= 0) {
      error("resources_per_trial.gpu_memory_gb", "needs resources_per_trial.gpu (the share of a GPU)");
    }
    if (r.contains("placement")) {
      const Json& p = r["placement"];
      if (p != "pack" && p != "spread") {
        error("resources_per_trial.placement", "must be \"pack\" or \"spread\", got " + dump_compact(p));
      } else {
        s.gpu_placement = p.get<std::string>();
      }
    }
  }

  void checkpoint(const Json& j, StudySpec& s) {
    if (!j.contains("checkpoint")) return;
    const Json& c = j["checkpoint"];
    if (!c.is_object()) return error("checkpoint", "must be an object like {\"keep\": 2}, got " + dump_compact(c));
    for (const auto& [k, v] : c.items()) {
      if (k != "keep") error("checkpoint." + k, "unknown key" + did_you_mean(k, {"keep"}));
    }
    if (auto keep = integer(c, "keep", 1, "checkpoint.keep")) s.checkpoint_keep = *keep;
  }

  void stop(const Json& j, StudySpec& s) {
    if (!j.contains("stop")) return;
    const Json& st = j["stop"];
    if (!st.is_object()) return error("stop", "must be an object like {\"training_iteration\": 20}");
    for (const auto& [k, v] : st.items()) {
      const std::string where = "stop." + k;
      if (k == "training_iteration") {
        s.stop.training_iteration = integer(st, "training_iteration", 1, where);
      } else if (k == "time_budget_s") {
        s.stop.time_budget_s = positive(st, "time_budget_s", where);
      } else if (v.is_number() && std::isfinite(v.get<double>())) {
        s.stop.thresholds[k] = v.get<double>();
      } else {
        error(where, "a metric threshold must be a number, got " + dump_compact(v));
      }
    }
  }
};

}  // namespace

SearchContext search_context(const StudySpec& s) {
  SearchContext ctx{&s.space, s.objective.metric, s.objective.maximize, s.num_samples, s.seed.value_or(0), s.search};
  if (s.objectives.size() > 1) {
    for (const auto& o : s.objectives) ctx.objectives.emplace_back(o.metric, o.maximize);
  }
  return ctx;
}

Result<StudySpec> parse_spec(const Json& j, const std::string& base_dir) {
  if (!j.is_object()) return Error{"", std::string("a study spec must be a JSON object, got ") + j.type_name()};
  SpecParser p;
  StudySpec s;
  s.raw = j;
  s.base_dir = base_dir;
  for (const auto& [k, v] : j.items()) {
    bool known = false;
    for (const char* t : kTopKeys) known = known || k == t;
    if (!known) p.error(k, "unknown key" + did_you_mean(k, kTopKeys));
  }
  if (!j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().empty()) {
    p.error("name", "must be a non-empty string");
  } else {
    s.name = j["name"].get<std::string>();
    if (s.name.find('/') != std::string::npos || s.name == "." || s.name == "..") {
      p.error("name", "must not contain '/' (it names the study's folder)");
    } else if (const size_t at = find_control(s.name); at != std::string::npos) {
      p.error("name", "contains a control character (" + describe_control(s.name, at) +
                          "); a study name must not contain NUL or other control characters (it names the study's folder)");
    } else if (constexpr size_t kMaxNameBytes = 200; s.name.size() > kMaxNameBytes) {
      p.error("name", "is " + std::to_string(s.name.size()) + " bytes long; at most " + std::to_string(kMaxNameBytes) +
                          " (it names the study's folder)");
    }
  }
  p.objective(j, s);
  if (!j.contains("space")) {
    p.error("space", "missing: give the parameters to search, e.g. {\"lr\": {\"loguniform\": [1e-4, 1e-1]}}");
  } else if (auto space = parse_space(j["space"], "space")) {
    s.space = std::move(*space);
  } else {
    for (const auto& e : space.errors()) p.errors.push_back(e);
  }
  p.trainable(j, s, base_dir);
  s.search = p.component(j, "search", "random", find_searcher_def, searcher_defs());
  s.scheduler = p.component(j, "scheduler", "fifo", find_scheduler_def, scheduler_defs());
  s.executor = p.component(j, "executor", "local", find_executor_def, executor_defs());
  if (s.executor.is_object()) {
    if (Status st = check_executor_block(s.executor, "executor"); !st) p.errors.insert(p.errors.end(), st.errors().begin(), st.errors().end());
  }
  if (j.contains("num_samples")) s.num_samples = p.integer(j, "num_samples", 1, "num_samples").value_or(1);
  if (j.contains("max_concurrent")) s.max_concurrent = p.integer(j, "max_concurrent", 1, "max_concurrent").value_or(0);
  p.resources(j, s);
  p.stop(j, s);
  p.checkpoint(j, s);
  if (j.contains("stoppers")) {
    if (auto st = validate_stoppers(j["stoppers"], "stoppers")) s.stoppers = std::move(*st);
    else p.errors.insert(p.errors.end(), st.errors().begin(), st.errors().end());
  }
  if (j.contains("max_failures")) s.max_failures = p.integer(j, "max_failures", 0, "max_failures").value_or(0);
  s.trial_timeout_s = p.positive(j, "trial_timeout_s", "trial_timeout_s");
  if (j.contains("seed")) {
    if (auto seed = p.integer(j, "seed", 0, "seed")) s.seed = static_cast<uint64_t>(*seed);
  }
  if (!p.errors.empty()) return p.errors;

  // Checks that need the parsed space and searcher.
  if (auto searcher = make_searcher(search_context(s)); !searcher) return searcher.errors();
  const ScheduleContext sctx{s.objective.metric, s.objective.maximize, s.scheduler, &s.space, s.seed.value_or(0)};
  if (auto scheduler = make_scheduler(sctx); !scheduler) return scheduler.errors();
  return s;
}

Result<StudySpec> load_spec_file(const std::string& path) {
  std::error_code fs_ec;
  if (fs::is_directory(path, fs_ec)) return Error{path, "is a directory, not a spec file"};
  if (fs::exists(path, fs_ec) && !fs::is_regular_file(path, fs_ec)) {
    return Error{path, "is not a regular file (a spec is a JSON file)"};  // a FIFO or a device would never end
  }
  if (fs::is_regular_file(path, fs_ec) && fs::file_size(path, fs_ec) > (16u << 20)) {
    return Error{path, "is larger than 16 MiB: not a study spec"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path, "cannot read the spec file: " + std::string(std::strerror(errno))};
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = parse_json_text(ss.str(), path);
  if (!j) return j.errors();
  std::error_code ec;
  const fs::path abs = fs::absolute(path, ec);
  auto spec = parse_spec(*j, abs.parent_path().string());
  if (!spec) {
    Errors errs = spec.errors();
    for (auto& e : errs) e.where = path + ": " + (e.where.empty() ? "(top)" : e.where);
    return errs;
  }
  return spec;
}

}  // namespace tunelab
