// Live control of a running study: the user pausing, resuming and adding trials, pausing the study;
// scheduler pauses resumed from checkpoints, decisions about idle trials, and PBT exploits.
#include <QTemporaryDir>
#include <QTest>

#include <atomic>
#include <map>
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
};

// Calls `during` on a helper thread with the controller and a count of stored results per trial.
using During = std::function<void(Controller&, const std::function<int64_t(int64_t)>& results_of)>;

Outcome run_study(const Json& spec_json, const QTemporaryDir& dir, std::unique_ptr<Scheduler> scheduler = nullptr,
                  const During& during = {}) {
  auto spec = parse_spec(spec_json, dir.path().toStdString());
  if (!spec) qFatal("bad spec: %s", spec.error_text().c_str());
  ControllerOptions o;
  o.self_exe = TUNELAB_BIN;
  o.kill_grace = 2000ms;
  o.progress_interval = 50ms;
  o.scheduler = std::move(scheduler);
  auto c = Controller::create(std::move(*spec), dir.filePath(QStringLiteral("study.db")).toStdString(), std::move(o));
  if (!c) qFatal("create: %s", c.error_text().c_str());
  std::mutex m;
  std::map<int64_t, int64_t> counts;
  (*c)->add_observer([&](const StudyEvent& e) {
    if (e.kind != StudyEvent::Kind::TrialResult) return;
    std::lock_guard lock(m);
    ++counts[e.trial_id];
  });
  auto results_of = [&](int64_t id) {
    std::lock_guard lock(m);
    return counts[id];
  };
  std::thread helper;
  if (during) helper = std::thread([&] { during(**c, results_of); });
  auto status = (*c)->run();
  if (helper.joinable()) helper.join();
  if (!status) qFatal("run: %s", status.error_text().c_str());
  Outcome out;
  out.status = *status;
  out.trials = *(*c)->store().load_trials();
  out.results = *(*c)->store().load_results();
  out.events = *(*c)->store().load_events();
  out.decisions = *(*c)->store().load_decisions();
  return out;
}

void wait_until(const std::function<bool()>& cond) {
  for (int i = 0; i < 1000 && !cond(); ++i) std::this_thread::sleep_for(10ms);
}

std::vector<int64_t> iterations_of(const Outcome& o, int64_t trial) {
  std::vector<int64_t> its;
  for (const auto& r : o.results) {
    if (r.trial_id == trial) its.push_back(r.iteration);
  }
  return its;
}

std::vector<int64_t> one_to(int64_t n) {
  std::vector<int64_t> v;
  for (int64_t i = 1; i <= n; ++i) v.push_back(i);
  return v;
}

bool has_decision(const Outcome& o, int64_t trial, const std::string& source, const std::string& action) {
  for (const auto& d : o.decisions) {
    if (d.trial_id == trial && d.source == source && d.action == action) return true;
  }
  return false;
}

Json slow_trials(int n, int iterations) {
  return synthetic_spec({{"num_samples", n},
                         {"space", {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}},
                                    {"iterations", iterations},
                                    {"sleep_s", 0.03},
                                    {"checkpoint", true}}}});
}

// Pauses every trial at iteration 3. Once every trial is paused there, stops all but trial 0, which
// then runs to the end (a one-rung successive halving).
class PauseAtThree final : public Scheduler {
 public:
  explicit PauseAtThree(int trials) : trials_(trials) {}
  Decision on_result(const TrialSnapshot& t, const Json&) override {
    if (t.iteration == 3 && !resumed_) {
      at_rung_.insert(t.id);
      return Decision::pause("rung 3", {{"rung", 3}});
    }
    return Decision::keep_going();
  }
  std::vector<TrialDecision> take_decisions() override {
    if (resumed_ || static_cast<int>(at_rung_.size()) < trials_) return {};
    resumed_ = true;
    std::vector<TrialDecision> out;
    for (int64_t id : at_rung_) {
      if (id != 0) out.push_back({id, Decision::stop("lost at rung 3", {{"rung", 3}})});
    }
    return out;
  }
  std::optional<int64_t> choose_trial_to_run(const std::vector<TrialSnapshot>& waiting) override {
    for (const auto& t : waiting) {
      if (t.status == TrialStatus::Pending) return t.id;
      if (resumed_) return t.id;
    }
    return std::nullopt;  // paused trials wait for the rung to complete
  }

 private:
  int trials_;
  bool resumed_ = false;
  std::set<int64_t> at_rung_;
};

// Trial 1 exploits trial 0 at its 4th iteration, taking x = 0.3.
class ExploitOnce final : public Scheduler {
 public:
  Decision on_result(const TrialSnapshot& t, const Json&) override {
    if (t.id == 1 && t.iteration == 4 && !done_) {
      done_ = true;
      Json cfg = t.config;
      cfg["x"] = 0.3;
      return Decision::exploit(0, cfg, "trial 1 copies trial 0", {{"donor", 0}});
    }
    return Decision::keep_going();
  }

