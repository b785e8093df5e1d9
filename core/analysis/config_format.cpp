#include "core/analysis/config_format.h"

#include "core/analysis/summary.h"

namespace tunelab {

namespace {

std::string python_literal(const Json& v) {
  if (v.is_null()) return "None";
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_number() || v.is_string()) return dump_compact(v);  // JSON strings are valid Python strings
  std::string out;
  if (v.is_array()) {
    out = "[";
    for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + python_literal(v[i]);
    return out + "]";
  }
  out = "{";
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    out += (first ? "" : ", ") + dump_compact(Json(it.key())) + ": " + python_literal(it.value());
    first = false;
  }
  return out + "}";
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+/=:,") ==
                        std::string::npos) {
    return s;
  }
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string config_as_json(const Json& config) { return config.dump(2); }

std::string config_as_python(const Json& config) { return python_literal(config); }

std::string config_as_cli_args(const Json& config) {
  std::string out;
  const Json flat = flatten_json(config);
  for (auto it = flat.begin(); it != flat.end(); ++it) {
    const Json& v = it.value();
    const std::string value = v.is_string() ? v.get<std::string>() : dump_compact(v);
    out += (out.empty() ? "--" : " --") + it.key() + " " + shell_quote(value);
  }
  return out;
}

}  // namespace tunelab
