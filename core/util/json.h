#pragma once
// The JSON type used across the core. Ordered, so a spec keeps the order its author wrote
// (parameter order is shown in the GUI and fixes the order in which parameters are sampled).
#include <string>
#include <string_view>
#include <type_traits>

#include <nlohmann/json.hpp>

namespace tunelab {
using Json = nlohmann::ordered_json;

// Compact one-line dump that never throws on invalid UTF-8 (it replaces bad bytes).
inline std::string dump_compact(const Json& j) {
  return j.dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace);
}

// `j[key]` when `j` is an object holding a value of type T there, else `fallback`. For stored JSON read back from
// a file that anyone may have edited: `Json::value` throws when the member has another type.
template <typename T>
T member_or(const Json& j, const char* key, T fallback) {
  if (!j.is_object()) return fallback;
  const auto it = j.find(key);
  if (it == j.end()) return fallback;
  if constexpr (std::is_same_v<T, std::string>) {
    return it->is_string() ? it->template get<std::string>() : fallback;
  } else if constexpr (std::is_same_v<T, bool>) {
    return it->is_boolean() ? it->template get<bool>() : fallback;
  } else if constexpr (std::is_integral_v<T>) {
    return it->is_number_integer() ? it->template get<T>() : fallback;
  } else {
    return it->is_number() ? it->template get<T>() : fallback;
  }
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
