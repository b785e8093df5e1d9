#pragma once
// The unit-cube view of a search space that model-based searchers work in.
//
// Every parameter that varies becomes one coordinate: numeric parameters (float, int, normal) their
// Parameter::to_unit value in [0, 1] (log-scaled where log is set); choice and grid parameters the
// index of their value, as a double. An inactive parameter (its condition does not hold) is NaN.
// Searchers model these vectors and convert back at the edge with decode().
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/space/space.h"

namespace tunelab {

struct Dim {
  const Parameter* param = nullptr;
  bool categorical = false;  // choice or grid: the coordinate is an index
  uint64_t choices = 0;      // categorical: number of values
  uint64_t cardinality = 0;  // numeric: number of distinct values, 0 when continuous
  bool conditional = false;  // has a `when` condition
};

class SpaceEncoding {
 public:
  explicit SpaceEncoding(const SearchSpace& space);

  const SearchSpace& space() const { return *space_; }
  const std::vector<Dim>& dims() const { return dims_; }
  size_t size() const { return dims_.size(); }

  // The vector of a config; NaN where a parameter is absent or its value is not one the space can take.
  std::vector<double> encode(const Json& config) const;
  // The config of a vector. Coordinates are clamped into range, indices rounded; coordinates of
  // parameters that are inactive given the values before them are ignored. A NaN coordinate of an
  // active parameter takes `fallback`'s value (or the centre when that is NaN too).
  Json decode(const std::vector<double>& x) const;
  // Which coordinates are active in x (given the earlier ones, as decode sees them).
  std::vector<bool> active(const std::vector<double>& x) const;
  // Moves a numeric coordinate to the centre of its value's bucket (discrete parameters), so that
  // candidates that decode to the same value also score the same.
  double snap(size_t dim, double u) const;

 private:
  const SearchSpace* space_;
  std::vector<Dim> dims_;
};

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace tunelab
