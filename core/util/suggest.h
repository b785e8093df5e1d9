#pragma once
// "Did you mean ...?" for misspelt names in specs: the closest known name by edit distance.
#include <algorithm>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace tunelab {

// Levenshtein distance (insertions, deletions, substitutions; a swap of neighbours counts as one).
inline size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// " (did you mean \"NAME\"?)" for the candidate closest to `word` when it is a likely typo (at most a third of
// the letters differ, and never all), or "" when none is close.
template <typename Names>
std::string did_you_mean(std::string_view word, const Names& candidates) {
  if (word.empty() || word.size() > 200) return {};
  const size_t limit = std::max<size_t>(1, word.size() / 3);
  std::string best;
  size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    const std::string_view name(c);
    const size_t d = edit_distance(word, name);
    if (d < best_distance && d < std::max(word.size(), name.size())) {
      best_distance = d;
      best = std::string(name);
    }
  }
  return best.empty() ? std::string() : " (did you mean \"" + best + "\"?)";
}

inline std::string did_you_mean(std::string_view word, std::initializer_list<const char*> candidates) {
  return did_you_mean<std::initializer_list<const char*>>(word, candidates);
}

}  // namespace tunelab
