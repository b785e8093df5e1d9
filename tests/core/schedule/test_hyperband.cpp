// HyperBand: the paper's bracket table, synchronous rungs (pause, promote, stop), ties, NaN, min mode,
// missing metric, trials ending early, and brackets that never fill.
#include <QTest>

#include "core/schedule/hyperband.h"
#include "schedule_test_util.h"

using namespace tunelab;
using namespace tunelab::testing;

namespace {
using A = Decision::Action;
// max_t 4, eta 2: s_max = 2. Bracket s=2: 4 trials at 1, 2 at 2, 1 at 4; s=1: 3 trials at 2, 1 at 4; s=0: 3 at 4.
const char* kHb = R"({"type": "hyperband", "max_t": 4, "reduction_factor": 2})";

std::vector<int64_t> ids(const std::vector<TrialDecision>& ds) {
  std::vector<int64_t> out;
  for (const auto& d : ds) {
    if (d.decision.action == A::Stop) out.push_back(d.trial_id);
  }
  return out;
}
}  // namespace

class TestHyperBand final : public QObject {
  Q_OBJECT
 private slots:
  void tableMatchesThePaper_data() {
    QTest::addColumn<int>("s");
    QTest::addColumn<QByteArray>("rungs");  // [[n_i, r_i], ...]
    // Li et al. 2017, Table 1 (R = 81, eta = 3).
    QTest::newRow("s=4") << 4 << QByteArray("[[81, 1], [27, 3], [9, 9], [3, 27], [1, 81]]");
    QTest::newRow("s=3") << 3 << QByteArray("[[34, 3], [11, 9], [3, 27], [1, 81]]");
    QTest::newRow("s=2") << 2 << QByteArray("[[15, 9], [5, 27], [1, 81]]");
    QTest::newRow("s=1") << 1 << QByteArray("[[8, 27], [2, 81]]");
    QTest::newRow("s=0") << 0 << QByteArray("[[5, 81]]");
  }
  void tableMatchesThePaper() {
    QFETCH(int, s);
    QFETCH(QByteArray, rungs);
    const auto table = hyperband_table(81, 3);
    QCOMPARE(table.size(), size_t(5));
    const auto& b = table[static_cast<size_t>(4 - s)];
    QCOMPARE(b.s, s);
    const Json expected = Json::parse(rungs.toStdString());
    QCOMPARE(b.rungs.size(), expected.size());
    for (size_t i = 0; i < b.rungs.size(); ++i) {
      QCOMPARE(b.rungs[i].n, expected[i][0].get<int64_t>());
      QVERIFY(std::abs(b.rungs[i].r - expected[i][1].get<double>()) < 1e-9);
    }
  }

  void tableEdgeCases() {
    QVERIFY(hyperband_table(0.5, 3).empty());
    QVERIFY(hyperband_table(81, 1).empty());
    const auto one = hyperband_table(1, 3);  // s_max = 0: one bracket running everything to max_t
    QCOMPARE(one.size(), size_t(1));
    QCOMPARE(one[0].rungs[0].n, int64_t(1));
  }

