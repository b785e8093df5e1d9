#pragma once
// A search space: the parameters of a study, ordered so that every parent comes before the
// parameters conditioned on it. Parsed from the spec's "space" object (see docs/spec.md).
#include <map>
#include <string>
#include <vector>

#include "core/space/parameter.h"
#include "core/util/result.h"

namespace tunelab {

// Values assigned so far, by full dotted parameter name. Inactive parameters are absent.
using FlatConfig = std::map<std::string, Json>;

class SearchSpace {
 public:
  const std::vector<Parameter>& params() const { return params_; }
  const Parameter* find(const std::string& name) const;
  bool empty() const { return params_.empty(); }

  // Whether p is active given the values of the parameters before it.
  bool is_active(const Parameter& p, const FlatConfig& assigned) const;

  // Grid-type parameters, in order, and the number of their combinations (1 when there are none; UINT64_MAX
  // when there are more).
  std::vector<const Parameter*> grid_params() const;
  uint64_t grid_size() const;

  // Nested config object from flat values: {"model.depth": 3} -> {"model": {"depth": 3}}.
  Json to_config(const FlatConfig& flat) const;
  // Inverse of to_config, keeping only this space's parameters that are present.
  FlatConfig flatten(const Json& config) const;

  // Whether a hand-written nested config is one this space could propose: every active parameter
  // present with a value it accepts, no inactive or unknown keys. Errors are at "config.<name>".
  Status check_config(const Json& config) const;

  // The canonical spec form (nested groups, typed parameters).
  Json to_json() const;

  // Builds a space from parameters in any order; orders parents first. Errors name json paths.
  static Result<SearchSpace> from_params(std::vector<Parameter> params);

 private:
  std::vector<Parameter> params_;
  std::map<std::string, size_t> index_;
};

// Parses the spec's "space" value (an object). `path` is the JSON path of that value, for errors.
// Accepts typed parameters ({"type": "float", ...}), Ray Tune shorthand ({"loguniform": [1e-4, 1e-1]}),
// plain values (constants), and nested objects (groups). Reports every error found, not only the first.
Result<SearchSpace> parse_space(const Json& space, const std::string& path = "space");

}  // namespace tunelab
