// The study loop with real trial processes: retries, errors, timeouts, stop criteria, budgets,
// user stops, bad reports, concurrency limits.
#include <QDir>
#include <QTemporaryDir>
#include <QTest>

#include <set>
#include <thread>

#include "core/run/controller.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace std::chrono_literals;
using tunelab::test::synthetic_spec;

namespace {

struct Outcome {
  std::string status;
  std::vector<TrialRecord> trials;
  std::vector<ResultRecord> results;
  std::vector<EventRecord> events;
  std::vector<DecisionRecord> decisions;
  int max_running = 0;
};

ControllerOptions fast_options() {
  ControllerOptions o;
  o.self_exe = TUNELAB_BIN;
  o.kill_grace = 300ms;
  o.progress_interval = 100ms;
  return o;
}

Outcome run_study(const Json& spec_json, const QTemporaryDir& dir, ControllerOptions options = fast_options(),
                  const std::function<void(Controller&)>& during = {}) {
  auto spec = parse_spec(spec_json, dir.path().toStdString());
  if (!spec) qFatal("bad spec: %s", spec.error_text().c_str());
  const std::string db = dir.filePath(QStringLiteral("study.db")).toStdString();
  auto c = Controller::create(std::move(*spec), db, std::move(options));
  if (!c) qFatal("create: %s", c.error_text().c_str());
  Outcome out;
  (*c)->add_observer([&out](const StudyEvent& e) {
    if (e.kind == StudyEvent::Kind::Progress) out.max_running = std::max<int>(out.max_running, static_cast<int>(e.progress.running));
  });
  std::thread helper;
  if (during) helper = std::thread([&] { during(**c); });
  auto status = (*c)->run();
  if (helper.joinable()) helper.join();
  if (!status) qFatal("run: %s", status.error_text().c_str());
  out.status = *status;
  out.trials = *(*c)->store().load_trials();
  out.results = *(*c)->store().load_results();
  out.events = *(*c)->store().load_events();
  out.decisions = *(*c)->store().load_decisions();
  return out;
}

int count_events(const Outcome& o, const std::string& kind) {
  int n = 0;
  for (const auto& e : o.events) n += e.kind == kind;
  return n;
}

}  // namespace

class TestController final : public QObject {
  Q_OBJECT
 private slots:
  void runsEveryTrialAndStoresEveryResult() {
    QTemporaryDir dir;
    auto o = run_study(synthetic_spec({{"num_samples", 6},
                                       {"space", {{"x", {{"type", "float"}, {"low", 0}, {"high", 1}}},
                                                  {"iterations", 5}}}}),
                       dir);
    QCOMPARE(o.status, std::string("completed"));
    QCOMPARE(o.trials.size(), size_t(6));
    for (const auto& t : o.trials) {
      QCOMPARE(t.status, TrialStatus::Completed);
      QCOMPARE(t.last_iteration, int64_t(5));
    }
    QCOMPARE(o.results.size(), size_t(30));
    std::set<std::pair<int64_t, int64_t>> keys;
    for (const auto& r : o.results) {
      keys.insert({r.trial_id, r.iteration});
      QVERIFY(r.metrics.contains("time_total_s"));
      QVERIFY(r.metrics.contains("score"));
    }
    QCOMPARE(keys.size(), size_t(30));
  }

