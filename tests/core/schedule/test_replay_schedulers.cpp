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
      QTest::newRow(("predictive" + suffix).c_str()) << QByteArray(R"({"type": "predictive", "max_t": 27})") << c << true;
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
    // The predictive scheduler first runs min_curves (5) of these 20 trials to the end to learn from.
    const int64_t most = scheduler.contains("predictive") ? rep->epochs_recorded * 2 / 3 : rep->epochs_recorded / 2;
    if (stops_early) QVERIFY2(rep->epochs_consumed < most, std::to_string(rep->epochs_consumed).c_str());
    else QCOMPARE(rep->epochs_consumed, rep->epochs_recorded);
    // The curves never cross, so every rule keeps the best trial to the end.
    QVERIFY(rep->true_best_survived);
    QCOMPARE(*rep->best_any_epoch, *rep->true_best);
    QCOMPARE(rep->final_rank, 1);
    QCOMPARE(*rep->best_final_trial, *rep->true_best_final_trial);
    for (const auto& d : rep->decisions) QVERIFY(!d.reason.empty());
    qInfo("%s c=%d: %lld of %lld epochs", scheduler.constData(), concurrency,
          static_cast<long long>(rep->epochs_consumed), static_cast<long long>(rep->epochs_recorded));
  }

  // What a scheduler ends with is the best final value among the trials it ran to the end, not the best value
  // seen at some epoch: trial 0 peaks at 0.8432 (epoch 4) and ends at 0.80, trial 1 ends at 0.8416, trial 2 would end
  // best (0.86) but starts so slowly that ASHA stops it at its first rung.
  void bestFinalIsNotTheBestAtAnyEpoch() {
    const std::vector<std::vector<double>> values = {{0.70, 0.75, 0.78, 0.8432, 0.82, 0.81, 0.80, 0.80, 0.80},
                                                     {0.75, 0.78, 0.80, 0.82, 0.83, 0.835, 0.84, 0.841, 0.8416},
                                                     {0.10, 0.20, 0.40, 0.55, 0.65, 0.72, 0.80, 0.84, 0.86},
                                                     {0.50, 0.60, 0.65, 0.68, 0.70, 0.71, 0.72, 0.72, 0.72}};
    std::vector<RecordedTrial> recorded;
    for (size_t i = 0; i < values.size(); ++i) {
      RecordedTrial t{static_cast<int64_t>(i), Json{{"x", i}}, {}};
      for (size_t e = 0; e < values[i].size(); ++e) {
        t.results.push_back({{"training_iteration", e + 1}, {"time_total_s", e + 1}, {"acc", values[i][e]}});
      }
      recorded.push_back(std::move(t));
    }
    auto fifo = make_scheduler(context(Json{{"type", "fifo"}}));
    auto rep = replay_curves(recorded, **fifo, Objective{"acc", true}, 1);
    QVERIFY(rep.ok());
    QCOMPARE(*rep->best_final, 0.86);
    QCOMPARE(*rep->best_final_trial, int64_t(2));
    QCOMPARE(rep->final_rank, 1);
    QCOMPARE(*rep->best_any_epoch, 0.86);
    auto asha = make_scheduler(context(Json{{"type", "asha"}, {"max_t", 9}, {"grace_period", 1}, {"reduction_factor", 3}}));
    rep = replay_curves(recorded, **asha, Objective{"acc", true}, 1);
    QVERIFY(rep.ok());
    QCOMPARE(rep->trials[2].status, std::string("stopped"));
    QCOMPARE(*rep->best_any_epoch, 0.8432);  // trial 0, at epoch 4
    QCOMPARE(*rep->best_any_epoch_trial, int64_t(0));
    QCOMPARE(*rep->best_final, 0.8416);  // trial 1, run to the end: what a user would deploy
    QCOMPARE(*rep->best_final_trial, int64_t(1));
    QCOMPARE(rep->final_rank, 2);  // trial 2 ends better
    QCOMPARE(*rep->true_best_final, 0.86);
    const Json j = to_json(*rep);
    QCOMPARE(j["best_final"].get<double>(), 0.8416);
    QCOMPARE(j["best_any_epoch"].get<double>(), 0.8432);
    QCOMPARE(j["final_rank"].get<int>(), 2);
  }
};

QTEST_APPLESS_MAIN(TestReplaySchedulers)
#include "test_replay_schedulers.moc"
