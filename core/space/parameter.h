#pragma once
// One searchable parameter and its mapping to the unit interval.
//
// Every parameter value maps to a float in [0, 1] (log-scaled first where log is set), as Optuna's
// distributions do; searchers work in that unit cube and convert at the edge with from_unit().
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/util/json.h"

namespace tunelab {

enum class ParamType { Float, Int, Normal, Choice, Grid, Const };

const char* to_string(ParamType t);

// A parameter is active only when its parent parameter is active and has one of `values`.
struct Condition {
  std::string parent;         // full dotted name of the parent parameter
  std::vector<Json> values;   // accepted parent values (JSON equality)
};

struct Parameter {
  std::string name;               // full dotted name, e.g. "model.depth"
  std::vector<std::string> path;  // name split at the dots: where the value sits in the nested config
  std::string json_path;          // where it was declared in the spec, e.g. "space.model.depth"
  ParamType type = ParamType::Float;

  double low = 0, high = 1;       // Float, Int (both bounds inclusive)
  bool log = false;               // Float, Int: sample log-uniformly
  std::optional<double> step;     // Float, Int (Int defaults to 1), Normal: quantisation step
  double mean = 0, sd = 1;        // Normal
  std::vector<Json> values;       // Choice, Grid
  Json value;                     // Const
  std::vector<Condition> when;    // all must hold for the parameter to be active

  // Number of distinct values, or 0 when the parameter is continuous (Float without step, Normal).
  uint64_t cardinality() const;
  // The i-th distinct value, for 0 <= i < cardinality().
  Json value_at(uint64_t i) const;

  // Maps u in [0, 1) to a value. Discrete values get equal probability mass; log-scaled
  // parameters are uniform in log space.
  Json from_unit(double u) const;
  // Inverse of from_unit (the centre of a discrete value's bucket); nullopt if v is not a value
  // this parameter can take.
  std::optional<double> to_unit(const Json& v) const;
  // Whether v is a value this parameter can take (type, bounds, step).
  bool accepts(const Json& v) const;

  // The spec's canonical JSON form of this parameter (type, bounds, ..., when), as parse_space reads it.
  Json to_json() const;
};

}  // namespace tunelab