  void crashRetryThenError() {
    QTemporaryDir dir;
    // Fails at iteration 2 in every attempt: 1 try + 2 retries, then ERROR with the stderr tail.
    auto o = run_study(synthetic_spec({{"num_samples", 1},
                                       {"max_failures", 2},
                                       {"space", {{"fail_at", 2}, {"iterations", 4}}}}),
                       dir);
    QCOMPARE(o.trials[0].status, TrialStatus::Error);
    QCOMPARE(o.trials[0].attempts, int64_t(3));
    QCOMPARE(o.trials[0].failures, int64_t(3));
    QVERIFY2(o.trials[0].error.find("exited with status 3") != std::string::npos, o.trials[0].error.c_str());
    QVERIFY2(o.trials[0].error.find("failing at iteration 2") != std::string::npos, o.trials[0].error.c_str());
    QCOMPARE(count_events(o, "retried"), 2);
    // Iteration 1, reported by each attempt: the curve holds the last attempt's, the two before are history.
    QCOMPARE(o.results.size(), size_t(1));
    QCOMPARE(o.results[0].attempt, int64_t(3));
    QCOMPARE(count_events(o, "duplicate_report"), 0);
    QCOMPARE(count_events(o, "results_superseded"), 2);
    auto store = Store::open(dir.filePath(QStringLiteral("study.db")).toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    auto all = *(*store)->load_results_with_history();
    QCOMPARE(all.size(), size_t(3));
    for (size_t i = 0; i < all.size(); ++i) {
      QCOMPARE(all[i].attempt, int64_t(i + 1));
      QCOMPARE(all[i].iteration, int64_t(1));
      QCOMPARE(all[i].superseded, i < 2);
    }
  }

  void crashRetryThenSuccessFromCheckpoint() {
    QTemporaryDir dir;
    // Fails at iteration 3 in the first attempt only; the retry restores from the checkpoint at 2.
    auto o = run_study(synthetic_spec({{"num_samples", 1},
                                       {"max_failures", 1},
                                       {"space", {{"fail_at", 3}, {"fail_attempts", 1}, {"iterations", 5},
                                                  {"checkpoint", true}}}}),
                       dir);
    QCOMPARE(o.trials[0].status, TrialStatus::Completed);
    QCOMPARE(o.trials[0].attempts, int64_t(2));
    QCOMPARE(o.results.size(), size_t(5));
    for (size_t i = 0; i < 5; ++i) QCOMPARE(o.results[i].iteration, int64_t(i + 1));
    QCOMPARE(count_events(o, "duplicate_report"), 0);  // it continued, not restarted
    QCOMPARE(o.trials[0].checkpoint_iteration, int64_t(5));
  }

  void hangTimesOut() {
    QTemporaryDir dir;
    const auto t0 = std::chrono::steady_clock::now();
    auto o = run_study(synthetic_spec({{"num_samples", 1},
                                       {"trial_timeout_s", 0.5},
                                       {"space", {{"hang_at", 2}, {"iterations", 5}}}}),
                       dir);
    QCOMPARE(o.trials[0].status, TrialStatus::Error);
    QVERIFY2(o.trials[0].error.find("trial_timeout_s") != std::string::npos, o.trials[0].error.c_str());
    QCOMPARE(o.results.size(), size_t(1));
    QVERIFY(std::chrono::steady_clock::now() - t0 < 5s);
  }

  void stopCriteria() {
    QTemporaryDir dir;
    // score rises with iterations; x = 0.3 gives the highest curve: 1 - exp(-i/3) >= 0.5 from i = 3.
    auto o = run_study(synthetic_spec({{"num_samples", 2},
                                       {"space", {{"x", 0.3}, {"iterations", 50}, {"sleep_s", 0.01}}},
                                       {"stop", {{"training_iteration", 10}, {"score", 0.5}}}}),
                       dir);
    for (const auto& t : o.trials) {
      QCOMPARE(t.status, TrialStatus::Completed);
      QCOMPARE(t.last_iteration, int64_t(3));
    }
    QCOMPARE(o.decisions.size(), size_t(2));
    QCOMPARE(o.decisions[0].source, std::string("stopper"));
    QVERIFY2(o.decisions[0].reason.find("score reached") != std::string::npos, o.decisions[0].reason.c_str());

    QTemporaryDir dir2;
    auto o2 = run_study(synthetic_spec({{"num_samples", 1},
                                        {"space", {{"iterations", 50}, {"sleep_s", 0.01}}},
                                        {"stop", {{"training_iteration", 4}}}}),
                        dir2);
    QCOMPARE(o2.trials[0].last_iteration, int64_t(4));
    QCOMPARE(o2.results.size(), size_t(4));
  }

  void timeBudgetEndsTheStudy() {
    QTemporaryDir dir;
    const auto t0 = std::chrono::steady_clock::now();
    auto o = run_study(synthetic_spec({{"num_samples", 20},
                                       {"max_concurrent", 2},
                                       {"space", {{"iterations", 100}, {"sleep_s", 0.05}}},
                                       {"stop", {{"time_budget_s", 1.0}}}}),
                       dir);
    const auto took = std::chrono::steady_clock::now() - t0;
    QCOMPARE(o.status, std::string("completed"));
    QVERIFY(took < 4s);
    int stopped = 0, pending = 0;
    for (const auto& t : o.trials) {
      stopped += t.status == TrialStatus::Stopped;
      pending += t.status == TrialStatus::Pending;
    }
    QCOMPARE(stopped, 2);
    QCOMPARE(count_events(o, "budget"), 1);
  }

  void userStopsATrial() {
    QTemporaryDir dir;
    auto o = run_study(synthetic_spec({{"num_samples", 2},
                                       {"max_concurrent", 2},
                                       {"space", {{"iterations", 200}, {"sleep_s", 0.02}}}}),
                       dir, fast_options(), [](Controller& c) {
                         std::this_thread::sleep_for(300ms);
                         c.stop_trial(1, "looks bad");
                       });
    QCOMPARE(o.trials[0].status, TrialStatus::Completed);
    QCOMPARE(o.trials[1].status, TrialStatus::Stopped);
    QVERIFY(o.trials[1].last_iteration < 200);
    QCOMPARE(o.decisions.size(), size_t(1));
    QCOMPARE(o.decisions[0].source, std::string("user"));
    QCOMPARE(o.decisions[0].reason, std::string("looks bad"));
  }

  void badReportsAreEventsNotCrashes() {
    QTemporaryDir dir;
    auto o = run_study(synthetic_spec({{"num_samples", 1}, {"space", {{"iterations", 3}, {"garbage", true}}}}), dir);
    QCOMPARE(o.trials[0].status, TrialStatus::Completed);
    QCOMPARE(o.results.size(), size_t(3));
    QCOMPARE(count_events(o, "bad_report"), 3);
  }

  void missingProgramErrorsAtOnce() {
    QTemporaryDir dir;
    auto o = run_study(synthetic_spec({{"num_samples", 2},
                                       {"max_failures", 3},
                                       {"trainable", {{"command", {"no-such-program-abc"}}}}}),
                       dir);
    for (const auto& t : o.trials) {
      QCOMPARE(t.status, TrialStatus::Error);
      QCOMPARE(t.attempts, int64_t(1));  // not retried: it can never start
      QVERIFY(t.error.find("cannot run") != std::string::npos);
    }
  }

  void concurrencyIsBounded() {
    QTemporaryDir dir;
    auto o = run_study(synthetic_spec({{"num_samples", 8},
                                       {"max_concurrent", 3},
                                       {"space", {{"iterations", 3}, {"sleep_s", 0.1}}}}),
                       dir);
    QVERIFY(o.max_running <= 3);
    QVERIFY(o.max_running >= 2);
    QTemporaryDir dir2;
    ControllerOptions opts = fast_options();
    opts.cpu_slots = 2;  // two CPUs, one per trial
    auto o2 = run_study(synthetic_spec({{"num_samples", 6},
                                        {"resources_per_trial", {{"cpu", 1}}},
                                        {"space", {{"iterations", 3}, {"sleep_s", 0.1}}}}),
                        dir2, std::move(opts));
    QVERIFY(o2.max_running <= 2);
  }

  void doneTrialThatLingersIsStopped() {
    QTemporaryDir dir;
    const auto t0 = std::chrono::steady_clock::now();
    auto o = run_study(synthetic_spec({{"num_samples", 1},
                                       {"trainable", {{"command", "echo '{\"score\": 1, \"_done\": true}' >&3; sleep 30"},
                                                      {"shell", true}}}}),
                       dir);
    QCOMPARE(o.trials[0].status, TrialStatus::Completed);
    QVERIFY(std::chrono::steady_clock::now() - t0 < 5s);  // grace 300 ms, then SIGTERM
  }

  void liesAndLateReportsAreNotBelieved() {
    QTemporaryDir dir;
    // A huge iteration number is not believed (counted instead); what comes after _done is ignored.
    auto o = run_study(synthetic_spec({{"num_samples", 1},
                                       {"trainable", {{"command", "echo '{\"score\": 1, \"training_iteration\": 1e300}' >&3; "
                                                                  "echo '{\"score\": 2, \"_done\": true}' >&3; "
                                                                  "echo '{\"score\": 99}' >&3"},
                                                      {"shell", true}}}}),
                       dir);
    QCOMPARE(o.results.size(), size_t(2));
    QCOMPARE(o.results[0].iteration, int64_t(1));
    QCOMPARE(o.results[1].iteration, int64_t(2));
    QCOMPARE(o.results[1].metrics["score"].get<int>(), 2);
    QCOMPARE(count_events(o, "bad_report"), 1);
    QCOMPARE(count_events(o, "ignored_report"), 1);
  }

  void countingContinuesAfterAnExplicitIteration() {
    QTemporaryDir dir;
    // One explicit jump, then reports without training_iteration: they continue from it (6, 7, 8).
    auto o = run_study(synthetic_spec({{"num_samples", 1},
                                       {"trainable", {{"command", "echo '{\"score\": 1, \"training_iteration\": 5}' >&3; "
                                                                  "echo '{\"score\": 2}' >&3; "
                                                                  "echo '{\"score\": 3}' >&3; "
                                                                  "echo '{\"score\": 4}' >&3"},
                                                      {"shell", true}}}}),
                       dir);
    QCOMPARE(o.results.size(), size_t(4));
    for (size_t i = 0; i < 4; ++i) {
      QCOMPARE(o.results[i].iteration, int64_t(5 + i));
      QCOMPARE(o.results[i].metrics["score"].get<int>(), int(1 + i));
      QCOMPARE(o.results[i].metrics["training_iteration"].get<int64_t>(), int64_t(5 + i));
    }
    QCOMPARE(count_events(o, "duplicate_report"), 0);
    QCOMPARE(o.trials[0].status, TrialStatus::Completed);
  }

  void elapsedTimeIsStoredWhileRunning() {
    QTemporaryDir dir;
    double seen = 0;
    const std::string db = dir.filePath(QStringLiteral("study.db")).toStdString();
    run_study(synthetic_spec({{"num_samples", 1}, {"space", {{"iterations", 25}, {"sleep_s", 0.1}}}}), dir,
              fast_options(), [&](Controller&) {
                std::this_thread::sleep_for(1500ms);
                auto reader = Store::open(db, Store::Mode::ReadOnly);
                if (reader) seen = (*reader)->load_study()->elapsed_s;
              });
    QVERIFY2(seen >= 1.0, qPrintable(QString::number(seen)));  // a crash now would not lose the budget used
  }

  void resumeKeepsRelativeCwd() {
    QTemporaryDir dir;
    QDir(dir.path()).mkdir(QStringLiteral("sub"));
    auto spec = parse_spec(synthetic_spec({{"num_samples", 1},
                                           {"trainable", {{"builtin", "synthetic"}, {"cwd", "sub"}}}}),
                           dir.path().toStdString());
    QVERIFY(spec.ok());
    const std::string db = dir.filePath(QStringLiteral("s.db")).toStdString();
    const std::string expected = dir.filePath(QStringLiteral("sub")).toStdString();
    {
      auto c = Controller::create(std::move(*spec), db, fast_options());
      QVERIFY(c.ok());
      QCOMPARE((*c)->spec().trainable.cwd, expected);
    }
    auto r = Controller::resume(db, fast_options());
    QVERIFY2(r.ok(), r.error_text().c_str());
    QCOMPARE((*r)->spec().trainable.cwd, expected);
  }

  void shellCommandTrainableAndEnvironment() {
    QTemporaryDir dir;
    Json spec = synthetic_spec({{"num_samples", 2},
                                {"objective", {{"metric", "loss"}, {"mode", "min"}}},
                                {"trainable", {{"command", "echo \"{\\\"loss\\\": $LOSS_BASE}\" >&$TUNELAB_REPORT_FD"},
                                               {"shell", true},
                                               {"env", {{"LOSS_BASE", "0.25"}}}}}});
    auto o = run_study(spec, dir);
    QCOMPARE(o.results.size(), size_t(2));
    QCOMPARE(o.results[0].metrics["loss"].get<double>(), 0.25);
    QCOMPARE(o.results[0].iteration, int64_t(1));
  }
};

QTEST_APPLESS_MAIN(TestController)
#include "test_controller.moc"
