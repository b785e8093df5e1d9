// Ray's HyperBand (hyperband_ray): Ray 2.60's brackets (s = 0 first, skipped brackets, round half to even),
// its halving (ceil of the planned n, stable order on ties), brackets ending below max_t, the order trials
// run in, and brackets that never fill.
#include <QTest>

#include "core/schedule/hyperband_ray.h"
#include "schedule_test_util.h"

using namespace tunelab;
using namespace tunelab::testing;

namespace {
using A = Decision::Action;
// max_t 20, eta 3 (Ray): s_max_1 = round(2.73) + 1 = 4. s=0: 4 trials to 20; s=1: 6 trials, 6 -> 18;
// s=2: 12 trials, 2 -> 6 -> 18; s=3: r0 = trunc(20 / 27) = 0, skipped.
const char* kRay = R"({"type": "hyperband_ray", "max_t": 20, "reduction_factor": 3})";

std::vector<int64_t> stopped(const std::vector<TrialDecision>& ds) {
  std::vector<int64_t> out;
  for (const auto& d : ds) {
    if (d.decision.action == A::Stop && !d.decision.reached_end) out.push_back(d.trial_id);
  }
  return out;
}
std::vector<int64_t> completed(const std::vector<TrialDecision>& ds) {
  std::vector<int64_t> out;
  for (const auto& d : ds) {
    if (d.decision.action == A::Stop && d.decision.reached_end) out.push_back(d.trial_id);
  }
  return out;
}
}  // namespace

class TestHyperBandRay final : public QObject {
  Q_OBJECT
 private slots:
  void bandMatchesRay_data() {
    QTest::addColumn<double>("max_t");
    QTest::addColumn<double>("eta");
    QTest::addColumn<QByteArray>("band");  // [[n0, r0], ...] for s = 0, 1, ...
    // Ray's defaults (max_t 81, eta 3): 5 brackets, the first stops nothing early.
    QTest::newRow("81/3") << 81.0 << 3.0 << QByteArray("[[5,81],[8,27],[15,9],[34,3],[81,1]]");
    QTest::newRow("20/3") << 20.0 << 3.0 << QByteArray("[[4,20],[6,6],[12,2],[27,0]]");
    QTest::newRow("16/2") << 16.0 << 2.0 << QByteArray("[[5,16],[5,8],[7,4],[10,2],[16,1]]");
    // log(32)/log(4) = 2.5 rounds half to even: s_max_1 = 3.
    QTest::newRow("32/4") << 32.0 << 4.0 << QByteArray("[[3,32],[6,8],[16,2]]");
  }
  void bandMatchesRay() {
    QFETCH(double, max_t);
    QFETCH(double, eta);
    QFETCH(QByteArray, band);
    Json got = Json::array();
    for (const auto& b : ray_hyperband_band(max_t, eta)) got.push_back({b.n0, static_cast<int64_t>(b.r0)});
    QCOMPARE(QString::fromStdString(got.dump()), QString::fromStdString(Json::parse(band.toStdString()).dump()));
    QVERIFY(ray_hyperband_band(0.5, 3).empty());
    QVERIFY(ray_hyperband_band(10, 1).empty());
  }

  void firstBracketStopsNothingEarly() {
    auto s = scheduler(kRay);
    auto* hb = dynamic_cast<RayHyperBandScheduler*>(s.get());
    for (int i = 0; i < 4; ++i) s->on_trial_add(snap(i));
    for (int i = 0; i < 3; ++i) {
      QCOMPARE(s->on_result(snap(i), res(19, 0.1 * i)).action, A::Continue);
      const Decision d = s->on_result(snap(i), res(20, 0.1 * i));
      QCOMPARE(d.action, A::Pause);  // the others of the bracket have not reached 20 yet
    }
    const Decision last = s->on_result(snap(3), res(20, 0.0));
    QCOMPARE(last.action, A::Stop);
    QVERIFY(last.reached_end);
    QCOMPARE(QString::fromStdString(last.reason),
             QStringLiteral("HyperBand (Ray) completed trial 3: reached max_t = 20 (bracket s=0, band 0)"));
    QVERIFY((completed(s->take_decisions()) == std::vector<int64_t>{0, 1, 2}));
    // The fifth trial opens bracket s=1.
    s->on_trial_add(snap(4));
    QCOMPARE(hb->position(4)->second, 1);
  }

  void halvingKeepsTheCeilOfThePlannedSizeAndEndsBelowMaxT() {
    auto s = scheduler(kRay);
    auto* hb = dynamic_cast<RayHyperBandScheduler*>(s.get());
    for (int i = 0; i < 4; ++i) s->on_trial_add(snap(i));  // bracket s=0
    for (int i = 4; i < 10; ++i) s->on_trial_add(snap(i));  // bracket s=1: 6 trials, first milestone 6
    QCOMPARE(hb->position(9)->second, 1);
    const double acc[] = {0.5, 0.9, 0.3, 0.8, 0.1, 0.7};
    for (int i = 4; i < 9; ++i) QCOMPARE(s->on_result(snap(i), res(6, acc[i - 4])).action, A::Pause);
    // The sixth reaches 6: ceil(6 / 3) = 2 go on (5 and 7); it is a loser.
    const Decision d9 = s->on_result(snap(9), res(6, 0.7));
    QCOMPARE(d9.action, A::Stop);
    QVERIFY(!d9.reached_end);
    QVERIFY2(QString::fromStdString(d9.reason).contains(QStringLiteral("ranked 3 of 6; only the top 2 go on to 18")),
             d9.reason.c_str());
    QVERIFY((stopped(s->take_decisions()) == std::vector<int64_t>{8, 6, 4}));
    // The promoted trials resume in the order they joined the bracket.
    const auto next = s->choose_trial_to_run({snap(5, TrialStatus::Paused), snap(7, TrialStatus::Paused)});
    QCOMPARE(*next, int64_t(5));
    QCOMPARE(s->on_result(snap(5), res(18, 0.95)).action, A::Pause);
    // The last milestone of bracket s=1 is 18 = trunc(min(6 * 3, 20)): trials complete there, not at max_t.
    const Decision end = s->on_result(snap(7), res(18, 0.85));
    QCOMPARE(end.action, A::Stop);
    QVERIFY(end.reached_end);
    QVERIFY2(QString::fromStdString(end.reason).contains(QStringLiteral("the last milestone of its bracket")),
             end.reason.c_str());
    QVERIFY((completed(s->take_decisions()) == std::vector<int64_t>{5}));
  }

