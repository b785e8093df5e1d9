// Curve chart at scale, offscreen: N finished trials x P iterations (default 5,000 x 100).
//  build:   append every curve, mark it ended, fit the axes and paint once;
//  refresh: clear and build again (what switching the metric does);
//  select:  select another trial and paint (what clicking through the table does);
//  band:    switch the others to the median and 10-90 % band, and back.
// Wall and CPU time: on a busy machine the CPU time is the steadier figure.
// Usage: tunelab_curve_bench [--trials N] [--points P]
#include <QApplication>
#include <QElapsedTimer>

#include <ctime>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "ui/charts/curve_chart.h"

using Curves = tunelab::ui::CurveChart;

using namespace tunelab;

namespace {

double elapsed_ms(const QElapsedTimer& t) { return static_cast<double>(t.nsecsElapsed()) / 1e6; }

// CPU time of this process in ms (steadier than wall time on a busy machine).
double cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

void fill(Curves& chart, int trials, int points) {
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
  Curves chart;
  chart.resize(1200, 700);
  chart.show();
  QApplication::processEvents();
  QElapsedTimer t;
  t.start();
  double c0 = cpu_ms();
  fill(chart, trials, points);
  (void)chart.grab();
  const double build = elapsed_ms(t), build_cpu = cpu_ms() - c0;
  t.restart();
  c0 = cpu_ms();
  chart.clear();
  fill(chart, trials, points);
  (void)chart.grab();
  const double refresh = elapsed_ms(t), refresh_cpu = cpu_ms() - c0;
  const int redraws_before = chart.full_redraws();
  std::vector<double> selects;
  for (int64_t id = 10; id < 60; id += 5) {
    const double s0 = cpu_ms();
    chart.set_selected(id);
    (void)chart.grab();
    selects.push_back(cpu_ms() - s0);
  }
  std::sort(selects.begin(), selects.end());
  // The others as a median and 10-90 % band, and back.
  double c1 = cpu_ms();
  chart.set_others(Curves::Others::Band);
  (void)chart.grab();
  const double band_cpu = cpu_ms() - c1;
  c1 = cpu_ms();
  chart.set_others(Curves::Others::Faded);
  (void)chart.grab();
  const double faded_cpu = cpu_ms() - c1;
  std::printf("curves: %d trials x %d iterations: build %.0f ms (CPU %.0f ms), refresh %.0f ms (CPU %.0f ms), "
              "select p50 CPU %.1f ms (%.1f full redraws of the cached lines per select)\n",
              trials, points, build, build_cpu, refresh, refresh_cpu, selects[selects.size() / 2],
              static_cast<double>(chart.full_redraws() - redraws_before) / static_cast<double>(selects.size()));
  std::printf("curves: switch to the band CPU %.0f ms, back to faded lines CPU %.0f ms\n", band_cpu, faded_cpu);
  return 0;
}
