#include "core/space/space.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <set>

namespace tunelab {

const Parameter* SearchSpace::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : &params_[it->second];
}

bool SearchSpace::is_active(const Parameter& p, const FlatConfig& assigned) const {
  for (const auto& c : p.when) {
    auto it = assigned.find(c.parent);
    if (it == assigned.end()) return false;  // parent inactive (or not yet assigned)
    if (std::find(c.values.begin(), c.values.end(), it->second) == c.values.end()) return false;
  }
  return true;
}

std::vector<const Parameter*> SearchSpace::grid_params() const {
  std::vector<const Parameter*> out;
  for (const auto& p : params_) {
    if (p.type == ParamType::Grid) out.push_back(&p);
  }
  return out;
}

uint64_t SearchSpace::grid_size() const {
  uint64_t n = 1;
  for (const auto* p : grid_params()) {
    const uint64_t k = std::max<uint64_t>(1, p->values.size());
    n = n > UINT64_MAX / k ? UINT64_MAX : n * k;  // saturates: 64 grid parameters of 2 values would wrap to 0
  }
  return n;
}

Json SearchSpace::to_config(const FlatConfig& flat) const {
  Json config = Json::object();
  for (const auto& p : params_) {
    auto it = flat.find(p.name);
    if (it == flat.end()) continue;
    Json* node = &config;
    for (size_t i = 0; i + 1 < p.path.size(); ++i) node = &(*node)[p.path[i]];
    (*node)[p.path.back()] = it->second;
  }
  return config;
}

namespace {

// Dotted names of every leaf (non-object value) of a nested config.
// A parameter's value is a leaf even when it is an object (a choice among objects).
void leaf_names(const SearchSpace& space, const Json& j, const std::string& prefix, std::vector<std::string>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string name = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object() && !it->empty() && !space.find(name)) leaf_names(space, *it, name, out);
    else out.push_back(name);
  }
}

}  // namespace

Status SearchSpace::check_config(const Json& config) const {
  if (!config.is_object()) return Error{"config", "must be a JSON object of parameter values"};
  Errors errors;
  const FlatConfig given = flatten(config);
  FlatConfig assigned;
  for (const auto& p : params_) {
    auto it = given.find(p.name);
    const bool active = is_active(p, assigned);
    if (!active) {
      if (it != given.end()) errors.push_back({"config." + p.name, "is inactive here (its condition does not hold); remove it"});
      continue;
    }
    if (it == given.end()) {
      errors.push_back({"config." + p.name, "is missing"});
      continue;
    }
    if (!p.accepts(it->second)) {
      errors.push_back({"config." + p.name, dump_compact(it->second) + " is not a value of this parameter (" +
                                                dump_compact(p.to_json()) + ")"});
      continue;
    }
    assigned[p.name] = it->second;
  }
  std::vector<std::string> leaves;
  leaf_names(*this, config, "", leaves);
  for (const auto& name : leaves) {
    if (!find(name)) errors.push_back({"config." + name, "is not a parameter of the search space"});
  }
  if (errors.empty()) return {};
  return errors;
}

FlatConfig SearchSpace::flatten(const Json& config) const {
  FlatConfig flat;
  for (const auto& p : params_) {
    const Json* node = &config;
    bool found = true;
    for (const auto& part : p.path) {
      if (!node->is_object() || !node->contains(part)) {
        found = false;
        break;
      }
      node = &(*node)[part];
    }
    if (found) flat[p.name] = *node;
  }
  return flat;
}

Json SearchSpace::to_json() const {
  Json out = Json::object();
  for (const auto& p : params_) {
    Json* node = &out;
    for (size_t i = 0; i + 1 < p.path.size(); ++i) node = &(*node)[p.path[i]];
    (*node)[p.path.back()] = p.to_json();
  }
  return out;
}

Result<SearchSpace> SearchSpace::from_params(std::vector<Parameter> params) {
  Errors errors;
  std::map<std::string, size_t> by_name;
  for (size_t i = 0; i < params.size(); ++i) {
    if (!by_name.emplace(params[i].name, i).second) {
      errors.push_back({params[i].json_path, "duplicate parameter name \"" + params[i].name + "\""});
    }
  }
  // Conditions: the parent must exist and be able to take each listed value.
  for (auto& p : params) {
    for (auto& c : p.when) {
      const std::string where = p.json_path + ".when." + c.parent;
      auto it = by_name.find(c.parent);
      if (it == by_name.end()) {
        // Allow a sibling's short name: "optimizer" inside group "model" means "model.optimizer".
        const auto dot = p.name.rfind('.');
        if (dot != std::string::npos) it = by_name.find(p.name.substr(0, dot + 1) + c.parent);
      }
      if (it == by_name.end()) {
        errors.push_back({where, "condition on a missing parameter \"" + c.parent + "\""});
        continue;
      }
      const Parameter& parent = params[it->second];
      if (parent.name == p.name) {
        errors.push_back({where, "a parameter cannot be conditioned on itself"});
        continue;
      }
      c.parent = parent.name;
      for (const auto& v : c.values) {
        if (!parent.accepts(v)) {
          errors.push_back({where, "parameter \"" + parent.name + "\" can never take the value " + dump_compact(v)});
        }
      }
    }
  }
  if (!errors.empty()) return errors;

  // Order parents before children, keeping the author's order otherwise; detect cycles. Iterative (a spec may
  // hold a chain of thousands of conditions), and conditions nest at most kMaxConditionDepth levels: what reads
  // the space (lint, the searchers' encodings) then does bounded work per parameter.
  constexpr size_t kMaxConditionDepth = 100;
  std::vector<int> state(params.size(), 0);  // 0 unvisited, 1 visiting, 2 done
  std::vector<size_t> depth(params.size(), 0);  // 0 for an unconditional parameter
  std::vector<size_t> order;
  std::vector<std::pair<size_t, size_t>> stack;  // (parameter, next condition to visit)
  for (size_t start = 0; start < params.size(); ++start) {
    if (state[start] == 2) continue;
    stack.push_back({start, 0});
    state[start] = 1;
    while (!stack.empty()) {
      auto& [i, next] = stack.back();
      if (next < params[i].when.size()) {
        const size_t parent = by_name.at(params[i].when[next++].parent);
        if (state[parent] == 1) {
          errors.push_back({params[start].json_path + ".when", "conditions form a cycle"});
          return errors;
        }
        if (state[parent] == 0) {
          state[parent] = 1;
          stack.push_back({parent, 0});
        }
        continue;
      }
      for (const auto& c : params[i].when) depth[i] = std::max(depth[i], depth[by_name.at(c.parent)] + 1);
      if (depth[i] > kMaxConditionDepth) {
        errors.push_back({params[i].json_path + ".when",
                          "conditions nest more than " + std::to_string(kMaxConditionDepth) +
                              " levels deep (a chain of parameters each active only when the one before is): at most " +
                              std::to_string(kMaxConditionDepth) + " levels"});
        return errors;
      }
      state[i] = 2;
      order.push_back(i);
      stack.pop_back();
    }
  }
  SearchSpace space;
  for (size_t i : order) {
    space.index_[params[i].name] = space.params_.size();
    space.params_.push_back(std::move(params[i]));
  }
  return space;
}

}  // namespace tunelab
