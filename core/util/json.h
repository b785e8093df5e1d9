#pragma once
// The JSON type used across the core. Ordered, so a spec keeps the order its author wrote
// (parameter order is shown in the GUI and fixes the order in which parameters are sampled).
#include <nlohmann/json.hpp>

namespace tunelab {
using Json = nlohmann::ordered_json;

// Compact one-line dump that never throws on invalid UTF-8 (it replaces bad bytes).
inline std::string dump_compact(const Json& j) {
  return j.dump(-1, ' ', false, nlohmann::detail::error_handler_t::replace);
}
}  // namespace tunelab
