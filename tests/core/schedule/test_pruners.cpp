// Optuna's percentile and threshold pruners: startup and warm-up, interval steps, percentiles in both
// modes, NaN, missing metric.
#include <QTest>

#include "core/schedule/pruners.h"
#include "schedule_test_util.h"

using namespace tunelab;
using namespace tunelab::testing;

namespace {
using A = Decision::Action;

// Trials 0..3 complete with values 0.1*(i+1) at steps 1..3 (plus i/100 * step so steps differ).
void completed_trials(Scheduler& s, int n, const std::string& metric = "acc") {
  for (int i = 0; i < n; ++i) {
    for (int step = 1; step <= 3; ++step) (void)s.on_result(snap(i), res(step, 0.1 * (i + 1), metric));
    s.on_complete(snap(i, TrialStatus::Completed));
  }
}
}  // namespace

class TestPruners final : public QObject {
  Q_OBJECT
 private slots:
  void firstInIntervalStep_data() {
    QTest::addColumn<double>("step");
    QTest::addColumn<QByteArray>("earlier");
    QTest::addColumn<int>("warmup");
    QTest::addColumn<int>("interval");
    QTest::addColumn<bool>("expected");
    QTest::newRow("every step") << 3.0 << QByteArray("[1, 2]") << 0 << 1 << true;
    QTest::newRow("interval start") << 4.0 << QByteArray("[1, 2, 3]") << 0 << 2 << true;
    QTest::newRow("inside interval") << 5.0 << QByteArray("[1, 2, 3, 4]") << 0 << 2 << false;
    QTest::newRow("skipped start") << 5.0 << QByteArray("[1, 2, 3]") << 0 << 2 << true;
    QTest::newRow("after warmup") << 3.0 << QByteArray("[1, 2]") << 1 << 2 << true;
    QTest::newRow("first report") << 7.0 << QByteArray("[]") << 2 << 3 << true;
  }
  void firstInIntervalStep() {
    QFETCH(double, step);
    QFETCH(QByteArray, earlier);
    QFETCH(int, warmup);
    QFETCH(int, interval);
    QFETCH(bool, expected);
    const auto v = Json::parse(earlier.toStdString()).get<std::vector<double>>();
    QCOMPARE(first_in_interval_step(step, {v.begin(), v.end()}, warmup, interval), expected);
  }

  void percentileNeedsStartupTrials() {
    auto s = scheduler(R"({"type": "percentile", "percentile": 50, "n_startup_trials": 3})");
    completed_trials(*s, 2);
    QCOMPARE(s->on_result(snap(9), res(1, 0.0)).action, A::Continue);  // only 2 completed
    completed_trials(*s, 3);
    // Completed values at step 2: 0.1, 0.2, 0.3 -> median 0.2; best of trial 9 so far is 0.0.
    const Decision d = s->on_result(snap(9), res(2, 0.0));
    QCOMPARE(d.action, A::Stop);
    QCOMPARE(QString::fromStdString(d.reason),
             QStringLiteral("percentile pruner stopped trial 9 at training_iteration 2: best acc 0 < 50th percentile "
                            "0.2 of 3 completed trials at this step"));
    QCOMPARE(d.details["cutoff"].get<double>(), 0.2);
  }

  void percentileKeepsTheTopPercentInBothModes() {
    // 25 keeps the top 25%: in max mode the cutoff is the 75th percentile of 0.1, 0.2, 0.3, 0.4 = 0.325.
    auto s = scheduler(R"({"type": "percentile", "percentile": 25, "n_startup_trials": 4})");
    completed_trials(*s, 4);
    QCOMPARE(s->on_result(snap(10), res(1, 0.33)).action, A::Continue);
    QCOMPARE(s->on_result(snap(11), res(1, 0.32)).action, A::Stop);
    // In min mode the 25th percentile: 0.175; lower is better.
    auto m = scheduler(R"({"type": "percentile", "percentile": 25, "n_startup_trials": 4})", false, "loss");
    completed_trials(*m, 4, "loss");
    QCOMPARE(m->on_result(snap(10), res(1, 0.175, "loss")).action, A::Continue);  // a tie goes on
    const Decision d = m->on_result(snap(11), res(1, 0.18, "loss"));
    QCOMPARE(d.action, A::Stop);
    QVERIFY(QString::fromStdString(d.reason).contains(QStringLiteral("best loss 0.18 > 25th percentile 0.175")));
  }

