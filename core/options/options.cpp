#include "core/options/options.h"

#include <cmath>

#include "core/util/suggest.h"

namespace tunelab {

namespace {
const char* kind_name(OptionKind k) {
  switch (k) {
    case OptionKind::Int: return "integer";
    case OptionKind::Float: return "number";
    case OptionKind::Bool: return "boolean";
    case OptionKind::String: return "string";
    case OptionKind::Enum: return "enum";
    case OptionKind::Any: return "json";
  }
  return "?";
}
}  // namespace

Result<Json> validate_options(const Json& block, const ComponentDef& def, const std::string& path) {
  Errors errors;
  Json out = Json::object();
  out["type"] = def.type;
  for (const auto& [key, value] : block.items()) {
    if (key == "type") continue;
    const OptionDef* opt = nullptr;
    for (const auto& o : def.options) if (o.name == key) opt = &o;
    const std::string where = path + "." + key;
    if (!opt) {
      std::string list;
      std::vector<std::string> names;
      for (const auto& o : def.options) {
        list += (list.empty() ? "" : ", ") + o.name;
        names.push_back(o.name);
      }
      errors.push_back({where, "unknown option for \"" + def.type + "\"" +
                                   (list.empty() ? std::string(" (it takes none)") : " (expected one of: " + list + ")") +
                                   did_you_mean(key, names)});
      continue;
    }
    bool ok = true;
    switch (opt->kind) {
      case OptionKind::Int:
        // Within 2^53, where doubles hold every integer (and the cast to int64 below is defined).
        ok = value.is_number() && std::isfinite(value.get<double>()) &&
             std::floor(value.get<double>()) == value.get<double>() &&
             std::abs(value.get<double>()) <= 9007199254740992.0;
        break;
      case OptionKind::Float: ok = value.is_number() && std::isfinite(value.get<double>()); break;
      case OptionKind::Bool: ok = value.is_boolean(); break;
      case OptionKind::String: ok = value.is_string(); break;
      case OptionKind::Enum:
        ok = value.is_string();
        if (ok) {
          ok = false;
          for (const auto& c : opt->choices) ok = ok || value.get<std::string>() == c;
        }
        break;
      case OptionKind::Any: break;
    }
    if (!ok) {
      std::string expect = kind_name(opt->kind);
      if (opt->kind == OptionKind::Enum) {
        expect = "one of";
        for (const auto& c : opt->choices) expect += " \"" + c + "\"";
      }
      const bool vowel = expect[0] == 'i';  // "an integer"
      if (opt->kind == OptionKind::Int && value.is_number() && std::abs(value.get<double>()) > 9007199254740992.0) {
        expect += " of at most 2^53";
      }
      errors.push_back({where, "must be " + (opt->kind == OptionKind::Enum ? expect : (vowel ? "an " : "a ") + expect) +
                                   ", got " + dump_compact(value) +
                                   (opt->kind == OptionKind::Enum && value.is_string()
                                        ? did_you_mean(value.get<std::string>(), opt->choices)
                                        : std::string())});
      continue;
    }
    if (value.is_number()) {
      const double x = value.get<double>();
      if ((opt->min && x < *opt->min) || (opt->max && x > *opt->max)) {
        std::string range = "must be ";
        if (opt->min && opt->max) range += "between " + dump_compact(*opt->min) + " and " + dump_compact(*opt->max);
        else if (opt->min) range += ">= " + dump_compact(*opt->min);
        else range += "<= " + dump_compact(*opt->max);
        errors.push_back({where, range + ", got " + dump_compact(value)});
        continue;
      }
    }
    out[key] = opt->kind == OptionKind::Int ? Json(static_cast<int64_t>(value.get<double>())) : value;
  }
  if (!errors.empty()) return errors;
  for (const auto& o : def.options) {
    if (!out.contains(o.name) && !o.default_value.is_null()) out[o.name] = o.default_value;
  }
  return out;
}

const ComponentDef* find_component(const std::vector<ComponentDef>& defs, const std::string& type) {
  for (const auto& d : defs) {
    if (d.type == type) return &d;
  }
  return nullptr;
}

Json describe(const ComponentDef& def) {
  Json j;
  j["type"] = def.type;
  j["help"] = def.help;
  j["options"] = Json::array();
  for (const auto& o : def.options) {
    Json oj;
    oj["name"] = o.name;
    oj["kind"] = kind_name(o.kind);
    oj["default"] = o.default_value;
    if (o.min) oj["min"] = *o.min;
    if (o.max) oj["max"] = *o.max;
    if (!o.choices.empty()) oj["choices"] = o.choices;
    oj["help"] = o.help;
    j["options"].push_back(oj);
  }
  return j;
}

}  // namespace tunelab
