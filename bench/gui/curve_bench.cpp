// Curve chart at scale, offscreen: N finished trials x P iterations (default 5,000 x 100).
//  build:   append every curve, mark it ended, fit the axes and paint once;
//  refresh: clear and build again (what switching the metric does);
//  select:  select another trial and paint (what clicking through the table does).
// Usage: tunelab_curve_bench [--trials N] [--points P]
#include <QApplication>
#include <QElapsedTimer>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "ui/charts/curve_chart.h"

using namespace tunelab;

namespace {

double elapsed_ms(const QElapsedTimer& t) { return static_cast<double>(t.nsecsElapsed()) / 1e6; }

void fill(ui::CurveChart& chart, int trials, int points) {
  std::vector<double> xs(static_cast<size_t>(points)), ys(static_cast<size_t>(points));
  for (int64_t id = 1; id <= trials; ++id) {
    // Trials stopped early (ASHA-like): a quarter run to the end, the rest stop at 1/4 or 1/16.
    const int n = id % 4 == 0 ? points : id % 4 == 1 ? std::max(1, points / 4) : std::max(1, points / 16);
    for (int i = 0; i < n; ++i) {
      xs[static_cast<size_t>(i)] = i + 1;
      ys[static_cast<size_t>(i)] = (0.5 + 0.45 * ((id * 37) % 101) / 101.0) * (1 - std::exp(-(i + 1) / 15.0));
    }
    chart.append(id, std::vector<double>(xs.begin(), xs.begin() + n), std::vector<double>(ys.begin(), ys.begin() + n));
    chart.set_finished(id, true);
  }
  chart.set_best(4);
  chart.fit();
}

}  // namespace

int main(int argc, char** argv) {
  int trials = 5000, points = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--trials")) trials = std::stoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--points")) points = std::stoi(argv[i + 1]);
  }
  QApplication app(argc, argv);
  ui::CurveChart chart;
  chart.resize(1200, 700);
  chart.show();
  QApplication::processEvents();
  QElapsedTimer t;
  t.start();
  fill(chart, trials, points);
  (void)chart.grab();
  const double build = elapsed_ms(t);
  t.restart();
  chart.clear();
  fill(chart, trials, points);
  (void)chart.grab();
  const double refresh = elapsed_ms(t);
  std::vector<double> selects;
  for (int64_t id = 10; id < 60; id += 5) {
    t.restart();
    chart.set_selected(id);
    (void)chart.grab();
    selects.push_back(elapsed_ms(t));
  }
  std::sort(selects.begin(), selects.end());
  std::printf("curves: %d trials x %d iterations: build %.0f ms, refresh %.0f ms, select p50 %.1f ms\n", trials, points,
              build, refresh, selects[selects.size() / 2]);
  return 0;
}
