// ASHA: milestones, cutoffs (numpy's linear quantile), ties, NaN, missing metrics, jumps, min mode, max_t.
#include <QTest>

#include "core/schedule/asha.h"
#include "core/schedule/decision_util.h"
#include "schedule_test_util.h"

using namespace tunelab;
using namespace tunelab::testing;

namespace {
using A = Decision::Action;
// rf 2: the cutoff is the median of the values recorded before; milestones 1, 2, 4 (max_t 8).
const char* kAsha = R"({"type": "asha", "max_t": 8, "grace_period": 1, "reduction_factor": 2})";
}  // namespace

class TestAsha final : public QObject {
  Q_OBJECT
 private slots:
  void quantileMatchesNumpy_data() {
    QTest::addColumn<QByteArray>("values");
    QTest::addColumn<double>("q");
    QTest::addColumn<double>("expected");
    // numpy.quantile(values, q) with the default linear method.
    QTest::newRow("upper quartile") << QByteArray("[1, 2, 3, 4]") << 0.75 << 3.25;
    QTest::newRow("two thirds") << QByteArray("[0.9, 0.5, 0.7]") << 2.0 / 3 << 0.7 + 0.2 / 3;
    QTest::newRow("median even") << QByteArray("[4, 1, 3, 2]") << 0.5 << 2.5;
    QTest::newRow("single") << QByteArray("[0.3]") << 0.75 << 0.3;
    QTest::newRow("ties") << QByteArray("[0.6, 0.6, 0.6]") << 0.5 << 0.6;
  }
  void quantileMatchesNumpy() {
    QFETCH(QByteArray, values);
    QFETCH(double, q);
    QFETCH(double, expected);
    const auto v = Json::parse(values.toStdString()).get<std::vector<double>>();
    QVERIFY(std::abs(*quantile_linear(v, q) - expected) < 1e-12);
    QVERIFY(!quantile_linear({}, 0.5));
  }

  void milestonesAreGraceTimesPowersBelowMaxT() {
    AshaScheduler s(context(nullptr), {"training_iteration", 81, 1, 3, 3});
    QVERIFY((s.milestones(0) == std::vector<double>{1, 3, 9, 27}));
    QVERIFY((s.milestones(1) == std::vector<double>{3, 9, 27}));
    QVERIFY((s.milestones(2) == std::vector<double>{9, 27}));
    AshaScheduler t(context(nullptr), {"training_iteration", 30, 2, 4, 1});
    QVERIFY((t.milestones(0) == std::vector<double>{2, 8}));
  }

  void decisionSequenceWithTies() {
    auto s = scheduler(kAsha);
    for (int i = 0; i < 5; ++i) s->on_trial_add(snap(i));
    QCOMPARE(s->on_result(snap(0), res(1, 0.5)).action, A::Continue);  // first at the rung: no cutoff
    QCOMPARE(s->on_result(snap(1), res(1, 0.7)).action, A::Continue);  // cutoff 0.5
    QCOMPARE(s->on_result(snap(2), res(1, 0.6)).action, A::Continue);  // cutoff median(0.5, 0.7) = 0.6: a tie goes on
    const Decision d = s->on_result(snap(3), res(1, 0.55));             // cutoff median(0.5, 0.7, 0.6) = 0.6
    QCOMPARE(d.action, A::Stop);
    QCOMPARE(QString::fromStdString(d.reason),
             QStringLiteral("ASHA stopped trial 3 at rung 1: acc 0.55 < cutoff 0.6 from 3 values at this rung"));
    QVERIFY(d.details == Json::parse(R"({"rung": 1.0, "bracket": 0, "value": 0.55, "cutoff": 0.6, "trials_at_rung": 3})"));
    // Each trial is judged once per rung: trial 1 reporting a bad value at iteration 1 again goes on.
    QCOMPARE(s->on_result(snap(1), res(1, 0.01)).action, A::Continue);
    // Rung 2 starts empty.
    QCOMPARE(s->on_result(snap(0), res(2, 0.1)).action, A::Continue);
    QCOMPARE(s->on_result(snap(1), res(2, 0.05)).action, A::Stop);  // 0.05 < 0.1
    // Between milestones nothing is judged.
    QCOMPARE(s->on_result(snap(0), res(3, 0.0)).action, A::Continue);
  }