  void tiesKeepTheLaterJoinedAndNanRanksLast() {
    auto s = scheduler(R"({"type": "hyperband_ray", "max_t": 4, "reduction_factor": 2})");
    // max_t 4, eta 2: s_max_1 = 3; s=0: 3 trials to 4; s=1: 3 trials, 2 -> 4.
    for (int i = 0; i < 6; ++i) s->on_trial_add(snap(i));
    QCOMPARE(s->on_result(snap(3), res(2, std::nan(""))).action, A::Pause);
    QCOMPARE(s->on_result(snap(4), res(2, 0.5)).action, A::Pause);
    // ceil(3 / 2) = 2 of 3 go on: NaN ranks last; the tie between 4 and 5 keeps both.
    QCOMPARE(s->on_result(snap(5), res(2, 0.5)).action, A::Continue);
    QVERIFY((stopped(s->take_decisions()) == std::vector<int64_t>{3}));
  }

  void minModeAndAnUnfilledBracketDecidesWhenNoMoreTrialsCome() {
    auto s = scheduler(kRay, /*maximize=*/false, "loss");
    for (int i = 0; i < 4; ++i) s->on_trial_add(snap(i));
    for (int i = 0; i < 4; ++i) s->on_result(snap(i), res(20, 1.0, "loss"));
    s->take_decisions();
    // Bracket s=1 gets 2 of its 6 trials; it waits for the other 4 until told none will come.
    s->on_trial_add(snap(4));
    s->on_trial_add(snap(5));
    QCOMPARE(s->on_result(snap(4), res(6, 0.3, "loss")).action, A::Pause);
    QCOMPARE(s->on_result(snap(5), res(6, 0.2, "loss")).action, A::Pause);
    QVERIFY(s->take_decisions().empty());
    s->on_no_more_trials();
    // ceil(6 / 3) = 2 of the planned 6: both go on.
    QVERIFY(s->take_decisions().empty());
    QCOMPARE(*s->choose_trial_to_run({snap(4, TrialStatus::Paused), snap(5, TrialStatus::Paused)}), int64_t(4));
  }

  void aReplayedHistoryRebuildsTheBrackets() {
    // As the engine resumes a study: every trial added first, then every stored result in order.
    const double acc[] = {0.5, 0.9, 0.3, 0.8, 0.1, 0.7};
    auto live = scheduler(kRay);
    std::vector<std::pair<int64_t, Json>> history;
    for (int i = 0; i < 10; ++i) live->on_trial_add(snap(i));
    for (int i = 0; i < 4; ++i) history.push_back({i, res(20, 0.1 * i)});
    for (int i = 4; i < 10; ++i) history.push_back({i, res(6, acc[i - 4])});
    for (const auto& [id, r] : history) live->on_result(snap(id), r);
    live->take_decisions();
    auto resumed = scheduler(kRay);
    for (int i = 0; i < 10; ++i) resumed->on_trial_add(snap(i, TrialStatus::Paused));
    for (const auto& [id, r] : history) resumed->on_result(snap(id), r);
    for (int i = 0; i < 10; ++i) {
      const auto a = dynamic_cast<RayHyperBandScheduler*>(live.get())->position(i);
      const auto b = dynamic_cast<RayHyperBandScheduler*>(resumed.get())->position(i);
      QVERIFY(a && b && *a == *b);
    }
    // The promoted trials of bracket s=1 (5 and 7) run next, in both.
    const std::vector<TrialSnapshot> waiting = {snap(5, TrialStatus::Paused), snap(7, TrialStatus::Paused)};
    QCOMPARE(*live->choose_trial_to_run(waiting), int64_t(5));
    QCOMPARE(*resumed->choose_trial_to_run(waiting), int64_t(5));
    QCOMPARE(resumed->on_result(snap(5), res(18, 0.9)).action, A::Pause);
    QCOMPARE(resumed->on_result(snap(7), res(18, 0.8)).action, A::Stop);
  }

  void aTrialEndingOnItsOwnLetsTheBracketDecide() {
    auto s = scheduler(kRay);
    for (int i = 0; i < 4; ++i) s->on_trial_add(snap(i));
    QCOMPARE(s->on_result(snap(0), res(20, 0.5)).action, A::Pause);
    QCOMPARE(s->on_result(snap(1), res(20, 0.6)).action, A::Pause);
    QCOMPARE(s->on_result(snap(2), res(20, 0.7)).action, A::Pause);
    s->on_result(snap(3), res(5, 0.1));
    s->on_complete(snap(3, TrialStatus::Error));
    QVERIFY((completed(s->take_decisions()) == std::vector<int64_t>{0, 1, 2}));
  }
};

QTEST_GUILESS_MAIN(TestHyperBandRay)
#include "test_hyperband_ray.moc"
