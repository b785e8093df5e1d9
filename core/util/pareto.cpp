#include "core/util/pareto.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace tunelab {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Every objective as a cost to minimise; NaN becomes the worst cost.
double cost(double v, Sense s) {
  if (std::isnan(v)) return kInf;
  return s == Sense::Maximize ? -v : v;
}

std::vector<std::vector<double>> costs(const std::vector<std::vector<double>>& points, const std::vector<Sense>& senses) {
  std::vector<std::vector<double>> c(points.size());
  for (size_t i = 0; i < points.size(); ++i) {
    c[i].resize(senses.size());
    for (size_t k = 0; k < senses.size(); ++k) c[i][k] = cost(k < points[i].size() ? points[i][k] : NAN, senses[k]);
  }
  return c;
}

bool dominates_cost(const std::vector<double>& a, const std::vector<double>& b) {
  bool strictly = false;
  for (size_t k = 0; k < a.size(); ++k) {
    if (a[k] > b[k]) return false;
    if (a[k] < b[k]) strictly = true;
  }
  return strictly;
}

// Two objectives: sort by the first cost, then sweep keeping the lowest second cost seen in earlier groups.
std::vector<size_t> front_2d(const std::vector<std::vector<double>>& c, const std::vector<size_t>& among) {
  std::vector<size_t> order = among;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return c[a][0] != c[b][0] ? c[a][0] < c[b][0] : c[a][1] < c[b][1];
  });
  std::vector<size_t> front;
  double best_before = kInf;  // lowest second cost among points with a strictly lower first cost
  bool any_before = false;
  for (size_t g = 0; g < order.size();) {
    size_t end = g;
    while (end < order.size() && c[order[end]][0] == c[order[g]][0]) ++end;
    const double group_min = c[order[g]][1];  // the group is sorted by the second cost
    for (size_t i = g; i < end; ++i) {
      const double y = c[order[i]][1];
      const bool dominated = y > group_min || (any_before && best_before <= y);
      if (!dominated) front.push_back(order[i]);
    }
    best_before = std::min(best_before, group_min);
    any_before = true;
    g = end;
  }
  std::sort(front.begin(), front.end());
  return front;
}

std::vector<size_t> front_nd(const std::vector<std::vector<double>>& c, const std::vector<size_t>& among) {
  std::vector<size_t> front;
  for (size_t i : among) {
    bool dominated = false;
    for (size_t j : among) {
      if (j != i && dominates_cost(c[j], c[i])) { dominated = true; break; }
    }
    if (!dominated) front.push_back(i);
  }
  return front;
}

std::vector<size_t> front_of(const std::vector<std::vector<double>>& c, const std::vector<size_t>& among, size_t m) {
  if (m == 1) {
    // One objective: every point with the lowest cost.
    double best = kInf;
    for (size_t i : among) best = std::min(best, c[i][0]);
    std::vector<size_t> f;
    for (size_t i : among) if (c[i][0] == best) f.push_back(i);
    return f;
  }
  return m == 2 ? front_2d(c, among) : front_nd(c, among);
}

}  // namespace

bool dominates(const std::vector<double>& a, const std::vector<double>& b, const std::vector<Sense>& senses) {
  auto c = costs({a, b}, senses);
  return dominates_cost(c[0], c[1]);
}

std::vector<size_t> pareto_front(const std::vector<std::vector<double>>& points, const std::vector<Sense>& senses) {
  if (points.empty() || senses.empty()) return {};
  std::vector<size_t> all(points.size());
  std::iota(all.begin(), all.end(), size_t{0});
  return front_of(costs(points, senses), all, senses.size());
}

std::vector<int> pareto_ranks(const std::vector<std::vector<double>>& points, const std::vector<Sense>& senses) {
  std::vector<int> rank(points.size(), 0);
  if (points.empty() || senses.empty()) return rank;
  const auto c = costs(points, senses);
  std::vector<size_t> left(points.size());
  std::iota(left.begin(), left.end(), size_t{0});
  for (int r = 0; !left.empty(); ++r) {
    const std::vector<size_t> front = front_of(c, left, senses.size());
    for (size_t i : front) rank[i] = r;
    std::vector<size_t> rest;
    rest.reserve(left.size() - front.size());
    std::set_difference(left.begin(), left.end(), front.begin(), front.end(), std::back_inserter(rest));
    left = std::move(rest);
  }
  return rank;
}

std::vector<double> crowding_distance(const std::vector<std::vector<double>>& points, const std::vector<size_t>& front) {
  std::vector<double> dist(front.size(), 0.0);
  if (front.empty()) return dist;
  const size_t m = points[front[0]].size();
  std::vector<size_t> order(front.size());
  for (size_t k = 0; k < m; ++k) {
    std::iota(order.begin(), order.end(), size_t{0});
    auto val = [&](size_t i) { return points[front[i]][k]; };
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return val(a) < val(b); });
    dist[order.front()] = dist[order.back()] = kInf;
    const double span = val(order.back()) - val(order.front());
    if (!(span > 0) || !std::isfinite(span)) continue;
    for (size_t i = 1; i + 1 < order.size(); ++i) dist[order[i]] += (val(order[i + 1]) - val(order[i - 1])) / span;
  }
  return dist;
}

}  // namespace tunelab
