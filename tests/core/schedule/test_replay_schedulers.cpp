// Every early-stopping scheduler on recorded curves (core/analysis/replay): no trial is left waiting,
// fewer epochs are used than recorded, and on curves whose order never changes the best trial survives.
#include <QTest>

#include <cmath>

#include "core/analysis/replay.h"
#include "core/util/rng.h"
#include "schedule_test_util.h"

using namespace tunelab;
using namespace tunelab::testing;

namespace {

// n trials x epochs: acc = q * (1 - e^(-t/4)), q drawn per trial; one epoch takes one second.
std::vector<RecordedTrial> curves(int n, int epochs) {
  Rng rng(17);
  std::vector<RecordedTrial> out;
  for (int i = 0; i < n; ++i) {
    RecordedTrial t{i, Json{{"x", i}}, {}};
    const double q = 0.5 + 0.5 * uniform01(rng);
    for (int e = 1; e <= epochs; ++e) {
      t.results.push_back({{"training_iteration", e}, {"time_total_s", e}, {"acc", q * (1 - std::exp(-e / 4.0))}});
    }
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

class TestReplaySchedulers final : public QObject {
  Q_OBJECT
 private slots:
  void schedulersOnRecordedCurves_data() {
    QTest::addColumn<QByteArray>("scheduler");
    QTest::addColumn<int>("concurrency");
    QTest::addColumn<bool>("stops_early");
    for (int c : {1, 4}) {
      const std::string suffix = " c=" + std::to_string(c);
      QTest::newRow(("fifo" + suffix).c_str()) << QByteArray(R"({"type": "fifo"})") << c << false;
      QTest::newRow(("asha" + suffix).c_str())
          << QByteArray(R"({"type": "asha", "max_t": 27, "grace_period": 1, "reduction_factor": 3})") << c << true;
      QTest::newRow(("hyperband" + suffix).c_str())
          << QByteArray(R"({"type": "hyperband", "max_t": 27, "reduction_factor": 3})") << c << true;
      QTest::newRow(("median" + suffix).c_str())
          << QByteArray(R"({"type": "median_stopping", "grace_period": 3, "min_samples_required": 3})") << c << true;
      QTest::newRow(("percentile" + suffix).c_str())
          << QByteArray(R"({"type": "percentile", "percentile": 50, "n_startup_trials": 3})") << c << true;
    }
  }
  void schedulersOnRecordedCurves() {
    QFETCH(QByteArray, scheduler);
    QFETCH(int, concurrency);
    QFETCH(bool, stops_early);
    const auto recorded = curves(20, 27);
    auto s = make_scheduler(context(Json::parse(scheduler.toStdString())));
    QVERIFY2(s.ok(), s.error_text().c_str());
    auto rep = replay_curves(recorded, **s, Objective{"acc", true}, concurrency);
    QVERIFY2(rep.ok(), rep.error_text().c_str());
    for (const auto& t : rep->trials) {
      QVERIFY2(t.status == "completed" || t.status == "stopped", (std::to_string(t.id) + " " + t.status).c_str());
    }
    QCOMPARE(rep->epochs_recorded, int64_t(20 * 27));
    if (stops_early) QVERIFY(rep->epochs_consumed < rep->epochs_recorded / 2);
    else QCOMPARE(rep->epochs_consumed, rep->epochs_recorded);
    // The curves never cross, so every rule keeps the best trial to the end.
    QVERIFY(rep->true_best_survived);
    QCOMPARE(*rep->best_kept, *rep->true_best);
    for (const auto& d : rep->decisions) QVERIFY(!d.reason.empty());
    qInfo("%s c=%d: %lld of %lld epochs", scheduler.constData(), concurrency,
          static_cast<long long>(rep->epochs_consumed), static_cast<long long>(rep->epochs_recorded));
  }
};

QTEST_APPLESS_MAIN(TestReplaySchedulers)
#include "test_replay_schedulers.moc"
