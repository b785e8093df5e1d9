#include "core/space/parameter.h"

#include <algorithm>
#include <cmath>

#include "core/util/normal.h"

namespace tunelab {

const char* to_string(ParamType t) {
  switch (t) {
    case ParamType::Float: return "float";
    case ParamType::Int: return "int";
    case ParamType::Normal: return "normal";
    case ParamType::Choice: return "choice";
    case ParamType::Grid: return "grid";
    case ParamType::Const: return "const";
  }
  return "?";
}

namespace {

// Number of grid points low, low+step, ... that do not exceed high (with a little slack for rounding).
uint64_t steps_in_range(double low, double high, double step) {
  return static_cast<uint64_t>(std::floor((high - low) / step + 1e-9)) + 1;
}

Json number(double x, bool integer) {
  if (integer) return Json(static_cast<int64_t>(std::llround(x)));
  return Json(x);
}

bool is_integral(double x) { return std::isfinite(x) && std::floor(x) == x; }

}  // namespace

uint64_t Parameter::cardinality() const {
  switch (type) {
    case ParamType::Float:
      return step && !log ? steps_in_range(low, high, *step) : 0;
    case ParamType::Int:
      return steps_in_range(low, high, step.value_or(1));
    case ParamType::Normal:
      return 0;
    case ParamType::Choice:
    case ParamType::Grid:
      return values.size();
    case ParamType::Const:
      return 1;
  }
  return 0;
}

Json Parameter::value_at(uint64_t i) const {
  switch (type) {
    case ParamType::Float:
    case ParamType::Int:
      return number(low + static_cast<double>(i) * step.value_or(1), type == ParamType::Int);
    case ParamType::Choice:
    case ParamType::Grid:
      return values.at(i);
    case ParamType::Const:
      return value;
    case ParamType::Normal:
      break;
  }
  return Json();
}

Json Parameter::from_unit(double u) const {
  u = std::clamp(u, 0.0, std::nextafter(1.0, 0.0));
  const bool integer = type == ParamType::Int;
  switch (type) {
    case ParamType::Float:
    case ParamType::Int: {
      if (!log) {
        if (integer || step) {
          const uint64_t n = cardinality();
          const auto k = std::min<uint64_t>(static_cast<uint64_t>(u * static_cast<double>(n)), n - 1);
          return value_at(k);
        }
        return Json(low + u * (high - low));
      }
      // Log scale. Integers are widened by half a unit so that the end values get their share.
      const double lo = integer ? low - 0.5 : low;
      const double hi = integer ? high + 0.5 : high;
      double x = std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo)));
      const double q = step.value_or(integer ? 1.0 : 0.0);
      if (q > 0) {
        x = low + std::round((x - low) / q) * q;
        const double last = low + static_cast<double>(steps_in_range(low, high, q) - 1) * q;
        x = std::clamp(x, low, last);
      } else {
        x = std::clamp(x, low, high);
      }
      return number(x, integer);
    }
    case ParamType::Normal: {
      const double p = std::clamp(u, 1e-12, 1 - 1e-12);
      double x = mean + sd * normal_quantile(p);
      if (step) {
        const double rounded = std::round(x / *step) * *step;
        if (std::isfinite(rounded)) x = rounded;  // a step far below x: x is already on the grid's scale
      }
      return Json(x == 0 ? 0.0 : x);  // no -0.0 in configs
    }
    case ParamType::Choice:
    case ParamType::Grid: {
      const uint64_t n = values.size();
      const auto k = std::min<uint64_t>(static_cast<uint64_t>(u * static_cast<double>(n)), n - 1);
      return values[k];
    }
    case ParamType::Const:
      return value;
  }
  return Json();
}

std::optional<double> Parameter::to_unit(const Json& v) const {
  if (!accepts(v)) return std::nullopt;
  switch (type) {
    case ParamType::Float:
    case ParamType::Int: {
      const double x = v.get<double>();
      const bool integer = type == ParamType::Int;
      if (!log && (integer || step)) {
        const double q = step.value_or(1);
        const double k = std::round((x - low) / q);
        return (k + 0.5) / static_cast<double>(cardinality());
      }
      if (!log) return high > low ? (x - low) / (high - low) : 0.5;
      const double lo = integer ? low - 0.5 : low;
      const double hi = integer ? high + 0.5 : high;
      return std::clamp((std::log(x) - std::log(lo)) / (std::log(hi) - std::log(lo)), 0.0, 1.0);
    }
    case ParamType::Normal:
      return normal_cdf((v.get<double>() - mean) / sd);
    case ParamType::Choice:
    case ParamType::Grid:
      for (size_t i = 0; i < values.size(); ++i) {
        if (values[i] == v) return (static_cast<double>(i) + 0.5) / static_cast<double>(values.size());
      }
      return std::nullopt;
    case ParamType::Const:
      return 0.5;
  }
  return std::nullopt;
}

bool Parameter::accepts(const Json& v) const {
  switch (type) {
    case ParamType::Float:
    case ParamType::Int: {
      if (!v.is_number()) return false;
      const double x = v.get<double>();
      const double eps = 1e-9 * std::max(1.0, std::abs(high - low));
      if (!(x >= low - eps && x <= high + eps)) return false;
      if (type == ParamType::Int && !is_integral(x)) return false;
      const double q = step.value_or(type == ParamType::Int ? 1.0 : 0.0);
      if (q > 0) {
        const double k = (x - low) / q;
        if (std::abs(k - std::round(k)) > 1e-6) return false;
      }
      return true;
    }
    case ParamType::Normal:
      return v.is_number();
    case ParamType::Choice:
    case ParamType::Grid:
      return std::find(values.begin(), values.end(), v) != values.end();
    case ParamType::Const:
      return v == value;
  }
  return false;
}

Json Parameter::to_json() const {
  Json j;
  j["type"] = to_string(type);
  switch (type) {
    case ParamType::Float:
    case ParamType::Int:
      j["low"] = number(low, type == ParamType::Int);
      j["high"] = number(high, type == ParamType::Int);
      if (log) j["log"] = true;
      if (step) j["step"] = number(*step, type == ParamType::Int);
      break;
    case ParamType::Normal:
      j["mean"] = mean;
      j["sd"] = sd;
      if (step) j["step"] = *step;
      break;
    case ParamType::Choice:
    case ParamType::Grid:
      j["values"] = values;
      break;
    case ParamType::Const:
      j["value"] = value;
      break;
  }
  if (!when.empty()) {
    Json w = Json::object();
    for (const auto& c : when) w[c.parent] = c.values.size() == 1 ? c.values[0] : Json(c.values);
    j["when"] = w;
  }
  return j;
}

}  // namespace tunelab
