// The study loop with scripted trials (tests/support/fake_executor.h) and a hand-moved clock: when the
// searcher is asked, how stoppers end trials, timeouts, and what the controller leaves to its executor.
// Nothing here starts a process or sleeps.
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "core/run/controller.h"
#include "support/fake_executor.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace tunelab::test;
using namespace std::chrono_literals;

namespace {

using Log = std::shared_ptr<std::vector<std::string>>;

// Forwards to the spec's searcher and writes every call into the shared log.
class RecordingSearcher final : public Searcher {
 public:
  RecordingSearcher(std::unique_ptr<Searcher> inner, Log log) : inner_(std::move(inner)), log_(std::move(log)) {}
  Suggestion suggest(int64_t id) override {
    log_->push_back("suggest " + std::to_string(id));
    return inner_->suggest(id);
  }
  void on_result(const TrialSnapshot& t, const Json& r) override {
    log_->push_back("result " + std::to_string(t.id));
    inner_->on_result(t, r);
  }
  void on_complete(const TrialSnapshot& t) override {
    log_->push_back("complete " + std::to_string(t.id));
    inner_->on_complete(t);
  }
  int64_t total_trials() const override { return inner_->total_trials(); }

 private:
  std::unique_ptr<Searcher> inner_;
  Log log_;
};

// Pauses every trial once at its 2nd result and resumes them when all `n` got there (a rung, as
// HyperBand's); writes every choose_trial_to_run into the shared log.
class PausingScheduler final : public Scheduler {
 public:
  PausingScheduler(Log log, size_t n) : log_(std::move(log)), n_(n) {}
  Decision on_result(const TrialSnapshot& t, const Json&) override {
    if (t.iteration == 2 && paused_.insert(t.id).second) return Decision::pause("rung 2");
    return Decision::keep_going();
  }
  std::optional<int64_t> choose_trial_to_run(const std::vector<TrialSnapshot>& waiting) override {
    log_->push_back("choose");
    if (paused_.size() < n_) return std::nullopt;
    return Scheduler::choose_trial_to_run(waiting);
  }

 private:
  Log log_;
  size_t n_;
  std::set<int64_t> paused_;
};

// n reports of `score` = value(i) for i = 1..n, then exit 0.
FakeProcess reports(int n, const std::function<double(int)>& value = [](int i) { return 0.1 * i; }) {
  FakeProcess p;
  for (int i = 1; i <= n; ++i) p.reports.push_back(Json{{"score", value(i)}});
  return p;
}

struct Scripted {
  std::shared_ptr<FakeClock> clock = std::make_shared<FakeClock>();
  Log log = std::make_shared<std::vector<std::string>>();
  FakeExecutor* executor = nullptr;  // owned by the controller
};

struct Outcome {
  std::string status;
  std::vector<TrialRecord> trials;
  std::vector<DecisionRecord> decisions;
  std::vector<EventRecord> events;
};

ControllerOptions scripted_options(Scripted& s, FakeExecutor::Script script, bool record_searcher,
                                   const StudySpec& spec) {
  ControllerOptions o;
  o.self_exe = TUNELAB_BIN;
  o.kill_grace = 5000ms;
  o.progress_interval = 1000ms;
  o.clock = s.clock;
  auto ex = std::make_unique<FakeExecutor>(s.clock, s.log, std::move(script));
  s.executor = ex.get();
  o.executor = std::move(ex);
  if (record_searcher) {
    auto inner = make_searcher(search_context(spec));
    if (!inner) qFatal("searcher: %s", inner.error_text().c_str());
    o.searcher = std::make_unique<RecordingSearcher>(std::move(*inner), s.log);
  }
  return o;
}

Outcome run_scripted(const Json& spec_json, const QTemporaryDir& dir, Scripted& s, FakeExecutor::Script script,
                     bool record_searcher = false) {
  const StudySpec spec = must_parse(spec_json, dir.path().toStdString());
  auto options = scripted_options(s, std::move(script), record_searcher, spec);
  auto c = Controller::create(spec, dir.filePath(QStringLiteral("study.db")).toStdString(), std::move(options));
  if (!c) qFatal("create: %s", c.error_text().c_str());
  auto status = (*c)->run();
  if (!status) qFatal("run: %s", status.error_text().c_str());
  return {*status, *(*c)->store().load_trials(), *(*c)->store().load_decisions(), *(*c)->store().load_events()};
}

ptrdiff_t position(const std::vector<std::string>& log, const std::string& entry) {
  auto it = std::find(log.begin(), log.end(), entry);
  return it == log.end() ? -1 : it - log.begin();
}

}  // namespace

