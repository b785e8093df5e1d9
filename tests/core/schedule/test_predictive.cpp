// The predictive scheduler: keeps a slow starter that ends best where ASHA drops it, explains each stop,
// decides fast at 1,000 trials, and rebuilds the same state from a replayed history (resume).
#include <QTest>

#include <chrono>
#include <cmath>

#include "core/analysis/replay.h"
#include "core/schedule/predictive.h"
#include "core/util/rng.h"
#include "schedule_test_util.h"

using namespace tunelab;
using namespace tunelab::testing;

namespace {

// Crossing curves, n trials x 30 epochs. Three trials in four learn fast and plateau early at 0.50-0.85;
// the fourth learns slowly (time constant 12 epochs) and may plateau higher, up to 0.97: at epoch 1 it is far
// below every fast trial, at epoch 30 the best of them is the best of all.
std::vector<RecordedTrial> crossing_curves(int n, uint64_t seed, bool minimize = false) {
  Rng rng(seed);
  std::vector<RecordedTrial> out;
  for (int i = 0; i < n; ++i) {
    const bool slow = i % 4 == 3;
    const double q = slow ? 0.6 + 0.37 * uniform01(rng) : 0.5 + 0.35 * uniform01(rng);
    const double tau = slow ? 12 : 1.5;
    RecordedTrial t{i, Json{{"i", i}}, {}};
    for (int e = 1; e <= 30; ++e) {
      const double acc = q * (1 - std::exp(-e / tau)) + 0.004 * (uniform01(rng) - 0.5);
      t.results.push_back({{"training_iteration", e}, {"time_total_s", e}, {"acc", minimize ? 1 - acc : acc}});
    }
    out.push_back(std::move(t));
  }
  return out;
}

ReplayReport replay(const std::vector<RecordedTrial>& curves, const char* scheduler_json, bool maximize = true) {
  auto s = make_scheduler(context(Json::parse(scheduler_json), maximize));
  if (!s) qFatal("%s", s.error_text().c_str());
  auto rep = replay_curves(curves, **s, Objective{"acc", maximize}, 1);
  if (!rep) qFatal("%s", rep.error_text().c_str());
  return *rep;
}

struct Event {
  int64_t trial;
  int epoch;  // 0: the trial completes
};

// The order results arrive in when `running` trials report in turn: each trial reports its 30 epochs
// interleaved with the others'; a trial is complete after its 30th.
std::vector<Event> interleaved(int trials, int running) {
  std::vector<Event> out;
  for (int start = 0; start < trials; start += running) {
    for (int e = 1; e <= 30; ++e) {
      for (int i = start; i < std::min(trials, start + running); ++i) out.push_back({i, e});
    }
    for (int i = start; i < std::min(trials, start + running); ++i) out.push_back({i, 0});
  }
  return out;
}

}  // namespace

class TestPredictive final : public QObject {
  Q_OBJECT
 private slots:
  void keepsTheSlowStarterThatAshaDrops_data() {
    QTest::addColumn<bool>("maximize");
    QTest::newRow("max") << true;
    QTest::newRow("min") << false;
  }
  void keepsTheSlowStarterThatAshaDrops() {
    QFETCH(bool, maximize);
    const auto curves = crossing_curves(120, 5, !maximize);
    const auto asha = replay(curves, R"({"type": "asha", "max_t": 30, "grace_period": 1, "reduction_factor": 3})", maximize);
    const auto pred = replay(curves, R"({"type": "predictive", "max_t": 30})", maximize);
    const auto fifo = replay(curves, R"({"type": "fifo"})", maximize);
    QCOMPARE(fifo.final_rank, 1);
    QVERIFY(*fifo.true_best_final_trial % 4 == 3);  // a slow starter ends best
    // ASHA judges at epoch 1, where every slow starter looks worst: it ends with a lesser configuration.
    QVERIFY2(asha.final_rank > 1, std::to_string(asha.final_rank).c_str());
    QCOMPARE(asha.trials[static_cast<size_t>(*fifo.true_best_final_trial)].status, std::string("stopped"));
    QCOMPARE(asha.trials[static_cast<size_t>(*fifo.true_best_final_trial)].epochs, int64_t(1));
    // The predictive scheduler keeps it, and still stops most trials early.
    QCOMPARE(pred.final_rank, 1);
    QCOMPARE(*pred.best_final_trial, *fifo.true_best_final_trial);
    QVERIFY2(pred.epochs_consumed * 3 < pred.epochs_recorded, std::to_string(pred.epochs_consumed).c_str());
    int stops = 0;
    for (const auto& d : pred.decisions) {
      if (d.action != "stop" || d.details.value("reached_max_t", false)) continue;
      ++stops;
      // e.g. "predictive stopped trial 12 at training_iteration 4: predicted final acc 0.71 ± 0.03 < best 0.8 (95 %, ...)"
      QVERIFY2(d.reason.find("predicted final acc") != std::string::npos, d.reason.c_str());
      QVERIFY2(d.reason.find(maximize ? " < best " : " > best ") != std::string::npos, d.reason.c_str());
      QVERIFY2(d.reason.find("(95 %") != std::string::npos, d.reason.c_str());
      const double predicted = d.details["predicted"].get<double>(), bound = d.details["bound"].get<double>();
      const double threshold = d.details["threshold"].get<double>();
      QVERIFY(maximize ? bound < threshold && predicted <= bound : bound > threshold && predicted >= bound);
    }
    QVERIFY(stops > 60);
    qInfo("ASHA: %lld epochs, rank %d; predictive: %lld epochs, rank %d (of %lld recorded)",
          static_cast<long long>(asha.epochs_consumed), asha.final_rank, static_cast<long long>(pred.epochs_consumed),
          pred.final_rank, static_cast<long long>(pred.epochs_recorded));
  }