 private:
  bool done_ = false;
};

// Trial 1 (a learning rate too small to learn) takes trial 0's weights and config once it has run 6
// epochs and trial 0 has a checkpoint with epochs left after it.
class ExploitDigits final : public Scheduler {
 public:
  explicit ExploitDigits(std::atomic<int64_t>* at) : at_(at) {}
  Decision on_result(const TrialSnapshot& t, const Json&) override {
    if (t.id == 0) donor_ = t;
    if (t.id == 1 && t.iteration >= 6 && *at_ == 0 && donor_.checkpoint_iteration > 0 &&
        donor_.checkpoint_iteration < 30) {
      *at_ = t.iteration;
      return Decision::exploit(0, donor_.config, "copy the better trial", nullptr);
    }
    return Decision::keep_going();
  }

 private:
  std::atomic<int64_t>* at_;
  TrialSnapshot donor_;
};

}  // namespace

class TestControllerControl final : public QObject {
  Q_OBJECT
 private slots:
  void userPausesAndResumesATrial() {
    QTemporaryDir dir;
    std::atomic<bool> saw_paused{false};
    auto o = run_study(slow_trials(1, 20), dir, nullptr, [&](Controller& c, const auto& results_of) {
      wait_until([&] { return results_of(0) >= 3; });
      c.pause_trial(0, "");
      std::this_thread::sleep_for(400ms);
      const int64_t frozen = results_of(0);
      std::this_thread::sleep_for(300ms);
      saw_paused = results_of(0) == frozen && frozen < 20;  // nothing runs while it is held
      c.resume_trial(0);
    });
    QCOMPARE(o.status, std::string("completed"));
    QVERIFY(saw_paused);
    QCOMPARE(o.trials[0].status, TrialStatus::Completed);
    QCOMPARE(o.trials[0].attempts, int64_t(2));
    QVERIFY(!o.trials[0].held);
    QVERIFY(iterations_of(o, 0) == one_to(20));  // resumed from its checkpoint: nothing lost, nothing twice
    QVERIFY(has_decision(o, 0, "user", "pause"));
    QVERIFY(has_decision(o, 0, "user", "resume"));
  }

  void pausedStudyStartsNothingUntilResumed() {
    QTemporaryDir dir;
    Json spec = slow_trials(3, 15);
    spec["max_concurrent"] = 2;
    std::atomic<int64_t> during_pause{-1};
    auto o = run_study(spec, dir, nullptr, [&](Controller& c, const auto& results_of) {
      wait_until([&] { return results_of(0) >= 2; });
      c.pause_study("");
      std::this_thread::sleep_for(400ms);
      const int64_t a = results_of(0) + results_of(1) + results_of(2);
      std::this_thread::sleep_for(300ms);
      during_pause = results_of(0) + results_of(1) + results_of(2) - a;
      c.resume_study();
    });
    QCOMPARE(o.status, std::string("completed"));
    QCOMPARE(during_pause.load(), int64_t(0));
    for (int64_t id = 0; id < 3; ++id) {
      QCOMPARE(o.trials[static_cast<size_t>(id)].status, TrialStatus::Completed);
      QVERIFY(iterations_of(o, id) == one_to(15));
    }
    QVERIFY(has_decision(o, 0, "user", "pause"));
  }

  void userAddsAndClonesTrials() {
    QTemporaryDir dir;
    auto o = run_study(slow_trials(2, 20), dir, nullptr, [&](Controller& c, const auto& results_of) {
      wait_until([&] { return results_of(0) >= 1; });
      c.add_trial({{"x", 0.3}, {"iterations", 20}, {"sleep_s", 0.03}, {"checkpoint", true}}, 0, "a clone");
      c.add_trial({{"x", 7.0}, {"iterations", 20}, {"sleep_s", 0.03}, {"checkpoint", true}}, std::nullopt, "");
      c.add_trial({{"y", 1}}, std::nullopt, "");
    });
    QCOMPARE(o.status, std::string("completed"));
    QCOMPARE(o.trials.size(), size_t(3));  // two from the searcher, one added; two refused
    int added = 0;
    for (const auto& t : o.trials) {
      QCOMPARE(t.status, TrialStatus::Completed);
      if (t.origin != "user") continue;
      ++added;
      QVERIFY(t.parent_id == std::optional<int64_t>(0));
      QVERIFY(t.config["x"] == Json(0.3));
    }
    QCOMPARE(added, 1);
    std::vector<std::string> refusals;
    for (const auto& e : o.events) {
      if (e.kind == "bad_command") refusals.push_back(e.message);
    }
    QCOMPARE(refusals.size(), size_t(2));
    QVERIFY2(refusals[0].find("config.x") != std::string::npos, refusals[0].c_str());
    QVERIFY2(refusals[1].find("config.y: is not a parameter") != std::string::npos, refusals[1].c_str());
  }

