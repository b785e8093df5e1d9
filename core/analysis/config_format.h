#pragma once
// A trial's config written for pasting elsewhere: JSON, a Python dict literal, or command-line
// arguments (--name value, nested names dotted).
#include <string>

#include "core/util/json.h"

namespace tunelab {

std::string config_as_json(const Json& config);
std::string config_as_python(const Json& config);
// Flattened, one --key value per parameter; strings are shell-quoted when needed.
std::string config_as_cli_args(const Json& config);

}  // namespace tunelab
