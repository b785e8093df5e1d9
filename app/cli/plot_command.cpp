// tunelab plot DB --kind curves|scatter|pareto|history|importance [--x P] [--y M] [--color C]
//   [--x-mode min|max] [--y-mode min|max] [--time] [--width W --height H] --out FILE.png|svg
//   curves: [--best K] [--others faded|band]; scatter: [--color-by status|iterations] [--at-iteration N]
// Renders a chart of a stored study headless, with the workbench's own chart code.
#include <cstdio>
#include <cstdlib>

#include "cli/args.h"
#include "cli/cli.h"
#include "core/analysis/summary.h"

#ifdef TUNELAB_WITH_UI
#include <QApplication>

#include "ui/charts/plot_renderer.h"
#endif

namespace tunelab::cli {

int plot_command(const Args& args) {
  const ParsedArgs a =
      parse_args(args, {"kind", "x", "y", "color", "x-mode", "y-mode", "width", "height", "out", "best", "others",
                        "color-by", "at-iteration"},
                 {"time", "force"});
  if (!a.error.empty() || a.positional.size() != 1 || !a.value("out")) {
    std::fprintf(stderr, "tunelab plot: %s\nusage: tunelab plot DB --kind curves|scatter|pareto|history|importance "
                 "[--x P] [--y M] [--color C] [--x-mode min|max] [--y-mode min|max] [--time] [--width W --height H] "
                 "--out FILE.png|svg [--force]\n  curves: [--best K] [--others faded|band]; scatter: [--color-by status|iterations] "
                 "[--at-iteration N]\n", a.error.empty() ? "needs a database and --out" : a.error.c_str());
    return kExitUsage;
  }
#ifdef TUNELAB_WITH_UI
  auto number = [&](const char* key, int fallback) {
    const auto v = a.value(key);
    if (!v) return fallback;
    char* end = nullptr;
    const long n = std::strtol(v->c_str(), &end, 10);
    return end && *end == '\0' && n >= 50 && n <= 10000 ? static_cast<int>(n) : -1;
  };
  const int width = number("width", 1000), height = number("height", 600);
  if (width < 0 || height < 0) {
    std::fprintf(stderr, "tunelab plot: --width and --height must be whole numbers from 50 to 10000\n");
    return kExitUsage;
  }
  auto study = read_study(a.positional[0], "plot");
  if (!study) return kExitFailed;
  const StudySummary& summary = study->summary;
  if (!check_output(*a.value("out"), {a.positional[0], summary.study.trials_dir}, a.has("force"), "plot")) return kExitUsage;
  // Headless: draw offscreen unless the caller chose a platform.
  if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  int argc = 1;
  char name[] = "tunelab";
  char* argv[] = {name, nullptr};
  QApplication app(argc, argv);
  ui::PlotRequest req;
  auto str = [&](const char* key) { return QString::fromStdString(a.value(key).value_or("")); };
  req.kind = a.value("kind") ? str("kind") : QStringLiteral("scatter");
  req.x = str("x");
  req.y = str("y");
  req.color = str("color");
  req.x_mode = str("x-mode");
  req.y_mode = str("y-mode");
  req.by_time = a.has("time");
  req.size = QSize(width, height);
  req.out = str("out");
  auto whole = [&](const char* key, int fallback) {
    const auto v = a.value(key);
    if (!v) return fallback;
    char* end = nullptr;
    const long n = std::strtol(v->c_str(), &end, 10);
    return end && *end == '\0' && !v->empty() && n >= 0 && n <= 1000000000 ? static_cast<int>(n) : -1;
  };
  if (a.value("others")) req.others = str("others");
  if (a.value("color-by")) req.color_by = str("color-by");
  req.best = whole("best", 10);
  req.at_iteration = whole("at-iteration", 0);
  const QString error = ui::render_plot(*study->store, summary, req);
  if (!error.isEmpty()) {
    std::fprintf(stderr, "tunelab plot: %s\n", error.toUtf8().constData());
    return kExitFailed;
  }
  std::printf("wrote %s (%dx%d)\n", req.out.toUtf8().constData(), width, height);
  return kExitOk;
#else
  std::fprintf(stderr, "tunelab plot: this build has no GUI libraries (TUNELAB_BUILD_UI=OFF)\n");
  return kExitFailed;
#endif
}

}  // namespace tunelab::cli