  void jumpCountsAtTheHighestUnjudgedMilestone() {
    auto s = scheduler(kAsha);
    QCOMPARE(s->on_result(snap(0), res(1, 0.9)).action, A::Continue);
    QCOMPARE(s->on_result(snap(0), res(2, 0.9)).action, A::Continue);
    QCOMPARE(s->on_result(snap(0), res(4, 0.9)).action, A::Continue);
    // Trial 1 jumps from nothing to iteration 5: judged at rung 4 only (against 0.9).
    const Decision d = s->on_result(snap(1), res(5, 0.5));
    QCOMPARE(d.action, A::Stop);
    QCOMPARE(d.details["rung"].get<double>(), 4.0);
    QCOMPARE(d.details["trials_at_rung"].get<int>(), 1);
    // The cutoff came from trial 0's value, not from trial 1's: the text counts the values it was computed from.
    QCOMPARE(QString::fromStdString(d.reason),
             QStringLiteral("ASHA stopped trial 1 at rung 4: acc 0.5 < cutoff 0.9 from 1 value at this rung"));
    // Trial 2 jumps to 4 with a good value; its next report is judged at the skipped rung 2, as Ray does.
    QCOMPARE(s->on_result(snap(2), res(4, 0.95)).action, A::Continue);
    const Decision e = s->on_result(snap(2), res(5, 0.1));
    QCOMPARE(e.action, A::Stop);
    QCOMPARE(e.details["rung"].get<double>(), 2.0);
  }

  void minModeNegatesAsRay() {
    auto s = scheduler(kAsha, false, "loss");
    QCOMPARE(s->on_result(snap(0), res(1, 0.5, "loss")).action, A::Continue);
    QCOMPARE(s->on_result(snap(1), res(1, 0.3, "loss")).action, A::Continue);  // lower is better
    const Decision d = s->on_result(snap(2), res(1, 0.6, "loss"));                // cutoff median(0.5, 0.3) = 0.4
    QCOMPARE(d.action, A::Stop);
    QCOMPARE(QString::fromStdString(d.reason),
             QStringLiteral("ASHA stopped trial 2 at rung 1: loss 0.6 > cutoff 0.4 from 2 values at this rung"));
    QCOMPARE(d.details["cutoff"].get<double>(), 0.4);
    QCOMPARE(s->on_result(snap(3), res(1, 0.4, "loss")).action, A::Continue);  // cutoff 0.5
  }

  void nanStopsAndIsNotRecorded() {
    auto s = scheduler(kAsha);
    const Decision d = s->on_result(snap(0), res(1, std::nan("")));
    QCOMPARE(d.action, A::Stop);
    QCOMPARE(QString::fromStdString(d.reason), QStringLiteral("ASHA stopped trial 0 at rung 1: acc is NaN"));
    QVERIFY(d.details["value"].is_null());
    QVERIFY(d.details["cutoff"].is_null());
    // The NaN left no value at the rung: the next trial meets no cutoff, even with a tiny value.
    QCOMPARE(s->on_result(snap(1), res(1, 0.001)).action, A::Continue);
  }

  // A metric reported as something other than a number (a string) is not judged at a rung, but it was reported,
  // as Ray sees it: the trial completes at max_t.
  void aMetricThatIsNoNumberStillReachesMaxT() {
    auto s = scheduler(kAsha);
    Json r = {{"training_iteration", 1}, {"acc", "0.5"}};
    QCOMPARE(s->on_result(snap(0), r).action, A::Continue);
    r["training_iteration"] = 8;
    const Decision end = s->on_result(snap(0), r);
    QCOMPARE(end.action, A::Stop);
    QVERIFY(end.reached_end);
    // An absent metric is not reported at all: no decision, as in Ray.
    QCOMPARE(s->on_result(snap(1), Json{{"training_iteration", 8}}).action, A::Continue);
  }

  void missingMetricOrTimeIsNotJudged() {
    auto s = scheduler(kAsha);
    QCOMPARE(s->on_result(snap(0), res(1, 0.9)).action, A::Continue);
    QCOMPARE(s->on_result(snap(1), Json{{"training_iteration", 1}, {"other", 0.0}}).action, A::Continue);
    QCOMPARE(s->on_result(snap(1), Json{{"acc", 0.0}}).action, A::Continue);  // no time attribute
    QCOMPARE(s->on_result(snap(1), Json{{"training_iteration", 1}, {"acc", "high"}}).action, A::Continue);
    // Its first result with the metric is judged: at rung 1 (not judged yet), 0.1 < 0.9.
    const Decision d = s->on_result(snap(1), res(1.5, 0.1));
    QCOMPARE(d.action, A::Stop);
    QCOMPARE(d.details["rung"].get<double>(), 1.0);
  }

