#include "core/trainables/builtin.h"

#include "core/trainables/digits_mlp.h"
#include "core/trainables/gpu_load.h"
#include "core/trainables/synthetic.h"
#include "core/trainables/table.h"

namespace tunelab::trainables {

// Keep in step with builtin_trainable_names() in core/study/spec.cpp.
std::optional<int> run_builtin(const std::string& name) {
  if (name == "digits_mlp") return run_digits_mlp();
  if (name == "synthetic") return run_synthetic();
  if (name == "table") return run_table();
  if (name == "gpu_load") return run_gpu_load();
  return std::nullopt;
}

}  // namespace tunelab::trainables