  void percentileUsesTheBestSoFarAndRespectsWarmupAndInterval() {
    auto s = scheduler(R"({"type": "percentile", "percentile": 50, "n_startup_trials": 1, "n_warmup_steps": 2, "interval_steps": 2})");
    completed_trials(*s, 3);
    QCOMPARE(s->on_result(snap(9), res(1, 0.0)).action, A::Continue);   // warm-up
    QCOMPARE(s->on_result(snap(9), res(2, 0.0)).action, A::Stop);       // step 2 is judged: 0 < 0.2
    QCOMPARE(s->on_result(snap(8), res(2, 0.5)).action, A::Continue);
    QCOMPARE(s->on_result(snap(8), res(3, 0.0)).action, A::Continue);   // step 3 is inside the interval
    // A step without completed values at it cannot be judged.
    QCOMPARE(s->on_result(snap(8), res(4, 0.0)).action, A::Continue);
  }

  void percentileNanAndMissing() {
    auto s = scheduler(R"({"type": "percentile", "n_startup_trials": 1})");
    completed_trials(*s, 2);
    QCOMPARE(s->on_result(snap(9), Json{{"training_iteration", 1}}).action, A::Continue);
    const Decision d = s->on_result(snap(9), res(1, std::nan("")));
    QCOMPARE(d.action, A::Stop);
    QVERIFY(QString::fromStdString(d.reason).contains(QStringLiteral("only NaN values")));
    // Stopped or errored trials are not references: only completed ones count.
    auto t = scheduler(R"({"type": "percentile", "n_startup_trials": 1})");
    (void)t->on_result(snap(0), res(1, 0.9));
    t->on_complete(snap(0, TrialStatus::Stopped));
    QCOMPARE(t->on_result(snap(1), res(1, 0.0)).action, A::Continue);
  }

  void thresholdPruner_data() {
    QTest::addColumn<double>("value");
    QTest::addColumn<bool>("stops");
    QTest::newRow("inside") << 0.5 << false;
    QTest::newRow("at lower") << 0.2 << false;
    QTest::newRow("below") << 0.19 << true;
    QTest::newRow("above") << 0.91 << true;
    QTest::newRow("nan") << std::nan("") << true;
  }
  void thresholdPruner() {
    QFETCH(double, value);
    QFETCH(bool, stops);
    auto s = scheduler(R"({"type": "threshold", "lower": 0.2, "upper": 0.9})");
    const Decision d = s->on_result(snap(0), res(1, value));
    QCOMPARE(d.action == A::Stop, stops);
    if (stops) QVERIFY(QString::fromStdString(d.reason).startsWith(QStringLiteral("threshold pruner stopped trial 0 at training_iteration 1: acc ")));
  }

  void thresholdWarmupIntervalAndErrors() {
    auto s = scheduler(R"({"type": "threshold", "upper": 1, "n_warmup_steps": 2, "interval_steps": 2})");
    QCOMPARE(s->on_result(snap(0), res(1, 5.0)).action, A::Continue);
    const Decision d = s->on_result(snap(0), res(2, 5.0));
    QCOMPARE(d.action, A::Stop);
    QCOMPARE(QString::fromStdString(d.reason), QStringLiteral("threshold pruner stopped trial 0 at training_iteration 2: acc 5 > upper 1"));
    QCOMPARE(s->on_result(snap(1), res(2, 0.5)).action, A::Continue);
    QCOMPARE(s->on_result(snap(1), res(3, 5.0)).action, A::Continue);  // inside the interval
    QCOMPARE(s->on_result(snap(1), Json{{"training_iteration", 4}}).action, A::Continue);
    auto none = make_scheduler(context(Json::parse(R"({"type": "threshold"})")));
    QVERIFY(!none.ok());
    auto crossed = make_scheduler(context(Json::parse(R"({"type": "threshold", "lower": 2, "upper": 1})")));
    QCOMPARE(QString::fromStdString(crossed.errors()[0].where), QStringLiteral("scheduler.lower"));
  }
};

QTEST_APPLESS_MAIN(TestPruners)
#include "test_pruners.moc"