  void addedTrialDoesNotCostTheGridAPoint() {
    QTemporaryDir dir;
    Json spec = slow_trials(4, 10);
    spec["space"]["x"] = {{"grid_search", {0.1, 0.2, 0.3, 0.4}}};
    spec["num_samples"] = 1;
    spec["max_concurrent"] = 1;
    auto o = run_study(spec, dir, nullptr, [&](Controller& c, const auto& results_of) {
      wait_until([&] { return results_of(0) >= 1; });
      c.add_trial({{"x", 0.3}, {"iterations", 10}, {"sleep_s", 0.03}, {"checkpoint", true}}, std::nullopt, "");
    });
    QCOMPARE(o.trials.size(), size_t(5));
    std::set<double> xs;
    for (const auto& t : o.trials) {
      if (t.origin == "search") xs.insert(t.config["x"].get<double>());
    }
    QVERIFY((xs == std::set<double>{0.1, 0.2, 0.3, 0.4}));
  }

  void schedulerPausesResumeFromCheckpointAndIdleTrialsAreStopped() {
    QTemporaryDir dir;
    auto o = run_study(slow_trials(3, 8), dir, std::make_unique<PauseAtThree>(3));
    QCOMPARE(o.status, std::string("completed"));
    QCOMPARE(o.trials[0].status, TrialStatus::Completed);
    QCOMPARE(o.trials[0].attempts, int64_t(2));
    QVERIFY(iterations_of(o, 0) == one_to(8));  // resumed at the epoch it reached
    for (size_t id : {1, 2}) {
      QCOMPARE(o.trials[id].status, TrialStatus::Stopped);
      QVERIFY(iterations_of(o, static_cast<int64_t>(id)) == one_to(3));
      QVERIFY(has_decision(o, static_cast<int64_t>(id), "scheduler", "stop"));
    }
    QVERIFY(has_decision(o, 0, "scheduler", "pause"));
  }

  void exploitCopiesTheDonorCheckpointAndConfig() {
    QTemporaryDir dir;
    Json spec = slow_trials(2, 12);
    spec["max_concurrent"] = 2;
    auto o = run_study(spec, dir, std::make_unique<ExploitOnce>());
    QCOMPARE(o.status, std::string("completed"));
    const TrialRecord& t = o.trials[1];
    QCOMPARE(t.generation, int64_t(1));
    QVERIFY(t.parent_id == std::optional<int64_t>(0));
    QVERIFY(t.config["x"] == Json(0.3));
    QVERIFY(has_decision(o, 1, "scheduler", "exploit"));
    // Its own iterations stay dense and increasing; the trainable continued from the donor's count.
    const auto its = iterations_of(o, 1);
    QVERIFY(its.size() >= 5);
    for (size_t i = 0; i < its.size(); ++i) QCOMPARE(its[i], int64_t(i + 1));
    const int64_t donor_count = static_cast<int64_t>(its.size()) - t.iteration_offset;  // trainable's last count
    QCOMPARE(donor_count, int64_t(12));
    bool logged = false;
    for (const auto& e : o.events) {
      if (e.kind == "exploited" && e.trial_id == std::optional<int64_t>(1)) {
        logged = true;
        QVERIFY(e.details["changes"].contains("x"));
      }
    }
    QVERIFY(logged);
  }

  void stoppersEndTrialsAndTheStudy() {
    {
      // A plateau stops trials early; the iteration limit completes them.
      QTemporaryDir dir;
      Json spec = synthetic_spec({{"num_samples", 2},
                                  {"space", {{"x", {{"grid_search", {0.3, 0.9}}}}, {"iterations", 40}}},
                                  {"stoppers", Json::array({{{"type", "trial_plateau"}, {"metric", "score"},
                                                             {"std", 0.002}, {"num_results", 3}},
                                                            {{"type", "max_iterations"}, {"max_iter", 30}}})}});
      auto o = run_study(spec, dir);
      for (const auto& t : o.trials) {
        QCOMPARE(t.status, TrialStatus::Stopped);  // score saturates well before 30 reports
        QVERIFY2(t.last_iteration > 4 && t.last_iteration < 30, qPrintable(QString::number(t.last_iteration)));
        QVERIFY(has_decision(o, t.id, "stopper", "stop"));
      }
      QVERIFY(o.decisions.front().reason.find("plateau") != std::string::npos ||
              o.decisions.front().reason.find("std") != std::string::npos);
    }
    {
      QTemporaryDir dir;
      Json spec = synthetic_spec({{"num_samples", 2},
                                  {"space", {{"x", 0.5}, {"iterations", 40}}},
                                  {"stoppers", Json::array({{{"type", "max_iterations"}, {"max_iter", 7}}})}});
      auto o = run_study(spec, dir);
      for (const auto& t : o.trials) {
        QCOMPARE(t.status, TrialStatus::Completed);
        QCOMPARE(t.last_iteration, int64_t(7));
      }
    }
    {
      // The study's timeout stops everything still running.
      QTemporaryDir dir;
      Json spec = slow_trials(2, 400);
      spec["stoppers"] = Json::array({{{"type", "timeout"}, {"timeout_s", 0.5}}});
      auto o = run_study(spec, dir);
      for (const auto& t : o.trials) QCOMPARE(t.status, TrialStatus::Stopped);
      QVERIFY(has_decision(o, 0, "stopper", "stop"));
    }
  }

