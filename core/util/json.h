#pragma once
// The JSON type used across the core. Ordered, so a spec keeps the order its author wrote
// (parameter order is shown in the GUI and fixes the order in which parameters are sampled).
#include <string_view>

#include <nlohmann/json.hpp>

namespace tunelab {
using Json = nlohmann::ordered_json;

// Compact one-line dump that never throws on invalid UTF-8 (it replaces bad bytes).
inline std::string dump_compact(const Json& j) {
  return j.dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace);
}

// The offset of the first '[' or '{' (outside strings) that opens a level deeper than `max_depth`, or npos.
// Used to refuse deep input before parsing it: copying, printing and walking a JSON value are recursive, and
// hostile input must not overflow the stack.
inline size_t find_nesting_beyond(std::string_view s, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return std::string_view::npos;
}
}  // namespace tunelab