  void successiveHalvingPausesPromotesAndStops() {
    auto s = scheduler(kHb);
    for (int i = 0; i < 5; ++i) s->on_trial_add(snap(i, TrialStatus::Pending));
    const Decision p0 = s->on_result(snap(0), res(1, 0.5));
    QCOMPARE(p0.action, A::Pause);
    QCOMPARE(QString::fromStdString(p0.reason),
             QStringLiteral("HyperBand paused trial 0 at rung 1 (bracket s=2): acc 0.5; waiting for 3 more trials to reach it"));
    QCOMPARE(s->on_result(snap(1), res(1, 0.9)).action, A::Pause);
    QCOMPARE(s->on_result(snap(2), res(1, 0.7)).action, A::Pause);
    // Paused trials waiting for their rung are never chosen; the pending trial of the next bracket is.
    QCOMPARE(*s->choose_trial_to_run({snap(0, TrialStatus::Paused), snap(3, TrialStatus::Pending),
                                      snap(4, TrialStatus::Pending)}),
             int64_t(3));
    // The last of the bracket reaches the rung: top 2 of 4 go on (1 and 2); it is a loser and stops now.
    const Decision d3 = s->on_result(snap(3), res(1, 0.6));
    QCOMPARE(d3.action, A::Stop);
    QCOMPARE(QString::fromStdString(d3.reason),
             QStringLiteral("HyperBand stopped trial 3 at rung 1 (bracket s=2): acc 0.6 ranked 3 of 4; only the top 2 "
                            "go on to 2 (cutoff 0.7)"));
    QVERIFY(d3.details == Json::parse(R"({"rung": 1.0, "bracket": 2, "value": 0.6, "rank": 3, "trials_at_rung": 4,
                                          "kept": 2, "cutoff": 0.7, "next_rung": 2.0})"));
    const auto taken = s->take_decisions();
    QVERIFY((ids(taken) == std::vector<int64_t>{0}));
    QCOMPARE(taken[0].decision.details["rank"].get<int>(), 4);
    QVERIFY(s->take_decisions().empty());  // each decision is handed out once
    // Promoted trials run first.
    QCOMPARE(*s->choose_trial_to_run({snap(4, TrialStatus::Pending), snap(2, TrialStatus::Paused),
                                      snap(1, TrialStatus::Paused)}),
             int64_t(1));
    QCOMPARE(s->on_result(snap(1), res(2, 0.95)).action, A::Pause);
    // Trial 2 is the last at rung 2 and loses (keep 1 of 2).
    QCOMPARE(s->on_result(snap(2), res(2, 0.8)).action, A::Stop);
    QVERIFY(s->take_decisions().empty());
    QCOMPARE(*s->choose_trial_to_run({snap(1, TrialStatus::Paused), snap(4, TrialStatus::Pending)}), int64_t(1));
    QCOMPARE(s->on_result(snap(1), res(3, 0.96)).action, A::Continue);
    const Decision end = s->on_result(snap(1), res(4, 0.97));
    QCOMPARE(end.action, A::Stop);
    QVERIFY(QString::fromStdString(end.reason).startsWith(QStringLiteral("HyperBand completed trial 1: reached max_t = 4")));
    // Trial 4 went to bracket s=1 (3 trials, first rung at 2).
    auto* hb = dynamic_cast<HyperBandScheduler*>(s.get());
    QCOMPARE(hb->position(4)->first, 1);
    QCOMPARE(s->on_result(snap(4), res(1, 0.1)).action, A::Continue);  // below its first rung
  }

  void theLastArrivalGoesOnWhenItWins() {
    auto s = scheduler(kHb);
    for (int i = 0; i < 4; ++i) QCOMPARE(s->on_result(snap(i), res(1, 0.1 * i)).action, i < 3 ? A::Pause : A::Continue);
    QVERIFY((ids(s->take_decisions()) == std::vector<int64_t>{1, 0}));
    // Trial 3 keeps running; trial 2 (promoted) is waiting to resume.
    QCOMPARE(*s->choose_trial_to_run({snap(2, TrialStatus::Paused)}), int64_t(2));
  }

  void tiesGoToTheLowerIdAndNanRanksLast() {
    auto s = scheduler(kHb);
    QCOMPARE(s->on_result(snap(0), res(1, std::nan(""))).action, A::Pause);
    QCOMPARE(s->on_result(snap(1), res(1, 0.5)).action, A::Pause);
    QCOMPARE(s->on_result(snap(2), res(1, 0.5)).action, A::Pause);
    QCOMPARE(s->on_result(snap(3), res(1, 0.5)).action, A::Stop);  // tie with 1 and 2: the higher id loses
    const auto taken = s->take_decisions();
    QVERIFY((ids(taken) == std::vector<int64_t>{0}));
    QVERIFY(taken[0].decision.details["value"].is_null());
    QVERIFY(QString::fromStdString(taken[0].decision.reason).contains(QStringLiteral("acc NaN ranked 4 of 4")));
  }