  void trialsEndingBeforeTheFirstRungLeaveNoValue() {
    auto s = scheduler(R"({"type": "asha", "max_t": 64, "grace_period": 4, "reduction_factor": 2})");
    for (int it = 1; it <= 3; ++it) QCOMPARE(s->on_result(snap(0), res(it, 0.99)).action, A::Continue);
    s->on_complete(snap(0, TrialStatus::Completed));
    QCOMPARE(s->on_result(snap(1), res(4, 0.1)).action, A::Continue);  // nothing recorded at rung 4 before
    QCOMPARE(s->on_result(snap(2), res(4, 0.05)).action, A::Stop);
  }

  void reachingMaxTStops() {
    auto s = scheduler(kAsha);
    const Decision d = s->on_result(snap(0), res(8, 0.9));
    QCOMPARE(d.action, A::Stop);
    QCOMPARE(QString::fromStdString(d.reason), QStringLiteral("ASHA completed trial 0: reached max_t = 8 (training_iteration 8)"));
    QCOMPARE(d.details["reached_max_t"].get<bool>(), true);  // shown with the decision
    QVERIFY(d.reached_end);                                    // the trial completed
    const Decision cut = s->on_result(snap(1), res(8, 0.1));
    QVERIFY(cut.reached_end);  // at max_t even when its value is poor
  }

  void timeAttrCanBeAnyResultField() {
    auto s = scheduler(R"({"type": "asha", "time_attr": "time_total_s", "max_t": 100, "grace_period": 10, "reduction_factor": 2})");
    QCOMPARE(s->on_result(snap(0), Json{{"time_total_s", 12.0}, {"acc", 0.8}}).action, A::Continue);
    QCOMPARE(s->on_result(snap(1), Json{{"time_total_s", 5.0}, {"acc", 0.1}}).action, A::Continue);  // before grace
    QCOMPARE(s->on_result(snap(1), Json{{"time_total_s", 11.0}, {"acc", 0.1}}).action, A::Stop);
  }

  void bracketsAreDrawnReproduciblyFavouringMoreRungs() {
    const char* opts = R"({"type": "asha", "max_t": 81, "grace_period": 1, "reduction_factor": 3, "brackets": 3})";
    AshaScheduler a(context(Json::parse(opts), true, "acc", nullptr, 5), {"training_iteration", 81, 1, 3, 3});
    AshaScheduler b(context(Json::parse(opts), true, "acc", nullptr, 5), {"training_iteration", 81, 1, 3, 3});
    std::vector<int> count(3, 0);
    for (int i = 0; i < 600; ++i) {
      a.on_trial_add(snap(i));
      b.on_trial_add(snap(599 - i));
    }
    for (int i = 0; i < 600; ++i) {
      QCOMPARE(a.bracket_of(i), b.bracket_of(i));  // depends on (seed, id) only
      count[static_cast<size_t>(a.bracket_of(i))]++;
    }
    // Weights e^4 : e^3 : e^2 -> 66.5%, 24.5%, 9%.
    QVERIFY(count[0] > 340 && count[0] < 450);
    QVERIFY(count[1] > 100 && count[1] < 200);
    QVERIFY(count[2] > 25 && count[2] < 90);
  }

  void optionsAreValidated() {
    auto bad = make_scheduler(context(Json::parse(R"({"type": "asha", "reduction_factor": 1})")));
    QVERIFY(!bad.ok());
    QCOMPARE(QString::fromStdString(bad.errors()[0].where), QStringLiteral("scheduler.reduction_factor"));
    auto grace = make_scheduler(context(Json::parse(R"({"type": "asha", "max_t": 5, "grace_period": 10})")));
    QVERIFY(!grace.ok());
    QCOMPARE(QString::fromStdString(grace.errors()[0].where), QStringLiteral("scheduler.grace_period"));
  }
};

QTEST_APPLESS_MAIN(TestAsha)
#include "test_asha.moc"
