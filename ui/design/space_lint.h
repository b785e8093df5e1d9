#pragma once
// Warnings about a search space that is valid but probably not what the author meant. A small
// GUI-side list for now: everything goes through lint_space(), so a core lint can replace it.
#include <string>
#include <vector>

#include "core/util/json.h"

namespace tunelab::ui {

struct LintWarning {
  std::string where;    // JSON path, e.g. "space.lr"
  std::string message;
};

// `space` is the spec's "space" object; a space that does not parse gives no warnings.
std::vector<LintWarning> lint_space(const Json& space);

}  // namespace tunelab::ui