  void minModeKeepsTheLowest() {
    auto s = scheduler(kHb, false, "loss");
    const double losses[] = {0.4, 0.1, 0.3, 0.2};
    for (int i = 0; i < 3; ++i) QCOMPARE(s->on_result(snap(i), res(1, losses[i], "loss")).action, A::Pause);
    QCOMPARE(s->on_result(snap(3), res(1, losses[3], "loss")).action, A::Continue);  // 2nd best: goes on
    const auto taken = s->take_decisions();
    QVERIFY((ids(taken) == std::vector<int64_t>{2, 0}));
    QCOMPARE(taken[0].decision.details["cutoff"].get<double>(), 0.2);
  }

  void missingMetricDoesNotReachTheRung() {
    auto s = scheduler(kHb);
    QCOMPARE(s->on_result(snap(0), Json{{"training_iteration", 1}}).action, A::Continue);
    QCOMPARE(s->on_result(snap(0), res(1.5, 0.3)).action, A::Pause);
  }

  void aJumpCountsAtTheCurrentRungOnly() {
    auto s = scheduler(kHb);
    // Past rungs 1 and 2 at once: it is ranked at rung 1, its bracket's current rung, with this value.
    const Decision d = s->on_result(snap(0), res(3, 0.4));
    QCOMPARE(d.action, A::Pause);
    QCOMPARE(d.details["rung"].get<double>(), 1.0);
    // A jump to max_t ends it.
    const Decision e = s->on_result(snap(1), res(5, 0.4));
    QCOMPARE(e.action, A::Stop);
    QCOMPARE(e.details["reached_max_t"].get<bool>(), true);
    QVERIFY(e.reached_end);
    QVERIFY(!d.reached_end);
  }

  void aTrialEndingBeforeItsRungLeavesTheBracket() {
    auto s = scheduler(kHb);
    for (int i = 0; i < 4; ++i) s->on_trial_add(snap(i, TrialStatus::Pending));
    QCOMPARE(s->on_result(snap(0), res(1, 0.5)).action, A::Pause);
    QCOMPARE(s->on_result(snap(1), res(1, 0.6)).action, A::Pause);
    QCOMPARE(s->on_result(snap(2), res(1, 0.7)).action, A::Pause);
    QVERIFY(s->take_decisions().empty());
    s->on_complete(snap(3, TrialStatus::Error));  // died before rung 1: the other three decide (keep 1)
    QVERIFY((ids(s->take_decisions()) == std::vector<int64_t>{1, 0}));
    QCOMPARE(*s->choose_trial_to_run({snap(2, TrialStatus::Paused)}), int64_t(2));
  }

  void anUnfilledBracketClosesInsteadOfWaitingForever() {
    // num_samples 2, smaller than the first bracket (4): both pause at rung 1 and nothing else comes.
    auto s = scheduler(kHb);
    s->on_trial_add(snap(0, TrialStatus::Pending));
    s->on_trial_add(snap(1, TrialStatus::Pending));
    QCOMPARE(s->on_result(snap(0), res(1, 0.2)).action, A::Pause);
    QCOMPARE(s->on_result(snap(1), res(1, 0.8)).action, A::Pause);
    const std::vector<TrialSnapshot> waiting = {snap(0, TrialStatus::Paused), snap(1, TrialStatus::Paused)};
    QVERIFY(!s->choose_trial_to_run(waiting));  // first: let the engine try to create a trial
    QCOMPARE(*s->choose_trial_to_run(waiting), int64_t(1));  // none came: the bracket closes, 1 of 2 goes on
    QVERIFY((ids(s->take_decisions()) == std::vector<int64_t>{0}));

    // Polling for decisions closes it too; a trial created in between joins the bracket instead.
    auto t = scheduler(kHb);
    QCOMPARE(t->on_result(snap(0), res(1, 0.2)).action, A::Pause);
    QVERIFY(!t->choose_trial_to_run({snap(0, TrialStatus::Paused)}));
    t->on_trial_add(snap(1, TrialStatus::Pending));
    QVERIFY(t->take_decisions().empty());
    QCOMPARE(*t->choose_trial_to_run({snap(0, TrialStatus::Paused), snap(1, TrialStatus::Pending)}), int64_t(1));
    QCOMPARE(t->on_result(snap(1), res(1, 0.9)).action, A::Pause);
    QVERIFY(!t->choose_trial_to_run({snap(0, TrialStatus::Paused), snap(1, TrialStatus::Paused)}));
    QVERIFY((ids(t->take_decisions()) == std::vector<int64_t>{0}));
    QCOMPARE(*t->choose_trial_to_run({snap(1, TrialStatus::Paused)}), int64_t(1));
    // Trials added after the close start a new bracket (s=1).
    t->on_trial_add(snap(2, TrialStatus::Pending));
    QCOMPARE(dynamic_cast<HyperBandScheduler*>(t.get())->position(2)->first, 1);
  }

