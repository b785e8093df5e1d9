// Median stopping rule: running means, grace period, min samples, ties, NaN, missing metric, min mode,
// hard_stop false (pause), yielding with min_time_slice.
#include <QTest>

#include "core/schedule/median_stopping.h"
#include "schedule_test_util.h"

using namespace tunelab;
using namespace tunelab::testing;

namespace {
using A = Decision::Action;
const char* kRule = R"({"type": "median_stopping", "grace_period": 2, "min_samples_required": 2})";

// Trials 0 and 1 report iterations 1..3: their running means from iteration 2 to 2 are 0.6 and 0.5.
void two_references(Scheduler& s, const std::string& metric = "acc", double sign = 1) {
  const double c0[] = {0.5, 0.6, 0.7}, c1[] = {0.4, 0.5, 0.6};
  for (int i = 0; i < 3; ++i) {
    QCOMPARE(s.on_result(snap(0), res(i + 1, sign * c0[i], metric)).action, A::Continue);
  }
  for (int i = 0; i < 3; ++i) {
    // Trial 1 at iteration 2 has one trial to compare with (< min_samples_required): it goes on.
    QCOMPARE(s.on_result(snap(1), res(i + 1, sign * c1[i], metric)).action, A::Continue);
  }
}
}  // namespace

class TestMedianStopping final : public QObject {
  Q_OBJECT
 private slots:
  void stopsBelowTheMedianOfRunningMeans() {
    auto s = scheduler(kRule);
    two_references(*s);
    QCOMPARE(s->on_result(snap(2), res(1, 0.3)).action, A::Continue);  // within the grace period
    const Decision d = s->on_result(snap(2), res(2, 0.5));               // median(0.6, 0.5) = 0.55
    QCOMPARE(d.action, A::Stop);
    QCOMPARE(QString::fromStdString(d.reason),
             QStringLiteral("median stopping stopped trial 2 at training_iteration 2: best acc 0.5 < median 0.55 "
                            "of 2 other trials' running means"));
    QVERIFY(d.details == Json::parse(R"({"time": 2.0, "best": 0.5, "median": 0.55, "trials_compared": 2})"));
  }

  void runningMeansCoverGraceToNow() {
    auto s = scheduler(kRule);
    two_references(*s);
    // At iteration 3: means over iterations 2..3 are 0.65 and 0.55, median 0.6. Best so far 0.59 -> stop.
    QCOMPARE(s->on_result(snap(3), res(2, 0.58)).action, A::Continue);  // 0.58 >= 0.55
    const Decision d = s->on_result(snap(3), res(3, 0.59));
    QCOMPARE(d.action, A::Stop);
    QVERIFY(std::abs(d.details["median"].get<double>() - 0.6) < 1e-12);
    // The best value so far counts, not the last: 0.61 early keeps trial 4 going at iteration 3.
    QCOMPARE(s->on_result(snap(4), res(2, 0.61)).action, A::Continue);
    QCOMPARE(s->on_result(snap(4), res(3, 0.2)).action, A::Continue);
  }

  void aTieWithTheMedianGoesOn() {
    auto s = scheduler(kRule);
    two_references(*s);
    QCOMPARE(s->on_result(snap(2), res(2, 0.55)).action, A::Continue);
  }

  void onlyTrialsThatReachedTheSameTimeCount() {
    auto s = scheduler(kRule);
    two_references(*s);
    // At iteration 4 no other trial has got there: not enough samples.
    QCOMPARE(s->on_result(snap(2), res(4, 0.0)).action, A::Continue);
  }

  void minModeComparesTheOtherWay() {
    auto s = scheduler(kRule, false, "loss");
    two_references(*s, "loss", -1);  // losses -0.6 and -0.5 at iteration 2: lower is better
    const Decision d = s->on_result(snap(2), res(2, -0.5, "loss"));  // median -0.55
    QCOMPARE(d.action, A::Stop);
    QVERIFY(QString::fromStdString(d.reason).contains(QStringLiteral("best loss -0.5 > median -0.55")));
    QCOMPARE(s->on_result(snap(3), res(2, -0.56, "loss")).action, A::Continue);
  }

  void nanIsLeftOutAndMissingMetricIgnored() {
    auto s = scheduler(kRule);
    two_references(*s);
    // A NaN report from trial 0 past its curve changes no mean.
    QCOMPARE(s->on_result(snap(0), res(4, std::nan(""))).action, A::Continue);
    QCOMPARE(s->on_result(snap(1), Json{{"training_iteration", 4}}).action, A::Continue);  // no metric
    QCOMPARE(s->on_result(snap(2), res(2, 0.56)).action, A::Continue);                     // median still 0.55
    // A trial whose every value is NaN is stopped once it can be judged.
    const Decision d = s->on_result(snap(3), res(2, std::nan("")));
    QCOMPARE(d.action, A::Stop);
    QVERIFY(d.details["best"].is_null());
    QVERIFY(QString::fromStdString(d.reason).contains(QStringLiteral("no value but NaN")));
  }

  void softStopPausesOnceAndResumesUnjudged() {
    auto s = scheduler(R"({"type": "median_stopping", "grace_period": 2, "min_samples_required": 2, "hard_stop": false})");
    two_references(*s);
    s->on_trial_add(snap(3, TrialStatus::Pending));
    const Decision d = s->on_result(snap(2), res(2, 0.1));
    QCOMPARE(d.action, A::Pause);
    QVERIFY(QString::fromStdString(d.reason).startsWith(QStringLiteral("median stopping paused trial 2")));
    // Pending trials run before the paused one.
    auto pick = s->choose_trial_to_run({snap(2, TrialStatus::Paused), snap(3, TrialStatus::Pending)});
    QCOMPARE(*pick, int64_t(3));
    QCOMPARE(*s->choose_trial_to_run({snap(2, TrialStatus::Paused)}), int64_t(2));
    // Resumed later, it runs on (as in Ray), however bad.
    QCOMPARE(s->on_result(snap(2), res(3, 0.0)).action, A::Continue);
  }

  void yieldsToWaitingTrialsAfterMinTimeSlice() {
    auto s = scheduler(R"({"type": "median_stopping", "grace_period": 1, "min_samples_required": 2, "min_time_slice": 3})");
    s->on_trial_add(snap(0, TrialStatus::Pending));
    s->on_trial_add(snap(1, TrialStatus::Pending));
    QCOMPARE(s->on_result(snap(0), res(1, 0.5)).action, A::Continue);
    QCOMPARE(s->on_result(snap(0), res(3, 0.5)).action, A::Continue);  // ran 2 < 3 since it started
    const Decision d = s->on_result(snap(0), res(4, 0.5));
    QCOMPARE(d.action, A::Pause);
    QVERIFY(QString::fromStdString(d.reason).contains(QStringLiteral("to let a waiting trial run")));
    // Without min_time_slice it never yields.
    auto never = scheduler(R"({"type": "median_stopping", "grace_period": 1, "min_samples_required": 2})");
    never->on_trial_add(snap(1, TrialStatus::Pending));
    for (int i = 1; i < 20; ++i) QCOMPARE(never->on_result(snap(0), res(i, 0.5)).action, A::Continue);
  }
};

QTEST_APPLESS_MAIN(TestMedianStopping)
#include "test_median_stopping.moc"
