// Reports a trial sends after it was told to end or pause are expected: they are counted on the trial
// (trials.ignored_reports), with at most one ignored_report event per trial.
#include <QTemporaryDir>
#include <QTest>

#include <map>

#include "core/run/controller.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace std::chrono_literals;
using tunelab::test::synthetic_spec;

namespace {

struct Outcome {
  std::vector<TrialRecord> trials;
  std::vector<EventRecord> events;
};

Outcome run_study(const Json& spec_json, const QTemporaryDir& dir) {
  auto spec = parse_spec(spec_json, dir.path().toStdString());
  if (!spec) qFatal("bad spec: %s", spec.error_text().c_str());
  ControllerOptions o;
  o.self_exe = TUNELAB_BIN;
  o.kill_grace = 300ms;
  o.progress_interval = 100ms;
  auto c = Controller::create(std::move(*spec), dir.filePath(QStringLiteral("study.db")).toStdString(), std::move(o));
  if (!c) qFatal("create: %s", c.error_text().c_str());
  auto status = (*c)->run();
  if (!status) qFatal("run: %s", status.error_text().c_str());
  // What a reader of the file sees (the engine's own records are not asked).
  auto store = Store::open(dir.filePath(QStringLiteral("study.db")).toStdString(), Store::Mode::ReadOnly);
  if (!store) qFatal("open: %s", store.error_text().c_str());
  return {*(*store)->load_trials(), *(*store)->load_events()};
}

std::map<int64_t, int> ignored_events(const Outcome& o) {
  std::map<int64_t, int> n;
  for (const auto& e : o.events) {
    if (e.kind == "ignored_report") n[e.trial_id.value_or(-1)] += 1;
  }
  return n;
}

}  // namespace

class TestIgnoredReports final : public QObject {
  Q_OBJECT
 private slots:
  void reportsAfterDoneAreCountedNotLogged() {
    QTemporaryDir dir;
    // It says it is done, then sends 20 more reports before exiting.
    auto o = run_study(synthetic_spec({{"num_samples", 1},
                                       {"trainable", {{"command", "echo '{\"score\": 1, \"_done\": true}' >&3; "
                                                                  "i=0; while [ $i -lt 20 ]; do "
                                                                  "echo '{\"score\": 2}' >&3; i=$((i+1)); done"},
                                                      {"shell", true}}}}),
                       dir);
    QCOMPARE(o.trials.size(), size_t(1));
    QCOMPARE(o.trials[0].status, TrialStatus::Completed);
    QCOMPARE(o.trials[0].ignored_reports, int64_t(20));
    QCOMPARE(ignored_events(o)[0], 1);
  }

  void pausedManyTimesLeavesOneEventAndTheCount() {
    QTemporaryDir dir;
    // Ray's HyperBand, max_t 8, eta 2: brackets of 4 (to 8), 4 (4 -> 8), 6 (2 -> 4 -> 8) trials. The trainable
    // reports its 8 iterations at once, so after every pause at a milestone it has sent more: ignored.
    // Trials of the third bracket that are promoted pause twice (two attempts with ignored reports).
    Json spec = synthetic_spec(
        {{"num_samples", 14},
         {"max_concurrent", 1},
         {"space", {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}},
                    {"iterations", {{"type", "const"}, {"value", 8}}},
                    {"checkpoint", {{"type", "const"}, {"value", true}}}}},
         {"scheduler", {{"type", "hyperband_ray"}, {"max_t", 8}, {"reduction_factor", 2}}}});
    auto o = run_study(spec, dir);
    QCOMPARE(o.trials.size(), size_t(14));
    const auto events = ignored_events(o);
    int64_t total = 0;
    int counted = 0;
    for (const auto& t : o.trials) {
      QVERIFY(is_finished(t.status));
      total += t.ignored_reports;
      counted += t.ignored_reports > 0;
      const int n = events.count(t.id) ? events.at(t.id) : 0;
      // One event for the first ignored report, none for the rest.
      QVERIFY2(n == (t.ignored_reports > 0 ? 1 : 0),
               qPrintable(QStringLiteral("trial %1: %2 events, count %3").arg(t.id).arg(n).arg(t.ignored_reports)));
    }
    QVERIFY2(counted >= 1, "no trial sent a report after its pause");
    QVERIFY2(total > counted, qPrintable(QStringLiteral("total %1 over %2 trials").arg(total).arg(counted)));
  }
};

QTEST_GUILESS_MAIN(TestIgnoredReports)
#include "test_ignored_reports.moc"