  void pbtExploitsAndStoresLineage() {
    QTemporaryDir dir;
    Json spec = {{"name", "pbt"},
                 {"objective", {{"metric", "val_accuracy"}, {"mode", "max"}}},
                 {"space", {{"lr", {{"loguniform", {0.00001, 0.3}}}}, {"momentum", 0.9}, {"hidden", 32}, {"epochs", 16},
                            {"batch_size", 32}}},
                 {"trainable", {{"builtin", "digits_mlp"}}},
                 {"scheduler", {{"type", "pbt"}, {"perturbation_interval", 4},
                                {"hyperparam_mutations", {{"lr", {{"loguniform", {0.0001, 0.3}}}}}}}},
                 {"num_samples", 6},
                 {"max_concurrent", 6},
                 {"resources_per_trial", {{"cpu", 0.1}}},
                 {"seed", 4}};
    auto o = run_study(spec, dir);
    QCOMPARE(o.status, std::string("completed"));
    int exploited = 0;
    for (const auto& t : o.trials) {
      QCOMPARE(t.status, TrialStatus::Completed);
      if (t.generation == 0) continue;
      ++exploited;
      QVERIFY(t.parent_id && *t.parent_id != t.id);
      QVERIFY(has_decision(o, t.id, "scheduler", "exploit"));
      // Every trial's stored iterations stay 1..N without gaps or repeats.
      const auto its = iterations_of(o, t.id);
      for (size_t i = 0; i < its.size(); ++i) QCOMPARE(its[i], int64_t(i + 1));
    }
    QVERIFY2(exploited >= 1, "the bottom quarter of six trials exploits at least once");
    for (const auto& d : o.decisions) {
      if (d.action != "exploit") continue;
      QVERIFY2(d.reason.starts_with("PBT"), d.reason.c_str());
      QVERIFY(d.details.contains("donor") && d.details.contains("changes"));
    }
  }

  void exploitRestoresTheDonorsWeights() {
    QTemporaryDir dir;
    Json spec = {{"name", "pbt"},
                 {"objective", {{"metric", "val_accuracy"}, {"mode", "max"}}},
                 {"space", {{"lr", {{"choice", {0.1, 0.00001}}}}, {"momentum", 0.9}, {"hidden", 32}, {"epochs", 40},
                            {"seed", 5}, {"batch_size", 32}}},
                 {"search", {{"type", "grid"}}},
                 {"trainable", {{"builtin", "digits_mlp"}}},
                 {"max_concurrent", 2},
                 {"resources_per_trial", {{"cpu", 0.1}}},
                 {"seed", 1}};
    spec["space"]["lr"] = {{"grid_search", {0.1, 0.00001}}};
    std::atomic<int64_t> at{0};
    auto o = run_study(spec, dir, std::make_unique<ExploitDigits>(&at));
    QVERIFY(at > 0);
    QCOMPARE(o.status, std::string("completed"));
    QCOMPARE(o.trials[1].generation, int64_t(1));
    int64_t donor_iteration = 0;
    for (const auto& e : o.events) {
      if (e.kind == "exploited") donor_iteration = e.details["donor_iteration"].get<int64_t>();
    }
    QVERIFY(donor_iteration > 0);
    std::map<std::pair<int64_t, int64_t>, double> acc;
    for (const auto& r : o.results) acc[{r.trial_id, r.iteration}] = r.metrics["val_accuracy"].get<double>();
    const double before = acc.at({1, at});
    const double after = acc.at({1, at + 1});  // one epoch on the donor's weights
    const double donor = acc.at({0, donor_iteration});
    QVERIFY2(before < 0.5, qPrintable(QString::number(before)));
    QVERIFY2(std::fabs(after - donor) < 0.06, qPrintable(QStringLiteral("after %1, donor %2").arg(after).arg(donor)));
    QCOMPARE(o.trials[1].iteration_offset, at - donor_iteration);
  }
};

QTEST_GUILESS_MAIN(TestControllerControl)
#include "test_controller_control.moc"
