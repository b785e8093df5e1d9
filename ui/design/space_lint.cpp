#include "ui/design/space_lint.h"

#include <cmath>
#include <set>

#include "core/space/space.h"

namespace tunelab::ui {

std::vector<LintWarning> lint_space(const Json& space) {
  std::vector<LintWarning> out;
  auto parsed = parse_space(space);
  if (!parsed) return out;
  auto warn = [&](const Parameter& p, std::string message) { out.push_back({p.json_path, std::move(message)}); };
  static const std::set<std::string> rate_like = {"lr", "learning_rate", "weight_decay", "wd", "l2", "alpha", "eps"};
  for (const Parameter& p : parsed->params()) {
    const bool numeric = p.type == ParamType::Float || p.type == ParamType::Int;
    if (numeric && !p.log && p.low > 0 && p.high / p.low >= 100) {
      warn(p, "the range spans " + std::to_string(static_cast<int>(std::log10(p.high / p.low))) +
                  " decades without \"log\": most samples land in the top decade");
    }
    if (numeric && !p.log && p.low == 0 && rate_like.count(p.path.back()) && p.high <= 1) {
      warn(p, "a rate starting at 0 is usually searched on a log scale from a small positive value");
    }
    if (numeric && p.high == p.low) warn(p, "low equals high: this parameter is a constant");
    if ((p.type == ParamType::Choice || p.type == ParamType::Grid) && p.values.size() == 1) {
      warn(p, "a single value: use a constant");
    }
    if (p.type == ParamType::Choice || p.type == ParamType::Grid) {
      std::set<std::string> seen;
      for (const auto& v : p.values) {
        if (!seen.insert(dump_compact(v)).second) warn(p, "the value " + dump_compact(v) + " is listed twice");
      }
    }
    if (p.type == ParamType::Int && p.log && p.low <= 1 && p.high <= 8) {
      warn(p, "a log scale over a few small integers samples the smallest values far more often");
    }
  }
  if (parsed->grid_size() > 10000) {
    out.push_back({"space", "the grid has " + std::to_string(parsed->grid_size()) + " combinations"});
  }
  return out;
}

}  // namespace tunelab::ui