  void topKAndConfidence() {
    const auto curves = crossing_curves(120, 9);
    const auto k1 = replay(curves, R"({"type": "predictive", "max_t": 30})");
    const auto k5 = replay(curves, R"({"type": "predictive", "max_t": 30, "top_k": 5})");
    const auto strict = replay(curves, R"({"type": "predictive", "max_t": 30, "confidence": 0.999})");
    QVERIFY(strict.epochs_consumed > k1.epochs_consumed);
    bool said = false;
    for (const auto& d : k5.decisions) said = said || d.reason.find("< the 5th best ") != std::string::npos;
    QVERIFY(said);
  }

  void rejectsBadOptions() {
    auto s = make_scheduler(context(Json{{"type", "predictive"}, {"max_t", 10}, {"min_t", 20}}));
    QVERIFY(!s.ok());
    QVERIFY2(s.error_text().find("scheduler.min_t") != std::string::npos, s.error_text().c_str());
    s = make_scheduler(context(Json{{"type", "predictive"}, {"confidence", 1.5}}));
    QVERIFY(!s.ok());
    QVERIFY2(s.error_text().find("scheduler.confidence") != std::string::npos, s.error_text().c_str());
  }

  // A decision costs well under a millisecond with 1,000 trials in flight and 200 curves run to the end.
  void decisionUnderOneMillisecondAtThousandTrials() {
    const auto curves = crossing_curves(1200, 21);
    auto made = make_scheduler(context(Json{{"type", "predictive"}, {"max_t", 30}}));
    QVERIFY(made.ok());
    Scheduler& s = **made;
    for (int i = 0; i < 200; ++i) {  // curves run to the end
      s.on_trial_add(snap(i, TrialStatus::Pending));
      for (const auto& r : curves[static_cast<size_t>(i)].results) s.on_result(snap(i), r);
      s.on_complete(snap(i, TrialStatus::Completed));
    }
    std::set<int64_t> stopped;
    int64_t decisions = 0;
    std::chrono::nanoseconds spent{0};
    for (int64_t i = 200; i < 1200; ++i) s.on_trial_add(snap(i, TrialStatus::Pending));
    for (int e = 0; e < 10; ++e) {  // 1,000 trials report epochs 1 to 10 in turn
      for (int64_t i = 200; i < 1200; ++i) {
        if (stopped.count(i)) continue;
        const Json& r = curves[static_cast<size_t>(i)].results[static_cast<size_t>(e)];
        const auto t0 = std::chrono::steady_clock::now();
        const Decision d = s.on_result(snap(i), r);
        spent += std::chrono::steady_clock::now() - t0;
        ++decisions;
        if (d.action == Decision::Action::Stop) stopped.insert(i);
      }
    }
    const double mean_us = std::chrono::duration<double, std::micro>(spent).count() / static_cast<double>(decisions);
    qInfo("%lld decisions, mean %.2f us, %zu stopped", static_cast<long long>(decisions), mean_us, stopped.size());
    QVERIFY2(mean_us < 1000, std::to_string(mean_us).c_str());
    // It decides, too: most of the trials are stopped, and the slow starters that end best are not.
    QVERIFY(stopped.size() > 500);
    QVERIFY(stopped.size() < 1000);
    double best_final = 0;
    for (int i = 0; i < 200; ++i) best_final = std::max(best_final, curves[static_cast<size_t>(i)].results.back()["acc"].get<double>());
    int better = 0;
    for (int64_t i = 200; i < 1200; ++i) {
      // (a near tie may be stopped: that is what 95 % confidence allows)
      if (curves[static_cast<size_t>(i)].results.back()["acc"].get<double>() <= best_final + 0.005) continue;
      ++better;
      QVERIFY2(!stopped.count(i), std::to_string(i).c_str());
    }
    qInfo("%d trials end better than the 200 curves run to the end", better);
  }

