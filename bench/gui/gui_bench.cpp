// GUI benchmark, offscreen:
//  1. 1,000 trials x 200 points streamed at 10 Hz into the monitor (one batch per tick: a point for every
//     trial): p50/p95/max time per batch, applying it to the table and curves and repainting the window.
//  2. Opening a stored 10,000-trial study (10 results each; --stored-points 200 for the 2M-result study) and
//     showing its table and curves. --keep DIR keeps (or reuses) the stored study in DIR/study.db, so two
//     builds open the same file; --no-stream skips part 1, --no-summary the timing of summarize().
// Usage: tunelab_gui_bench [--trials N] [--points P] [--hz H] [--stored N] [--stored-points P] [--keep DIR]
//                          [--no-stream] [--no-summary]
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QElapsedTimer>
#include <QTemporaryDir>
#include <QThread>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/analysis/summary.h"
#include "core/store/store.h"
#include "ui/bridge/engine_bridge.h"
#include "ui/charts/curve_chart.h"
#include "ui/views/main_window.h"
#include "ui/views/monitor_view.h"

using namespace tunelab;

namespace {

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(std::min<double>(static_cast<double>(v.size() - 1), p * static_cast<double>(v.size())))];
}

Json bench_spec(int64_t samples) {
  return {{"name", "bench"},
          {"objective", {{"metric", "score"}, {"mode", "max"}}},
          {"space", {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}},
                     {"lr", {{"type", "float"}, {"low", 1e-4}, {"high", 1e-1}, {"log", true}}}}},
          {"trainable", {{"builtin", "synthetic"}}},
          {"num_samples", samples},
          {"seed", 1}};
}

// A line of /proc/self/status in MB (VmRSS: resident now; VmHWM: the peak).
double status_mb(const char* key) {
  QFile f(QStringLiteral("/proc/self/status"));
  if (!f.open(QIODevice::ReadOnly)) return 0;
  for (const QByteArray& line : f.readAll().split('\n')) {
    if (!line.startsWith(key)) continue;
    const QByteArray kb = line.mid(static_cast<qsizetype>(std::strlen(key))).trimmed().split(' ').first();
    return kb.toDouble() / 1024.0;
  }
  return 0;
}

double score(int64_t id, int i) { return (1 - std::pow((id % 97) / 97.0 - 0.3, 2)) * (1 - std::exp(-i / 30.0)); }

void stream(int trials, int points, double hz) {
  ui::EngineBridge bridge;
  ui::MonitorView monitor(&bridge);
  monitor.resize(1600, 1000);
  monitor.show();
  monitor.begin_study({"score", true}, {"x", "lr"}, QString(), false, 8);
  QApplication::processEvents();
  std::vector<StudyEvent> created;
  for (int64_t id = 1; id <= trials; ++id) {
    StudyEvent e;
    e.kind = StudyEvent::Kind::TrialCreated;
    e.trial_id = id;
    e.data = {{"x", (id % 97) / 97.0}, {"lr", 1e-4 * std::pow(1000.0, (id % 89) / 89.0)}};
    created.push_back(e);
    e.kind = StudyEvent::Kind::TrialStarted;
    e.data = Json::object();
    created.push_back(e);
  }
  monitor.apply(created);
  QApplication::processEvents();
  std::vector<double> times, apply_times;
  QElapsedTimer clock;
  clock.start();
  const double period_ms = 1000.0 / hz;
  for (int i = 1; i <= points; ++i) {
    std::vector<StudyEvent> batch;
    batch.reserve(static_cast<size_t>(trials) + 1);
    for (int64_t id = 1; id <= trials; ++id) {
      StudyEvent e;
      e.kind = StudyEvent::Kind::TrialResult;
      e.trial_id = id;
      const double s = score(id, i);
      e.data = {{"score", s}, {"loss", 1 - s}, {"training_iteration", i}, {"time_total_s", i * 0.1}};
      batch.push_back(std::move(e));
    }
    StudyEvent p;
    p.kind = StudyEvent::Kind::Progress;
    p.progress.total = trials;
    p.progress.running = trials;
    batch.push_back(p);
    QElapsedTimer t;
    t.start();
    monitor.apply(batch);
    apply_times.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    // Paint what the batch made dirty (the offscreen platform paints into its backing store).
    QApplication::processEvents();
    times.push_back(static_cast<double>(t.nsecsElapsed()) / 1e6);
    // 10 Hz: wait for the next tick, serving the event loop meanwhile.
    while (static_cast<double>(clock.elapsed()) < period_ms * i) {
      QApplication::processEvents(QEventLoop::AllEvents, 5);
      QThread::msleep(1);
    }
  }
  std::printf("stream: %d trials x %d points at %.0f Hz: batch p50 %.1f ms, p95 %.1f ms, max %.1f ms (goal p95 <= 16 ms)\n",
              trials, points, hz, percentile(times, 0.5), percentile(times, 0.95),
              *std::max_element(times.begin(), times.end()));
  std::printf("stream: applying alone (models, no painting): p50 %.1f ms, p95 %.1f ms\n", percentile(apply_times, 0.5),
              percentile(apply_times, 0.95));
  std::printf("stream: %d curves, %d points painted in the last one, %d full redraws of the curve cache\n",
              monitor.curves()->series_count(), monitor.curves()->drawn_points(trials), monitor.curves()->full_redraws());
}

