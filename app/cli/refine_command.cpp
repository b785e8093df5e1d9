// tunelab refine DB [--top FRACTION] [--out FILE [--force]]: a narrower spec from the study's best trials.
#include <cstdio>
#include <iostream>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/terminal_view.h"
#include "core/analysis/refine.h"

namespace tunelab::cli {

int refine_command(const Args& args) {
  const ParsedArgs p = parse_args(args, {"top", "out"}, {"force"});
  if (!p.error.empty() || p.positional.size() != 1) {
    std::cerr << (p.error.empty() ? "" : "tunelab refine: " + p.error + "\n")
              << "usage: tunelab refine DB [--top FRACTION] [--out FILE [--force]]\n";
    return kExitUsage;
  }
  const std::string db = p.positional[0];
  std::string out = p.value("out").value_or("");
  double top = 0.2;
  if (auto v = p.value("top")) {
    try {
      size_t used = 0;
      top = std::stod(*v, &used);
      if (used != v->size()) throw std::invalid_argument(*v);
    } catch (const std::exception&) {
      std::cerr << "tunelab refine: --top takes a fraction, e.g. 0.2, got \"" << *v << "\"\n";
      return kExitUsage;
    }
  }
  auto study = read_study(db, "refine");
  if (!study) return kExitFailed;
  const StudySummary& summary = study->summary;
  auto spec = parse_spec(summary.study.spec, summary.study.base_dir);
  if (!spec) {
    std::cerr << "tunelab refine: the study's spec no longer parses:\n" << spec.error_text() << "\n";
    return kExitFailed;
  }
  auto r = refine_spec(summary, *spec, top);
  if (!r) {
    std::cerr << "tunelab refine: " << r.error_text() << "\n";
    return kExitUsage;
  }
  if (out.empty()) out = spec->name + "-refined.json";
  if (!check_output(out, {db, summary.study.trials_dir}, p.has("force"), "refine")) return kExitUsage;
  if (!write_output_file(out, r->spec.dump(2) + "\n", "refine")) return kExitFailed;
  std::printf("%s: a space narrowed to the best %zu trials\n", out.c_str(), r->top_trials);
  for (const auto& c : r->changes) std::printf("  %s\n", terminal_safe(c).c_str());
  if (r->changes.empty()) std::printf("  (no parameter could be narrowed)\n");
  return kExitOk;
}

}  // namespace tunelab::cli