class TestControllerScripted final : public QObject {
  Q_OBJECT
 private slots:
  void asksTheSearcherOnlyWhenASlotIsFree() {
    // One slot: trial k's config is chosen after trial k-1 ended and its result reached the searcher.
    QTemporaryDir dir;
    Scripted s;
    auto o = run_scripted(synthetic_spec({{"num_samples", 4}, {"max_concurrent", 1}}), dir, s,
                          [](const Launch&) { return reports(3); }, true);
    QCOMPARE(o.status, std::string("completed"));
    QCOMPARE(o.trials.size(), size_t(4));
    const auto& log = *s.log;
    for (int k = 1; k < 4; ++k) {
      const auto asked = position(log, "suggest " + std::to_string(k));
      QVERIFY(asked >= 0);
      QVERIFY2(asked > position(log, "complete " + std::to_string(k - 1)),
               ("trial " + std::to_string(k) + " was suggested before trial " + std::to_string(k - 1) + " ended").c_str());
    }
  }

  void asksTheSearcherOnlyForFreeSlotsOfSeveral() {
    // Two slots: whenever the searcher is asked, at most one trial runs.
    QTemporaryDir dir;
    Scripted s;
    auto o = run_scripted(synthetic_spec({{"num_samples", 6}, {"max_concurrent", 2}}), dir, s,
                          [](const Launch& l) { return reports(2 + static_cast<int>(l.trial_id % 3)); }, true);
    QCOMPARE(o.status, std::string("completed"));
    QCOMPARE(o.trials.size(), size_t(6));
    int running = 0, asked = 0;
    for (const auto& e : *s.log) {
      if (e.starts_with("start ")) ++running;
      if (e.starts_with("exit ")) --running;
      if (e.starts_with("suggest ")) {
        ++asked;
        QVERIFY2(running < 2, ("asked with both slots taken: " + e).c_str());
      }
    }
    QCOMPARE(asked, 6);
  }

  void asksTheSchedulerOnlyWhenASlotIsFree() {
    // A scheduler that keeps a group waiting (HyperBand) reads "nothing runs, nothing to pick" as
    // starvation: it must not be asked while the only slot is taken.
    QTemporaryDir dir;
    Scripted s;
    const StudySpec spec = must_parse(synthetic_spec({{"num_samples", 3}, {"max_concurrent", 1}}), dir.path().toStdString());
    auto options = scripted_options(s, [](const Launch&) { return reports(4); }, false, spec);
    options.scheduler = std::make_unique<PausingScheduler>(s.log, 3);
    auto c = Controller::create(spec, dir.filePath(QStringLiteral("study.db")).toStdString(), std::move(options));
    QVERIFY(c.ok());
    QCOMPARE(*(*c)->run(), std::string("completed"));
    int running = 0, asked = 0;
    for (const auto& e : *s.log) {
      running += e.starts_with("start ") - e.starts_with("exit ");
      if (e == "choose") {
        ++asked;
        QVERIFY2(running == 0, "choose_trial_to_run asked while the only slot was taken");
      }
    }
    QVERIFY(asked > 0);
    const auto trials = (*c)->store().load_trials();
    QVERIFY(trials.ok());
    for (const auto& t : *trials) QCOMPARE(t.status, TrialStatus::Completed);
  }

