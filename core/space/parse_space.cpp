// Parsing of the spec's "space" object: typed parameters, Ray Tune shorthand, constants, groups.
#include <array>
#include <cmath>
#include <set>

#include "core/space/space.h"
#include "core/util/suggest.h"

namespace tunelab {
namespace {

constexpr std::array kParamKeys = {"type", "low", "high", "log", "step", "values", "value", "when", "mean", "sd"};
constexpr std::array kShorthands = {"uniform",  "quniform",  "loguniform", "qloguniform", "randn",
                                    "qrandn",   "randint",   "qrandint",   "lograndint",  "qlograndint",
                                    "choice",   "grid_search"};

bool is_param_key(const std::string& k) {
  for (const char* p : kParamKeys) if (k == p) return true;
  return false;
}
// A key of a parameter definition whose value is not itself a definition (an object): then the object is a
// malformed definition, not a group. A group may hold members named "type", "low", ... when each is given as a
// definition: {"model": {"type": {"type": "const", "value": "resnet"}, "depth": {"type": "int", ...}}}.
bool has_param_key(const Json& obj) {
  for (const auto& kv : obj.items()) if (is_param_key(kv.key()) && !kv.value().is_object()) return true;
  return false;
}
bool is_shorthand(const std::string& k) {
  for (const char* s : kShorthands) if (k == s) return true;
  return false;
}

std::string join(const std::vector<std::string>& parts, const char* sep = ".") {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// Whether every value of a normal parameter is a finite double (sampled values lie within about 7 sd).
bool normal_fits(double mean, double sd) { return std::isfinite(std::abs(mean) + 8 * sd); }
constexpr const char* kNormalTooLarge = "mean and sd are too large: sampled values would overflow a double";

// Numbers in messages as the user wrote them: 4, not 4.0.
std::string fmt(double x) {
  if (std::floor(x) == x && std::abs(x) < 1e15) return std::to_string(static_cast<int64_t>(x));
  return dump_compact(Json(x));
}

class SpaceParser {
 public:
  Errors errors;
  std::vector<Parameter> params;

  void group(const Json& obj, std::vector<std::string> prefix, const std::string& path) {
    if (!obj.is_object()) {
      error(path, "must be an object mapping parameter names to definitions");
      return;
    }
    for (const auto& [key, value] : obj.items()) {
      const std::string where = path + "." + key;
      if (key.empty() || key.find('.') != std::string::npos) {
        error(where, "parameter names must be non-empty and contain no '.'");
        continue;
      }
      auto names = prefix;
      names.push_back(key);
      if (value.is_object()) {
        if (value.contains("type") && !value["type"].is_object()) {
          typed(value, names, where);
        } else if (value.size() == 1 && is_shorthand(value.begin().key())) {
          shorthand(value.begin().key(), value.begin().value(), names, where);
        } else if (const std::string hint = value.size() == 1 && value.begin().value().is_array()
                                                ? did_you_mean(value.begin().key(), kShorthands) : "";
                   !hint.empty()) {
          // {"loguniforn": [...]} would otherwise be a constant list inside a group.
          error(where + "." + value.begin().key(), "unknown search-space function" + hint +
                                                       "; for a constant list in a group, use {\"type\": \"const\", \"value\": [...]}");
        } else if (has_param_key(value)) {
          error(where, "missing \"type\" (one of float, int, normal, choice, grid, const); a group member named like a "
                       "definition's key (type, low, high, log, step, values, value, when, mean, sd) is given as a "
                       "definition, e.g. {\"type\": \"const\", \"value\": ...}");
        } else if (value.empty()) {
          error(where, "empty group: give a parameter definition or nested parameters");
        } else {
          group(value, names, where);
        }
      } else {
        // A plain value is a constant, as in Ray Tune's param_space.
        Parameter p = base(names, where);
        p.type = ParamType::Const;
        p.value = value;
        params.push_back(std::move(p));
      }
    }
  }

 private:
  void error(const std::string& where, std::string message) { errors.push_back({where, std::move(message)}); }

  static Parameter base(const std::vector<std::string>& names, const std::string& where) {
    Parameter p;
    p.name = join(names);
    p.path = names;
    p.json_path = where;
    return p;
  }

  std::optional<double> number(const Json& obj, const char* key, const std::string& where, bool required) {
    if (!obj.contains(key)) {
      if (required) error(where, std::string("missing \"") + key + "\"");
      return std::nullopt;
    }
    const Json& v = obj[key];
    if (!v.is_number() || !std::isfinite(v.get<double>())) {
      error(where + "." + key, "must be a finite number, got " + dump_compact(v));
      return std::nullopt;
    }
    return v.get<double>();
  }

  void check_keys(const Json& obj, const std::string& where, std::initializer_list<const char*> allowed) {
    for (const auto& [k, v] : obj.items()) {
      bool ok = false;
      for (const char* a : allowed) ok = ok || k == a;
      if (!ok) {
        std::string list;
        for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
        error(where + "." + k, "unknown key (expected one of: " + list + ")" + did_you_mean(k, allowed));
      }
    }
  }

  void conditions(const Json& obj, Parameter& p, const std::string& where) {
    if (!obj.contains("when")) return;
    const Json& w = obj["when"];
    if (!w.is_object() || w.empty()) {
      error(where + ".when", "must be an object like {\"optimizer\": \"sgd\"} or {\"model\": [\"resnet\", \"vit\"]}");
      return;
    }
    for (const auto& [parent, accepted] : w.items()) {
      Condition c{parent, {}};
      if (accepted.is_array()) {
        if (accepted.empty()) error(where + ".when." + parent, "empty list of accepted values");
        for (const auto& v : accepted) c.values.push_back(v);
      } else {
        c.values.push_back(accepted);
      }
      p.when.push_back(std::move(c));
    }
  }

  // Validates and stores a numeric (float/int) parameter. An int range may hold one value (low == high), as
  // Ray's exclusive-upper-bound functions produce ({"randint": [4, 5]}); the canonical form must parse too.
  void numeric(Parameter p, std::optional<double> low, std::optional<double> high, std::optional<double> step,
               bool log, const std::string& where) {
    const size_t before = errors.size();
    const bool integer = p.type == ParamType::Int;
    if (integer) {
      if (low && std::floor(*low) != *low) error(where + ".low", "must be an integer for an int parameter");
      if (high && std::floor(*high) != *high) error(where + ".high", "must be an integer for an int parameter");
      if (step && (std::floor(*step) != *step)) error(where + ".step", "must be an integer for an int parameter");
    }
    constexpr double kMaxInt = 9007199254740992.0;  // 2^53: doubles hold every integer up to it
    if (integer) {
      const char* range = "must be within +-2^53 (9007199254740992) for an int parameter";
      if (low && std::abs(*low) > kMaxInt) error(where + ".low", range);
      if (high && std::abs(*high) > kMaxInt) error(where + ".high", range);
    }
    if (low && high) {
      if (!std::isfinite(*high - *low)) {
        error(where, "the range from low (" + fmt(*low) + ") to high (" + fmt(*high) + ") is too wide: high - low overflows a double");
      } else if (integer && *low > *high) {
        error(where, "low (" + fmt(*low) + ") must not exceed high (" + fmt(*high) + ")");
      } else if (!integer && *low >= *high) {
        error(where, "low (" + fmt(*low) + ") must be less than high (" + fmt(*high) + ")");
      } else if (log && *low <= 0) {
        error(where + ".low", "log scale needs low > 0, got " + fmt(*low));
      }
      if (step) {
        if (*step <= 0) {
          error(where + ".step", "must be positive, got " + fmt(*step));
        } else if (*step > *high - *low && !(integer && *high == *low)) {
          error(where + ".step", "step (" + fmt(*step) + ") is larger than the range high - low (" +
                                     fmt(*high - *low) + ")");
        } else if ((*high - *low) / *step > kMaxInt) {
          error(where + ".step", "step (" + fmt(*step) + ") is too small: the range would hold more than 2^53 values");
        }
      }
    }
    if (errors.size() != before || !low || !high) return;
    p.low = *low;
    p.high = *high;
    p.log = log;
    p.step = step;
    params.push_back(std::move(p));
  }

  void typed(const Json& obj, const std::vector<std::string>& names, const std::string& where) {
    Parameter p = base(names, where);
    const Json& t = obj["type"];
    const std::string type = t.is_string() ? t.get<std::string>() : "";
    if (type == "float" || type == "int") {
      check_keys(obj, where, {"type", "low", "high", "log", "step", "when"});
      p.type = type == "int" ? ParamType::Int : ParamType::Float;
      bool log = false;
      if (obj.contains("log")) {
        if (!obj["log"].is_boolean()) error(where + ".log", "must be true or false");
        else log = obj["log"].get<bool>();
      }
      conditions(obj, p, where);
      auto low = number(obj, "low", where, true);
      auto high = number(obj, "high", where, true);
      auto step = number(obj, "step", where, false);
      numeric(std::move(p), low, high, step, log, where);
    } else if (type == "normal") {
      check_keys(obj, where, {"type", "mean", "sd", "step", "when"});
      p.type = ParamType::Normal;
      conditions(obj, p, where);
      p.mean = number(obj, "mean", where, false).value_or(0.0);
      p.sd = number(obj, "sd", where, false).value_or(1.0);
      p.step = number(obj, "step", where, false);
      if (p.sd <= 0) error(where + ".sd", "must be positive, got " + fmt(p.sd));
      else if (!normal_fits(p.mean, p.sd)) error(where, kNormalTooLarge);
      if (p.step && *p.step <= 0) error(where + ".step", "must be positive, got " + fmt(*p.step));
      params.push_back(std::move(p));
    } else if (type == "choice" || type == "grid") {
      check_keys(obj, where, {"type", "values", "when"});
      p.type = type == "grid" ? ParamType::Grid : ParamType::Choice;
      conditions(obj, p, where);
      if (p.type == ParamType::Grid && !p.when.empty()) {
        error(where + ".when", "a grid parameter cannot be conditional (every combination is run); use a choice, "
                               "or \"search\": {\"type\": \"grid\"}, which enumerates conditional choices");
      }
      if (!obj.contains("values")) {
        error(where, "missing \"values\"");
      } else if (!obj["values"].is_array() || obj["values"].empty()) {
        error(where + ".values", "must be a non-empty array of values");
      } else {
        for (const auto& v : obj["values"]) p.values.push_back(v);
        params.push_back(std::move(p));
      }
    } else if (type == "const") {
      check_keys(obj, where, {"type", "value", "when"});
      p.type = ParamType::Const;
      conditions(obj, p, where);
      if (!obj.contains("value")) {
        error(where, "missing \"value\"");
      } else {
        p.value = obj["value"];
        params.push_back(std::move(p));
      }
    } else {
      error(where + ".type", "unknown parameter type " + dump_compact(t) +
                                 " (expected float, int, normal, choice, grid or const)" +
                                 did_you_mean(type, {"float", "int", "normal", "choice", "grid", "const"}));
    }
  }

  // Ray Tune's search-space functions, with Ray's bound semantics.
  void shorthand(const std::string& fn, const Json& args, const std::vector<std::string>& names,
                 const std::string& where0) {
    const std::string where = where0 + "." + fn;
    Parameter p = base(names, where0);
    if (fn == "choice" || fn == "grid_search") {
      if (!args.is_array() || args.empty()) {
        error(where, "must be a non-empty array of values");
        return;
      }
      p.type = fn == "choice" ? ParamType::Choice : ParamType::Grid;
      for (const auto& v : args) p.values.push_back(v);
      params.push_back(std::move(p));
      return;
    }
    if (!args.is_array()) {
      error(where, "must be an array of arguments, e.g. {\"" + fn + "\": [...]}");
      return;
    }
    std::vector<double> a;
    for (size_t i = 0; i < args.size(); ++i) {
      if (!args[i].is_number() || !std::isfinite(args[i].get<double>())) {
        error(where + "[" + std::to_string(i) + "]", "must be a finite number, got " + dump_compact(args[i]));
        return;
      }
      a.push_back(args[i].get<double>());
    }
    auto want = [&](size_t lo, size_t hi, const char* usage) {
      if (a.size() < lo || a.size() > hi) {
        error(where, std::string("expects ") + usage + ", got " + std::to_string(a.size()) + " argument(s)");
        return false;
      }
      return true;
    };
    if (fn == "uniform" || fn == "loguniform") {
      // loguniform's optional third argument (the base) does not change the distribution.
      if (!want(2, fn == "loguniform" ? 3 : 2, "[lower, upper]")) return;
      p.type = ParamType::Float;
      numeric(std::move(p), a[0], a[1], std::nullopt, fn == "loguniform", where);
    } else if (fn == "quniform" || fn == "qloguniform") {
      if (!want(3, 3, "[lower, upper, q]")) return;
      p.type = ParamType::Float;
      numeric(std::move(p), a[0], a[1], a[2], fn == "qloguniform", where);
    } else if (fn == "randn" || fn == "qrandn") {
      if (fn == "qrandn" ? !want(3, 3, "[mean, sd, q]") : !want(0, 2, "[mean, sd]")) return;
      p.type = ParamType::Normal;
      p.mean = a.size() > 0 ? a[0] : 0.0;
      p.sd = a.size() > 1 ? a[1] : 1.0;
      if (p.sd <= 0) return error(where + "[1]", "sd must be positive");
      if (!normal_fits(p.mean, p.sd)) return error(where, kNormalTooLarge);
      if (fn == "qrandn") {
        if (a[2] <= 0) return error(where + "[2]", "q must be positive");
        p.step = a[2];
      }
      params.push_back(std::move(p));
    } else if (fn == "randint" || fn == "lograndint") {
      // Upper bound exclusive, as in Ray.
      if (!want(2, fn == "lograndint" ? 3 : 2, "[lower, upper)")) return;
      if (std::floor(a[0]) != a[0] || std::floor(a[1]) != a[1]) return error(where, "bounds must be integers");
      if (a[0] >= a[1]) return error(where, "lower (" + fmt(a[0]) + ") must be less than upper (" + fmt(a[1]) + ")");
      p.type = ParamType::Int;
      numeric(std::move(p), a[0], a[1] - 1, std::nullopt, fn == "lograndint", where);
    } else if (fn == "qrandint" || fn == "qlograndint") {
      // Upper bound inclusive, as in Ray.
      if (!want(2, 3, "[lower, upper, q]")) return;
      if (std::floor(a[0]) != a[0] || std::floor(a[1]) != a[1]) return error(where, "bounds must be integers");
      p.type = ParamType::Int;
      numeric(std::move(p), a[0], a[1], a.size() > 2 ? std::optional(a[2]) : std::optional(1.0),
              fn == "qlograndint", where);
    }
  }
};

}  // namespace

Result<SearchSpace> parse_space(const Json& space, const std::string& path) {
  SpaceParser parser;
  parser.group(space, {}, path);
  if (!parser.errors.empty()) return parser.errors;
  if (parser.params.empty()) return Error{path, "the search space has no parameters"};
  return SearchSpace::from_params(std::move(parser.params));
}

}  // namespace tunelab
