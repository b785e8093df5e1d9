#include "core/store/stored_json.h"

#include <limits>

#include "core/util/json_read.h"

namespace tunelab {

std::string parse_checked(const std::string& s, bool object, Json& out) {
  if (s.empty()) {
    out = nullptr;
    return object ? "is empty, not a JSON object" : "";
  }
  if (find_nesting_beyond(s, kMaxStoredDepth) != std::string::npos) {
    return "is nested deeper than " + std::to_string(kMaxStoredDepth) + " levels";
  }
  JsonRead read = read_json(s, JsonReadLimits{std::numeric_limits<size_t>::max(), kMaxStoredDepth});
  if (!read.ok()) return "is not valid JSON (" + read.error + ")";
  if (object && !read.value.is_object()) return std::string("is a JSON ") + read.value.type_name() + ", not an object";
  out = std::move(read.value);
  return {};
}

std::string check_metrics(const Json& m) {
  for (const char* key : {"training_iteration", "time_total_s"}) {
    if (m.contains(key) && !m[key].is_number()) {
      return std::string("has a ") + key + " that is a JSON " + m[key].type_name() + ", not a number";
    }
  }
  return {};
}

Error damaged_row(const std::string& path, const std::string& row, const std::string& column, const std::string& why) {
  return Error{path, "the study database is damaged: " + row + ": " + column + " " + why};
}

}  // namespace tunelab
