#pragma once
// Declarative option definitions for pluggable components (searchers, schedulers).
//
// A component declares its options once; the same definitions validate the spec, fill in defaults,
// document the component, and generate the GUI's forms. A new searcher or scheduler therefore needs
// no validation or GUI code of its own.
#include <optional>
#include <string>
#include <vector>

#include "core/util/json.h"
#include "core/util/result.h"

namespace tunelab {

enum class OptionKind { Int, Float, Bool, String, Enum, Any };

struct OptionDef {
  std::string name;
  OptionKind kind = OptionKind::Float;
  Json default_value;           // null: optional with no default
  std::optional<double> min, max;        // Int, Float: inclusive bounds
  std::vector<std::string> choices;      // Enum
  std::string help;                      // one line, shown in docs and as a tooltip
};

struct ComponentDef {
  std::string type;  // the value of "type" in the spec block, e.g. "random"
  std::string help;
  std::vector<OptionDef> options;
};

// Checks `block` (the spec's "search" or "scheduler" object, including "type") against `def`:
// unknown keys, wrong kinds, out-of-range values. Returns the block with defaults filled in.
Result<Json> validate_options(const Json& block, const ComponentDef& def, const std::string& path);

// The definition named `type` in `defs`, or nullptr.
const ComponentDef* find_component(const std::vector<ComponentDef>& defs, const std::string& type);

// A component's definitions as JSON (for `tunelab schema` and the GUI).
Json describe(const ComponentDef& def);

}  // namespace tunelab
