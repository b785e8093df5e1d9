#include "core/space/lint.h"

#include <cmath>
#include <set>
#include <sstream>

namespace tunelab {

namespace {

std::string number(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

}  // namespace

std::vector<Error> lint_space(const StudySpec& spec) {
  std::vector<Error> out;
  const SearchSpace& space = spec.space;
  std::set<std::string> unreachable;
  for (const auto& p : space.params()) {
    if (p.type == ParamType::Float && !p.log && p.low > 0 && p.high / p.low >= 100) {
      out.push_back({p.json_path, "the range " + number(p.low) + " .. " + number(p.high) + " spans " +
                                      number(std::floor(std::log10(p.high / p.low))) +
                                      " decades on a linear scale: most samples land in the top decade; "
                                      "consider \"log\": true"});
    }
    if (p.type == ParamType::Int && !p.log && p.cardinality() > 1000) {
      out.push_back({p.json_path, "an integer range with " + std::to_string(p.cardinality()) +
                                      " values: consider a step, \"log\": true, or a float"});
    }
    for (const auto& c : p.when) {
      const Parameter* parent = space.find(c.parent);
      bool reachable = parent && !unreachable.count(parent->name);
      if (reachable) {
        bool any = false;
        for (const auto& v : c.values) any = any || parent->accepts(v);
        reachable = any;
      }
      if (!reachable) {
        unreachable.insert(p.name);
        out.push_back({p.json_path + ".when." + c.parent,
                       !parent ? "the condition's parent \"" + c.parent + "\" is not a parameter: \"" + p.name +
                                     "\" is never active"
                       : unreachable.count(parent->name)
                           ? "its parent \"" + c.parent + "\" is never active, so \"" + p.name + "\" is never active"
                           : "\"" + c.parent + "\" never takes " +
                                 (c.values.size() == 1 ? dump_compact(c.values[0]) : dump_compact(Json(c.values))) +
                                 ": \"" + p.name + "\" is never active"});
        break;
      }
    }
  }
  const std::string type = spec.search.is_object() ? spec.search.value("type", "random") : "random";
  double grid = 1;
  std::string what;
  if (type == "grid") {
    for (const auto& p : space.params()) grid *= static_cast<double>(std::max<uint64_t>(1, p.cardinality()));
    what = "the grid";
  } else {
    grid = static_cast<double>(space.grid_size());
    what = "the grid parameters";
  }
  const double trials = grid * static_cast<double>(spec.num_samples);
  if (trials > 10000) {
    out.push_back({type == "grid" ? "search" : "space",
                   what + " make" + (type == "grid" ? "s " : " ") + number(grid) + " combinations; times num_samples (" +
                       std::to_string(spec.num_samples) + ") that is " + number(trials) +
                       " trials: narrow the grid or sample instead"});
  }
  return out;
}

}  // namespace tunelab