  void replayedHistoryRebuildsTheState() {
    // Live: bracket s=2 decides rung 1 (0 and 3 stop), trial 1 resumes and pauses at rung 2; then the engine stops.
    auto live = scheduler(kHb);
    for (int i = 0; i < 5; ++i) live->on_trial_add(snap(i, TrialStatus::Pending));
    const double v[] = {0.1, 0.9, 0.8, 0.2};
    for (int i = 0; i < 4; ++i) (void)live->on_result(snap(i), res(1, v[i]));
    QVERIFY((ids(live->take_decisions()) == std::vector<int64_t>{0}));
    live->on_complete(snap(0, TrialStatus::Stopped));
    live->on_complete(snap(3, TrialStatus::Stopped));
    QCOMPARE(live->on_result(snap(1), res(2, 0.95)).action, A::Pause);
    const std::vector<TrialSnapshot> waiting = {snap(1, TrialStatus::Paused), snap(2, TrialStatus::Paused),
                                                snap(4, TrialStatus::Pending)};
    // Resumed: every trial added, every result in order, then the finished trials; decisions are ignored.
    auto replayed = scheduler(kHb);
    for (int i = 0; i < 5; ++i) replayed->on_trial_add(snap(i, i == 0 || i == 3 ? TrialStatus::Stopped : TrialStatus::Paused));
    for (int i = 0; i < 4; ++i) (void)replayed->on_result(snap(i), res(1, v[i]));
    (void)replayed->on_result(snap(1), res(2, 0.95));
    replayed->on_complete(snap(0, TrialStatus::Stopped));
    replayed->on_complete(snap(3, TrialStatus::Stopped));
    QVERIFY(replayed->take_decisions().empty());  // the stop of trial 0 was applied in the earlier session
    QCOMPARE(*replayed->choose_trial_to_run(waiting), *live->choose_trial_to_run(waiting));
    QCOMPARE(*replayed->choose_trial_to_run(waiting), int64_t(2));
    // Both then decide rung 2 the same way.
    QCOMPARE(replayed->on_result(snap(2), res(2, 0.5)).action, A::Stop);
    QCOMPARE(live->on_result(snap(2), res(2, 0.5)).action, A::Stop);
  }

  void toldThatNoMoreTrialsComeTheBracketDecides() {
    auto s = scheduler(kHb);
    for (int i = 0; i < 3; ++i) s->on_trial_add(snap(i, TrialStatus::Pending));
    QCOMPARE(s->on_result(snap(0), res(1, 0.2)).action, A::Pause);
    QCOMPARE(s->on_result(snap(1), res(1, 0.8)).action, A::Pause);
    s->on_no_more_trials();
    QVERIFY(s->take_decisions().empty());  // trial 2 still runs towards the rung
    // It arrives last: keep max(1, floor(3/2)) = 1, so trial 2 (0.5) stops now and trial 0 is stopped.
    QCOMPARE(s->on_result(snap(2), res(1, 0.5)).action, A::Stop);
    QVERIFY((ids(s->take_decisions()) == std::vector<int64_t>{0}));
    QCOMPARE(*s->choose_trial_to_run({snap(1, TrialStatus::Paused)}), int64_t(1));
    // A trial added afterwards (by the user) forms a closed bracket of its own and is not held back.
    s->on_trial_add(snap(3, TrialStatus::Pending));
    const Decision d = s->on_result(snap(3), res(2, 0.1));  // bracket s=1, first rung 2
    QCOMPARE(d.action, A::Continue);
  }
};

QTEST_APPLESS_MAIN(TestHyperBand)
#include "test_hyperband.moc"
