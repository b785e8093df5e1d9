// Every scheduler and stopper of this build, through the same checks: built from its defaults, fed a
// random stream of results (NaN, missing metrics, jumps, completions) in both modes, every decision other
// than continue explains itself (a reason and a details object), and the same seed gives the same decisions.
#include <QTest>

#include "core/schedule/stoppers.h"
#include "core/util/rng.h"
#include "schedule_test_util.h"

using namespace tunelab;
using namespace tunelab::testing;

namespace {
const char* kSpace = R"({"lr": {"loguniform": [0.001, 0.1]}, "opt": {"choice": ["sgd", "adam"]}})";

struct Trace {
  std::vector<std::string> lines;
  int non_continue = 0;
};

void check_decision(const Decision& d, Trace& trace, int64_t id) {
  if (d.action == Decision::Action::Continue) {
    QVERIFY(d.reason.empty());
    return;
  }
  ++trace.non_continue;
  QVERIFY2(!d.reason.empty(), "a decision without a reason");
  QVERIFY2(d.details.is_object() && !d.details.empty(), d.reason.c_str());
  if (d.action == Decision::Action::Exploit) {
    QVERIFY(d.donor >= 0 && d.donor != id);
    QVERIFY(d.config.is_object());
  }
  trace.lines.push_back(std::to_string(id) + " " + to_string(d.action) + " " + d.reason);
}

// 12 trials, 4 running at a time, 20 iterations each, driven in a fixed random order.
Trace drive(const std::string& type, bool maximize, uint64_t seed) {
  static const SearchSpace space = space_of(kSpace);
  Trace trace;
  Json options = {{"type", type}};
  if (type == "median_stopping") options["grace_period"] = 3;  // the default (10) is past these short curves
  if (type == "threshold") options["lower"] = 0.3;
  if (type == "hyperband_ray") options["max_t"] = 9;  // from 81, the first brackets (to 81, 27) would decide nothing
  if (type == "predictive") options["max_t"] = 20;  // the default (100) is past these short curves
  auto made = make_scheduler(context(options, maximize, "acc", &space, seed));
  if (!made) {
    QTest::qFail(made.error_text().c_str(), __FILE__, __LINE__);
    return trace;
  }
  Scheduler& s = **made;
  Rng rng(seed);
  std::vector<double> quality;
  for (int i = 0; i < 12; ++i) quality.push_back(uniform01(rng) * 0.5);
  std::map<int64_t, int> iteration;
  std::map<int64_t, TrialStatus> status;
  for (int64_t i = 0; i < 12; ++i) {
    s.on_trial_add(snap(i, TrialStatus::Pending, Json{{"lr", 0.01}, {"opt", "sgd"}}));
    status[i] = TrialStatus::Pending;
  }
  for (int turn = 0; turn < 400; ++turn) {
    for (const auto& d : s.take_decisions()) {
      check_decision(d.decision, trace, d.trial_id);
      if (d.decision.action == Decision::Action::Stop) {
        status[d.trial_id] = TrialStatus::Stopped;
        s.on_complete(snap(d.trial_id, TrialStatus::Stopped));
      }
    }
    std::vector<int64_t> running;
    std::vector<TrialSnapshot> waiting;
    for (const auto& [id, st] : status) {
      if (st == TrialStatus::Running) running.push_back(id);
      if (st == TrialStatus::Pending || st == TrialStatus::Paused) waiting.push_back(snap(id, st));
    }
    if (running.size() < 4 && !waiting.empty()) {
      if (auto pick = s.choose_trial_to_run(waiting)) {
        status[*pick] = TrialStatus::Running;
        continue;
      }
    }
    if (running.empty()) {
      if (waiting.empty()) break;
      continue;  // the scheduler is asked again (and polled): it must unblock itself
    }
    const int64_t id = running[static_cast<size_t>(rng() % running.size())];
    int& it = iteration[id];
    it += 1 + static_cast<int>(rng() % 3 == 0);  // sometimes jumps an iteration
    const double u = uniform01(rng);
    Json r = {{"training_iteration", it}, {"time_total_s", it * 1.5}};
    if (u < 0.05) r["acc"] = nullptr;                          // NaN
    else if (u > 0.1) r["acc"] = quality[static_cast<size_t>(id)] + 0.01 * it;  // else missing
    const Decision d = s.on_result(snap(id, TrialStatus::Running, Json{{"lr", 0.01}, {"opt", "sgd"}}, it), r);
    check_decision(d, trace, id);
    if (d.action == Decision::Action::Stop || it >= 20) {
      status[id] = d.action == Decision::Action::Stop ? TrialStatus::Stopped : TrialStatus::Completed;
      s.on_complete(snap(id, status[id]));
    } else if (d.action == Decision::Action::Pause) {
      status[id] = TrialStatus::Paused;
    }
  }
  return trace;
}
}  // namespace

class TestConformance final : public QObject {
  Q_OBJECT
 private slots:
  void everyScheduler_data() {
    QTest::addColumn<QString>("type");
    QTest::addColumn<bool>("maximize");
    for (const auto& def : scheduler_defs()) {
      for (bool max : {true, false}) {
        QTest::newRow((def.type + (max ? " max" : " min")).c_str()) << QString::fromStdString(def.type) << max;
      }
    }
  }
  void everyScheduler() {
    QFETCH(QString, type);
    QFETCH(bool, maximize);
    const Trace a = drive(type.toStdString(), maximize, 7);
    const Trace b = drive(type.toStdString(), maximize, 7);
    QVERIFY(a.lines == b.lines);
    if (type != QStringLiteral("fifo")) QVERIFY2(a.non_continue > 0, "the scheduler never decided anything");
  }

  void everyStopperBuildsAndExplains() {
    for (const auto& def : stopper_defs()) {
      Json entry = {{"type", def.type}};
      if (def.type == "max_iterations") entry["max_iter"] = 3;
      if (def.type == "metric_threshold") entry["threshold"] = 0.6;
      if (def.type == "trial_timeout" || def.type == "timeout") entry["timeout_s"] = 4;
      if (def.type == "combined" || def.type == "all") entry["stoppers"] = Json::array({{{"type", "max_iterations"}, {"max_iter", 2}}});
      auto made = make_stopper(entry, context(nullptr));
      QVERIFY2(made.ok(), made.error_text().c_str());
      bool stopped = false;
      for (int it = 1; it <= 10 && !stopped; ++it) {
        const Decision d = (*made)->on_result(snap(0), Json{{"training_iteration", it}, {"acc", 0.7}, {"time_total_s", it}});
        if (d.action == Decision::Action::Stop) {
          stopped = true;
          QVERIFY(!d.reason.empty() && d.details.is_object());
        }
      }
      const bool study_level = def.type == "timeout" || def.type == "experiment_plateau";
      QVERIFY2(stopped != study_level, def.type.c_str());
    }
  }
};

QTEST_APPLESS_MAIN(TestConformance)
#include "test_conformance.moc"
