#pragma once
// Runs a built-in trainable in this process (the body of `tunelab trial NAME`).
#include <optional>
#include <string>

namespace tunelab::trainables {

// The process exit code, or nullopt when `name` is not a built-in trainable.
std::optional<int> run_builtin(const std::string& name);

}  // namespace tunelab::trainables
