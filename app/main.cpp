// tunelab: with no subcommand, the GUI; with a subcommand, headless (no display needed).
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "core/exec/executor_registry.h"
#include "core/schedule/scheduler.h"
#include "core/schedule/stopper.h"
#include "core/search/searcher.h"

#ifdef TUNELAB_WITH_UI
#include "ui/app/gui_main.h"
#endif

namespace tunelab::cli {

void print_usage() {
  std::printf(
      "TuneLab %s: a workbench for hyperparameter tuning\n\n"
      "usage:\n"
      "  tunelab [SPEC]                       open the workbench (on SPEC, or the demo study)\n"
      "  tunelab run SPEC [--db FILE] [--max-concurrent N] [--quiet]\n"
      "                                       run a study in the terminal\n"
      "  tunelab resume DB [--max-concurrent N] [--quiet] [--num-samples N] [--trainable CMD]\n"
      "                                       continue a study whose engine was stopped or killed\n"
      "  tunelab stop DB [--trial N]          stop a trial, or the whole study, that an engine runs\n"
      "  tunelab pause DB [--trial N]         pause a trial (it keeps its checkpoint), or the study\n"
      "  tunelab resume DB --trial N          resume a paused trial (bare `resume DB` while an engine runs\n"
      "                                       resumes the paused study)\n"
      "  tunelab set DB --max-concurrent N    change how many trials run at once (0: no limit)\n"
      "  tunelab add DB --config JSON         add a trial with this config\n"
      "  tunelab clone DB --trial N [--set key=value ...]\n"
      "                                       add a copy of a trial, with edits\n"
      "                                       (these wait up to 10 s for the engine's outcome: --no-wait,\n"
      "                                       --wait S; exit 0 applied, 1 refused, 3 still pending)\n"
      "  tunelab show DB [--json] [--grid-intensity G]\n"
      "                                       trials, their status and best results (G: g CO2/kWh)\n"
      "  tunelab export DB [--format csv|json] [--results [--attempts]] [--out FILE [--force]] [--grid-intensity G]\n"
      "                                       one row per trial (or per result with --results; --attempts adds\n"
      "                                       abandoned attempts' results and an attempt column)\n"
      "  tunelab export DB --format curves [--metric M] [--out FILE [--force]]\n"
      "                                       learning curves as a table for the `table` trainable\n"
      "  tunelab export DB --format optuna --out FILE [--force]\n"
      "                                       the study as an Optuna storage (SQLite; docs/import.md)\n"
      "  tunelab replay DB --scheduler JSON [--concurrency N] [--json]\n"
      "                                       what another scheduler would have spent and kept\n"
      "  tunelab validate SPEC                check a spec and list its errors (and warnings about the space)\n"
      "  tunelab plot DB --kind curves|scatter|pareto|history|importance [--x P] [--y M] --out F.png|svg\n"
      "                                       draw a chart of a study headless\n"
      "  tunelab refine DB [--top 0.2] [--out FILE [--force]]\n"
      "                                       a narrower spec from the best trials\n"
      "  tunelab import PATH --db OUT.db [--study NAME] [--metric M --mode max|min]\n"
      "                                       a Ray Tune experiment folder or an Optuna storage as a study\n"
      "  tunelab schema                       searchers, schedulers and stoppers with their options (JSON)\n"
      "  tunelab where NAME [--storage DIR] [--fresh]\n"
      "                                       where the Python front-end keeps the study NAME (JSON)\n"
      "  tunelab trial NAME                   run a built-in trainable (started by the engine)\n"
      "  tunelab --version\n\n"
      "Docs: docs/spec.md (study spec), docs/protocol.md (trial protocol), docs/storage.md (database),\n"
      "docs/gpu.md (GPUs).\n",
      TUNELAB_VERSION);
}

}  // namespace tunelab::cli

int main(int argc, char** argv) {
  using namespace tunelab::cli;
  const std::vector<std::string> all(argv + 1, argv + argc);
  const std::string cmd = all.empty() ? "" : all[0];
  const Args rest(all.empty() ? all.end() : all.begin() + 1, all.end());
  if (cmd == "run") return run_command(rest);
  if (cmd == "resume") return resume_dispatch(rest);
  if (cmd == "stop" || cmd == "pause" || cmd == "set" || cmd == "add" || cmd == "clone") return control_command(cmd, rest);
  if (cmd == "show") return show_command(rest);
  if (cmd == "export") return export_command(rest);
  if (cmd == "trial") return trial_command(rest);
  if (cmd == "validate") return validate_command(rest);
  if (cmd == "where") return where_command(rest);
  if (cmd == "plot") return plot_command(rest);
  if (cmd == "refine") return refine_command(rest);
  if (cmd == "replay") return replay_command(rest);
  if (cmd == "import") return import_command(rest);
  if (cmd == "schema") {
    tunelab::Json j = {{"searchers", tunelab::Json::array()},
                       {"schedulers", tunelab::Json::array()},
                       {"stoppers", tunelab::Json::array()},
                       {"executors", tunelab::Json::array()}};
    for (const auto& d : tunelab::searcher_defs()) j["searchers"].push_back(tunelab::describe(d));
    for (const auto& d : tunelab::scheduler_defs()) j["schedulers"].push_back(tunelab::describe(d));
    for (const auto& d : tunelab::stopper_defs()) j["stoppers"].push_back(tunelab::describe(d));
    for (const auto& d : tunelab::executor_defs()) j["executors"].push_back(tunelab::describe(d));
    std::cout << j.dump(2) << "\n";
    return kExitOk;
  }
  if (cmd == "--version" || cmd == "version") {
    std::printf("tunelab %s\n", TUNELAB_VERSION);
    return kExitOk;
  }
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    print_usage();
    return kExitOk;
  }
  if (!cmd.empty() && cmd[0] == '-' && cmd != "--demo" && cmd != "--screenshot") {
    std::fprintf(stderr, "tunelab: unknown option %s\n", cmd.c_str());
    print_usage();
    return kExitUsage;
  }
  if (!cmd.empty() && cmd != "--demo" && cmd != "--screenshot" && cmd.find('.') == std::string::npos) {
    std::fprintf(stderr, "tunelab: unknown command \"%s\"\n\n", cmd.c_str());
    print_usage();
    return kExitUsage;
  }
#ifdef TUNELAB_WITH_UI
  return tunelab::ui::gui_main(argc, argv);
#else
  std::fprintf(stderr, "tunelab: this build has no GUI (TUNELAB_BUILD_UI=OFF); use a subcommand.\n\n");
  print_usage();
  return kExitUsage;
#endif
}