  // Resume: the controller replays the stored history (every result in order, then every completion) to a
  // new scheduler; from there on it decides exactly as the scheduler that ran all along.
  void rebuildsItsStateFromTheStoredHistory() {
    const auto curves = crossing_curves(80, 13);
    const auto events = interleaved(80, 4);
    const char* kOptions = R"({"type": "predictive", "max_t": 30})";
    auto a = scheduler(kOptions);
    std::set<int64_t> stopped;
    std::vector<std::pair<int64_t, const Json*>> history;  // results delivered so far
    std::set<int64_t> finished;
    const size_t cut = events.size() / 2;
    std::vector<std::string> before;
    for (size_t k = 0; k < cut; ++k) {
      const Event& ev = events[k];
      if (stopped.count(ev.trial)) continue;
      if (ev.epoch == 1) a->on_trial_add(snap(ev.trial, TrialStatus::Pending));
      if (ev.epoch == 0) {
        a->on_complete(snap(ev.trial, TrialStatus::Completed));
        finished.insert(ev.trial);
        continue;
      }
      const Json& r = curves[static_cast<size_t>(ev.trial)].results[static_cast<size_t>(ev.epoch - 1)];
      history.push_back({ev.trial, &r});
      const Decision d = a->on_result(snap(ev.trial), r);
      if (d.action == Decision::Action::Stop) {
        stopped.insert(ev.trial);
        finished.insert(ev.trial);
        a->on_complete(snap(ev.trial, TrialStatus::Stopped));
        before.push_back(d.reason);
      }
    }
    QVERIFY(!before.empty());
    // The resumed scheduler sees the history as the controller replays it.
    auto b = scheduler(kOptions);
    std::set<int64_t> added;
    for (const auto& [id, r] : history) {
      if (added.insert(id).second) b->on_trial_add(snap(id, TrialStatus::Running));
    }
    for (const auto& [id, r] : history) b->on_result(snap(id), *r);
    for (int64_t id : finished) b->on_complete(snap(id, stopped.count(id) ? TrialStatus::Stopped : TrialStatus::Completed));
    // From here on both decide alike.
    int compared = 0, stops = 0;
    for (size_t k = cut; k < events.size(); ++k) {
      const Event& ev = events[k];
      if (stopped.count(ev.trial)) continue;
      if (ev.epoch == 1) {
        a->on_trial_add(snap(ev.trial, TrialStatus::Pending));
        b->on_trial_add(snap(ev.trial, TrialStatus::Pending));
      }
      if (ev.epoch == 0) {
        a->on_complete(snap(ev.trial, TrialStatus::Completed));
        b->on_complete(snap(ev.trial, TrialStatus::Completed));
        continue;
      }
      const Json& r = curves[static_cast<size_t>(ev.trial)].results[static_cast<size_t>(ev.epoch - 1)];
      const Decision da = a->on_result(snap(ev.trial), r);
      const Decision db = b->on_result(snap(ev.trial), r);
      ++compared;
      QCOMPARE(to_string(db.action), to_string(da.action));
      QCOMPARE(db.reason, da.reason);
      if (da.action == Decision::Action::Stop) {
        ++stops;
        stopped.insert(ev.trial);
        a->on_complete(snap(ev.trial, TrialStatus::Stopped));
        b->on_complete(snap(ev.trial, TrialStatus::Stopped));
      }
    }
    QVERIFY(compared > 100);
    QVERIFY(stops > 5);
    // A scheduler that saw nothing decides differently: the state matters.
    auto fresh = scheduler(kOptions);
    const auto& probe = curves[static_cast<size_t>(*stopped.rbegin())];
    fresh->on_trial_add(snap(999, TrialStatus::Pending));
    QCOMPARE(to_string(fresh->on_result(snap(999), probe.results[4]).action), "continue");
  }
};

QTEST_APPLESS_MAIN(TestPredictive)
#include "test_predictive.moc"