void open_stored(int trials, int results_per_trial, const QString& keep) {
  QTemporaryDir tmp;
  const QString folder = keep.isEmpty() ? tmp.path() : keep;
  QDir().mkpath(folder);
  const std::string db = QDir(folder).filePath(QStringLiteral("study.db")).toStdString();
  if (!QFile::exists(QString::fromStdString(db))) {
    QElapsedTimer made;
    made.start();
    auto store = Store::open(db, Store::Mode::Create);
    if (!store) {
      std::fprintf(stderr, "%s\n", store.error_text().c_str());
      return;
    }
    StudyRecord study;
    study.name = "bench";
    study.spec = bench_spec(trials);
    study.base_dir = folder.toStdString();
    study.trials_dir = study.base_dir + "/trials";
    study.status = "completed";
    study.created_at = now_seconds();
    (void)(*store)->create_study(study);
    for (int64_t id = 1; id <= trials; ++id) {
      TrialRecord t;
      t.id = id;
      t.config = {{"x", (id % 97) / 97.0}, {"lr", 1e-4 * std::pow(1000.0, (id % 89) / 89.0)}};
      t.status = TrialStatus::Completed;
      t.created_at = study.created_at;
      t.last_iteration = results_per_trial;
      (*store)->put_trial(t);
      for (int i = 1; i <= results_per_trial; ++i) {
        const double s = score(id, i);
        (*store)->append_result({id, i, i * 0.1, study.created_at + i,
                                 {{"score", s}, {"loss", 1 - s}, {"training_iteration", i}, {"time_total_s", i * 0.1}}});
      }
    }
    (void)(*store)->flush();
    std::printf("open: stored %d trials x %d results in %.1f s\n", trials, results_per_trial,
                static_cast<double>(made.elapsed()) / 1000.0);
  }
  ui::MainWindow w(QStringLiteral("{}"), folder);
  w.resize(1600, 1000);
  w.show();
  QApplication::processEvents();
  QElapsedTimer t;
  t.start();
  if (!QApplication::arguments().contains(QStringLiteral("--no-summary"))) {
    auto store = Store::open(db, Store::Mode::ReadOnly);
    if (store) (void)summarize(**store);
  }
  const double read_ms = static_cast<double>(t.nsecsElapsed()) / 1e6;
  t.restart();
  const std::clock_t cpu0 = std::clock();  // the machine may be shared: CPU time beside the wall time
  const bool ok = w.open_database(QString::fromStdString(db));
  const double open_ms = static_cast<double>(t.nsecsElapsed()) / 1e6;
  w.repaint();
  const double ms = static_cast<double>(t.nsecsElapsed()) / 1e6;
  const double cpu_ms = 1000.0 * static_cast<double>(std::clock() - cpu0) / CLOCKS_PER_SEC;
  std::printf("open: reading the store alone %.0f ms; events into the models %.0f ms; first paint %.0f ms\n", read_ms,
              open_ms, ms - open_ms);
  std::printf("open: %d stored trials x %d results: %s in %.0f ms, %.0f ms of CPU (goal <= 2000 ms); %d rows, %d curves\n",
              trials, results_per_trial, ok ? "table and curves shown" : "FAILED", ms, cpu_ms,
              w.monitor()->model() ? static_cast<int>(w.monitor()->state().trials().size()) : 0,
              w.monitor()->curves()->series_count());
  std::printf("open: memory after opening: RSS %.0f MB, peak %.0f MB\n", status_mb("VmRSS:"), status_mb("VmHWM:"));
}

}  // namespace

int main(int argc, char** argv) {
  if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  int trials = 1000, points = 200, stored = 10000, stored_points = 10;
  double hz = 10;
  QString keep;
  const QStringList args = QApplication::arguments();
  for (qsizetype i = 1; i + 1 < args.size(); i += 2) {
    if (args[i] == QStringLiteral("--no-stream") || args[i] == QStringLiteral("--no-summary")) {
      --i;  // a flag without a value
      continue;
    }
    if (args[i] == QStringLiteral("--trials")) trials = args[i + 1].toInt();
    else if (args[i] == QStringLiteral("--points")) points = args[i + 1].toInt();
    else if (args[i] == QStringLiteral("--hz")) hz = args[i + 1].toDouble();
    else if (args[i] == QStringLiteral("--stored")) stored = args[i + 1].toInt();
    else if (args[i] == QStringLiteral("--stored-points")) stored_points = args[i + 1].toInt();
    else if (args[i] == QStringLiteral("--keep")) keep = args[i + 1];
  }
  if (!args.contains(QStringLiteral("--no-stream"))) stream(trials, points, hz);
  open_stored(stored, stored_points, keep);
  return 0;
}
