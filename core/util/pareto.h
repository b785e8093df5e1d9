#pragma once
// Pareto dominance over points with several objectives, each maximised or minimised.
// Data only: the GUI's Pareto chart, `tunelab show/export` and the multi-objective searchers use it.
#include <cstddef>
#include <vector>

namespace tunelab {

// One objective's direction.
enum class Sense { Minimize, Maximize };

// a dominates b: no worse in every objective and strictly better in at least one.
// NaN is worse than any number, and equal to NaN.
bool dominates(const std::vector<double>& a, const std::vector<double>& b, const std::vector<Sense>& senses);

// Indices of the non-dominated points (the first front), ascending. Duplicated points are all on the
// front when none dominates them. Two objectives: O(n log n) by a sort and a sweep; more: O(n^2 m).
std::vector<size_t> pareto_front(const std::vector<std::vector<double>>& points, const std::vector<Sense>& senses);

// Non-dominated sorting (NSGA-II): rank[i] = 0 for the first front, 1 for the next, ...
std::vector<int> pareto_ranks(const std::vector<std::vector<double>>& points, const std::vector<Sense>& senses);

// NSGA-II crowding distance of the points of one front (given by indices into points); infinite at the
// ends of each objective's range. Returned in the order of `front`.
std::vector<double> crowding_distance(const std::vector<std::vector<double>>& points, const std::vector<size_t>& front);

}  // namespace tunelab
