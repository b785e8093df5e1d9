#include "core/study/lint.h"

#include <algorithm>
#include <cmath>
#include <map>
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
  // What each parameter's activity requires of the choice/grid parameters above it: name -> allowed values.
  // A parameter is unreachable when its conditions and its parents' requirements leave no value.
  std::map<std::string, std::map<std::string, std::vector<Json>>> requires_of;
  std::set<std::string> unreachable;
  // Each parameter copies its parents' requirements, so the work grows with (parameters x ancestors): bounded here,
  // past which the reachability check stops with a note (a chain of 30,000 conditions took gigabytes).
  constexpr size_t kRequirementBudget = 1'000'000;
  size_t spent = 0;
  bool reach_checked = true;
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
    if (!reach_checked) continue;
    auto& req = requires_of[p.name];
    std::string why, where;
    for (const auto& c : p.when) {
      spent += 1 + requires_of[c.parent].size() + req.size();
      if (spent > kRequirementBudget) {
        reach_checked = false;
        requires_of.clear();
        out.push_back({"space", "too many conditions, or conditions nested too deep, to check which parameters can "
                                "be active (more than " + std::to_string(kRequirementBudget) +
                                " requirements to trace): that check was skipped"});
        break;
      }
      const Parameter* parent = space.find(c.parent);
      where = p.json_path + ".when." + c.parent;
      if (!parent) {
        why = "the condition's parent \"" + c.parent + "\" is not a parameter";
        break;
      }
      if (unreachable.count(parent->name)) {
        why = "its parent \"" + c.parent + "\" is never active";
        break;
      }
      if (parent->cardinality() == 0) {
        out.push_back({where, "a condition on an exact value of the continuous \"" + c.parent +
                                  "\" is almost never met: give it a step or make it a choice"});
      }
      // Inherit what the parent needs, then narrow this parent's own values.
      for (const auto& [anc, vals] : requires_of[parent->name]) {
        auto it = req.find(anc);
        if (it == req.end()) {
          req[anc] = vals;
        } else {
          std::vector<Json> both;
          for (const auto& v : it->second) {
            if (std::find(vals.begin(), vals.end(), v) != vals.end()) both.push_back(v);
          }
          it->second = both;
        }
      }
      std::vector<Json> allowed;
      for (const auto& v : c.values) {
        if (parent->accepts(v)) allowed.push_back(v);
      }
      auto it = req.find(parent->name);
      if (it != req.end()) {
        std::vector<Json> both;
        for (const auto& v : allowed) {
          if (std::find(it->second.begin(), it->second.end(), v) != it->second.end()) both.push_back(v);
        }
        allowed = both;
      }
      req[parent->name] = allowed;
    }
    if (!reach_checked) continue;
    if (why.empty()) {
      for (const auto& [anc, vals] : req) {
        if (vals.empty()) {
          why = "its conditions contradict each other or its parents' (no value of \"" + anc + "\" satisfies them all)";
          break;
        }
      }
    }
    if (!why.empty()) {
      unreachable.insert(p.name);
      out.push_back({where, why + ": \"" + p.name + "\" is never active"});
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