  void allOfMaxIterationsAndThresholdCompletes() {
    // The docs' example: a trial ended by `all` of max_iterations and metric_threshold reached its planned
    // end, exactly as when the same rules stand at the top level.
    const Json all = Json::parse(R"([{"type": "all", "stoppers": [{"type": "max_iterations", "max_iter": 3},
                                                               {"type": "metric_threshold", "threshold": 0.2}]}])");
    const Json any = Json::parse(R"([{"type": "combined", "stoppers": [{"type": "max_iterations", "max_iter": 3},
                                                                    {"type": "trial_plateau", "num_results": 9}]}])");
    const Json top = Json::parse(R"([{"type": "max_iterations", "max_iter": 3}])");
    const Json plateau = Json::parse(R"([{"type": "trial_plateau", "num_results": 2, "grace_period": 2}])");
    for (const auto& [stoppers, expected] : {std::pair{all, TrialStatus::Completed}, std::pair{any, TrialStatus::Completed},
                                             std::pair{top, TrialStatus::Completed}, std::pair{plateau, TrialStatus::Stopped}}) {
      QTemporaryDir dir;
      Scripted s;
      auto o = run_scripted(synthetic_spec({{"num_samples", 2}, {"stoppers", stoppers}}), dir, s,
                            [](const Launch&) { return reports(6, [](int) { return 0.5; }); });
      QCOMPARE(o.trials.size(), size_t(2));
      for (const auto& t : o.trials) {
        QVERIFY2(t.status == expected, (dump_compact(stoppers) + ": trial ended " + to_string(t.status)).c_str());
        QCOMPARE(t.last_iteration, expected == TrialStatus::Completed ? int64_t(3) : int64_t(2));
      }
    }
  }

  void stopCriteriaAndSchedulerMaxTComplete() {
    // The `stop` block and ASHA's max_t end trials as completed; ASHA's cutoff stops them.
    QTemporaryDir dir;
    Scripted s;
    auto o = run_scripted(synthetic_spec({{"num_samples", 3}, {"max_concurrent", 1}, {"stop", {{"training_iteration", 4}}}}),
                          dir, s, [](const Launch&) { return reports(10); });
    for (const auto& t : o.trials) QCOMPARE(t.status, TrialStatus::Completed);
    QTemporaryDir dir2;
    Scripted s2;
    auto a = run_scripted(
        synthetic_spec({{"num_samples", 4}, {"max_concurrent", 1},
                        {"scheduler", {{"type", "asha"}, {"max_t", 4}, {"grace_period", 1}, {"reduction_factor", 2}}}}),
        dir2, s2, [](const Launch& l) { return reports(10, [&](int i) { return 0.1 * i * (4 - l.trial_id); }); });
    QCOMPARE(a.trials.at(0).status, TrialStatus::Completed);  // first at every rung: runs to max_t
    QCOMPARE(a.trials.at(0).last_iteration, int64_t(4));
    QCOMPARE(a.trials.at(3).status, TrialStatus::Stopped);    // worst at rung 1
  }

  void trialTimeoutWithoutSleeping() {
    // A trial that stops reporting is ended after trial_timeout_s of the (fake) clock; the kill grace
    // and the timeout pass in no real time.
    QTemporaryDir dir;
    Scripted s;
    const auto t0 = std::chrono::steady_clock::now();
    auto o = run_scripted(synthetic_spec({{"num_samples", 2}, {"trial_timeout_s", 600}}), dir, s, [](const Launch& l) {
      FakeProcess p = reports(2);
      p.hang = l.trial_id == 1;
      return p;
    });
    QVERIFY(std::chrono::steady_clock::now() - t0 < 30s);
    QCOMPARE(o.trials.at(0).status, TrialStatus::Completed);
    QCOMPARE(o.trials.at(1).status, TrialStatus::Error);
    QVERIFY2(o.trials.at(1).error.find("no report for 600") != std::string::npos, o.trials.at(1).error.c_str());
    QVERIFY(position(*s.log, "stop 1") >= 0);
  }

  void resumeCleansUpThroughTheExecutor() {
    // An engine that dies with a trial running: the resumed study asks its executor to clean up after
    // the old process, then reruns the trial.
    QTemporaryDir dir;
    const std::string db = dir.filePath(QStringLiteral("study.db")).toStdString();
    const StudySpec spec = must_parse(synthetic_spec({{"num_samples", 2}, {"max_concurrent", 1}}), dir.path().toStdString());
    {
      Scripted s;
      auto options = scripted_options(s, [](const Launch&) { FakeProcess p = reports(1); p.hang = true; return p; }, false, spec);
      auto c = Controller::create(spec, db, std::move(options));
      QVERIFY(c.ok());
      s.executor->before_wait = [&] {
        if (position(*s.log, "report 0") >= 0) throw std::runtime_error("engine dies");
      };
      QVERIFY_THROWS_EXCEPTION(std::runtime_error, (void)(*c)->run());
    }
    Scripted s;
    ControllerOptions o;
    o.self_exe = TUNELAB_BIN;
    o.clock = s.clock;
    auto ex = std::make_unique<FakeExecutor>(s.clock, s.log, [](const Launch&) { return reports(2); });
    o.executor = std::move(ex);
    auto c = Controller::resume(db, std::move(o));
    QVERIFY2(c.ok(), c.error_text().c_str());
    QVERIFY(!s.log->empty());
    QCOMPARE(s.log->front(), "kill_stale 1000 " + (*c)->store().load_trials()->at(0).trial_dir);
    auto status = (*c)->run();
    QCOMPARE(*status, std::string("completed"));
    const auto trials = (*c)->store().load_trials();
    QVERIFY(trials.ok());
    for (const auto& t : *trials) QCOMPARE(t.status, TrialStatus::Completed);
  }

  void executorThatPlacesTrialsElsewhereIsNotLimitedByLocalSlots() {
    // One local CPU slot and trials that each want one: a local executor runs them one at a time, an
    // executor whose trials run elsewhere (a cluster) only obeys max_concurrent.
    for (bool local : {true, false}) {
      QTemporaryDir dir;
      Scripted s;
      const StudySpec spec = must_parse(synthetic_spec({{"num_samples", 4}, {"max_concurrent", 4},
                                                        {"resources_per_trial", {{"cpu", 1}}}}),
                                        dir.path().toStdString());
      auto options = scripted_options(s, [](const Launch&) { return reports(3); }, false, spec);
      options.cpu_slots = 1;
      s.executor->local = local;
      auto c = Controller::create(spec, dir.filePath(QStringLiteral("study.db")).toStdString(), std::move(options));
      QVERIFY(c.ok());
      QCOMPARE(*(*c)->run(), std::string("completed"));
      int running = 0, most = 0;
      for (const auto& e : *s.log) {
        running += e.starts_with("start ") - e.starts_with("exit ");
        most = std::max(most, running);
      }
      QCOMPARE(most, local ? 1 : 4);
    }
  }
};

QTEST_APPLESS_MAIN(TestControllerScripted)
#include "test_controller_scripted.moc"
