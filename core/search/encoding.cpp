#include "core/search/encoding.h"

#include <algorithm>

namespace tunelab {

SpaceEncoding::SpaceEncoding(const SearchSpace& space) : space_(&space) {
  for (const auto& p : space.params()) {
    if (p.type == ParamType::Const) continue;
    Dim d;
    d.param = &p;
    d.categorical = p.type == ParamType::Choice || p.type == ParamType::Grid;
    d.choices = d.categorical ? p.values.size() : 0;
    d.cardinality = d.categorical ? 0 : p.cardinality();
    d.conditional = !p.when.empty();
    dims_.push_back(d);
  }
}

std::vector<double> SpaceEncoding::encode(const Json& config) const {
  const FlatConfig flat = space_->flatten(config);
  std::vector<double> x(dims_.size(), kNaN);
  for (size_t i = 0; i < dims_.size(); ++i) {
    const Parameter& p = *dims_[i].param;
    auto it = flat.find(p.name);
    if (it == flat.end()) continue;
    if (dims_[i].categorical) {
      for (size_t k = 0; k < p.values.size(); ++k) {
        if (p.values[k] == it->second) x[i] = static_cast<double>(k);
      }
    } else if (auto u = p.to_unit(it->second)) {
      x[i] = *u;
    }
  }
  return x;
}

double SpaceEncoding::snap(size_t dim, double u) const {
  const Dim& d = dims_[dim];
  if (d.categorical || d.cardinality == 0 || std::isnan(u)) return u;
  if (auto v = d.param->to_unit(d.param->from_unit(u))) return *v;
  return u;
}

Json SpaceEncoding::decode(const std::vector<double>& x) const {
  FlatConfig flat;
  size_t di = 0;
  for (const auto& p : space_->params()) {
    const bool is_dim = p.type != ParamType::Const;
    const size_t i = di;
    if (is_dim) ++di;
    if (!space_->is_active(p, flat)) continue;
    if (!is_dim) {
      flat[p.name] = p.value;
      continue;
    }
    double v = i < x.size() ? x[i] : kNaN;
    if (dims_[i].categorical) {
      const auto n = static_cast<double>(p.values.size());
      const double k = std::isnan(v) ? 0.0 : std::clamp(std::round(v), 0.0, n - 1);
      flat[p.name] = p.values[static_cast<size_t>(k)];
    } else {
      flat[p.name] = p.from_unit(std::isnan(v) ? 0.5 : std::clamp(v, 0.0, 1.0));
    }
  }
  return space_->to_config(flat);
}

std::vector<bool> SpaceEncoding::active(const std::vector<double>& x) const {
  std::vector<bool> out(dims_.size(), false);
  if (!std::any_of(dims_.begin(), dims_.end(), [](const Dim& d) { return d.conditional; })) {
    std::fill(out.begin(), out.end(), true);
    return out;
  }
  const FlatConfig flat = space_->flatten(decode(x));
  for (size_t i = 0; i < dims_.size(); ++i) out[i] = flat.count(dims_[i].param->name) > 0;
  return out;
}

}  // namespace tunelab
