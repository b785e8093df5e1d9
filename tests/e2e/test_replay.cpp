// The `table` trainable and what-if replay: recorded curves replayed live through the engine and
// simulated by `tunelab replay` must agree, trial by trial.
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

#include <chrono>
#include <map>
#include <thread>

#include "core/analysis/replay.h"
#include "core/store/store.h"
#include "core/trainables/curve_table.h"
#include "support/store_util.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace tunelab::test;

namespace {

QString S(const char* s) { return QString::fromUtf8(s); }

// 8 curves of 12 epochs: rising to different plateaus at different speeds; row 5 starts slowly but
// ends best; row 6 ends after 4 epochs.
std::string curves_csv() {
  std::string s = "lr,1,2,3,4,5,6,7,8,9,10,11,12\n";
  const double plateau[] = {0.60, 0.72, 0.80, 0.55, 0.85, 0.93, 0.70, 0.78};
  const double speed[] = {0.9, 0.6, 0.5, 0.8, 0.4, 0.3, 0.7, 0.45};
  for (int r = 0; r < 8; ++r) {
    s += std::to_string(0.001 * (r + 1));
    const int epochs = r == 6 ? 4 : 12;
    for (int e = 1; e <= 12; ++e) {
      s += ",";
      if (e <= epochs) s += std::to_string(plateau[r] * (1 - std::exp(-speed[r] * e)));
    }
    s += "\n";
  }
  return s;
}

Json table_spec(const QString& csv, const Json& scheduler) {
  Json rows = Json::array();
  for (int r = 0; r < 8; ++r) rows.push_back(r);
  return {{"name", "replay"},
          {"objective", {{"metric", "acc"}, {"mode", "max"}}},
          {"space", {{"row", {{"grid_search", rows}}}, {"file", csv.toStdString()}, {"metric", "acc"}}},
          {"trainable", {{"builtin", "table"}}},
          {"scheduler", scheduler},
          {"max_concurrent", 1},
          {"resources_per_trial", {{"cpu", 0.1}}},
          {"seed", 3}};
}

QString run_live(const QTemporaryDir& dir, const QString& name, const Json& scheduler) {
  const QString spec = dir.filePath(name + S(".json"));
  const QString db = dir.filePath(name + S(".db"));
  write_file(spec, table_spec(dir.filePath(S("curves.csv")), scheduler).dump());
  auto r = run_tunelab({S("run"), spec, S("--db"), db, S("--quiet")});
  if (r.exit_code != 0) qFatal("run failed: %s", qPrintable(r.err));
  return db;
}

// trial id -> results stored, and status.
std::map<int64_t, std::pair<int64_t, std::string>> live_outcome(const QString& db) {
  auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
  std::map<int64_t, std::pair<int64_t, std::string>> out;
  const auto trials = (*store)->load_trials();
  if (!trials) qFatal("%s", trials.error_text().c_str());
  for (const auto& t : *trials) out[t.id] = {t.last_iteration, to_string(t.status)};
  return out;
}

// 40 curves of 12 epochs for the resume test: most rise fast to a plateau, every fourth slowly to a higher one.
std::string many_curves_csv() {
  std::string s = "k,1,2,3,4,5,6,7,8,9,10,11,12\n";
  for (int r = 0; r < 40; ++r) {
    const bool slow = r % 4 == 3;
    const double plateau = (slow ? 0.6 : 0.5) + 0.35 * std::fmod(r * 0.618034, 1.0);
    s += std::to_string(r);
    for (int e = 1; e <= 12; ++e) s += "," + std::to_string(plateau * (1 - std::exp(-e / (slow ? 6.0 : 1.0))));
    s += "\n";
  }
  return s;
}

}  // namespace

class TestReplay final : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { QVERIFY(dir_.isValid()); write_file(dir_.filePath(S("curves.csv")), curves_csv()); }

  void tableTrainableReplaysEveryCurve() {
    fifo_db_ = run_live(dir_, S("fifo"), {{"type", "fifo"}});
    auto store = Store::open(fifo_db_.toStdString(), Store::Mode::ReadOnly);
    const auto loaded = (*store)->load_results();
    QVERIFY(loaded.ok());
    const auto& results = *loaded;
    QCOMPARE(results.size(), size_t(7 * 12 + 4));
    auto table = parse_curve_table(curves_csv(), "curves");
    QVERIFY(table.ok());
    for (const auto& r : results) {
      const double want = table->rows[static_cast<size_t>(r.trial_id)].curve[static_cast<size_t>(r.iteration - 1)];
      QVERIFY(std::fabs(r.metrics["acc"].get<double>() - want) < 1e-12);
    }
  }

  void exportedCurvesRoundTrip() {
    const QString out = dir_.filePath(S("exported.csv"));
    auto r = run_tunelab({S("export"), fifo_db_, S("--format"), S("curves"), S("--out"), out});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    auto exported = load_curve_table(out.toStdString());
    QVERIFY2(exported.ok(), exported.error_text().c_str());
    auto original = parse_curve_table(curves_csv(), "curves");
    QCOMPARE(exported->rows.size(), size_t(8));
    for (size_t i = 0; i < 8; ++i) {
      QCOMPARE(exported->rows[i].curve.size(), original->rows[i].curve.size());
      for (size_t e = 0; e < exported->rows[i].curve.size(); ++e) {
        QVERIFY(std::fabs(exported->rows[i].curve[e] - original->rows[i].curve[e]) < 1e-12);
      }
    }
  }

  void replayUnderFifoConsumesEverything() {
    auto r = run_tunelab({S("replay"), fifo_db_, S("--scheduler"), S(R"({"type": "fifo"})"), S("--json")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    const Json j = Json::parse(r.out.toStdString());
    QCOMPARE(j["epochs_consumed"].get<int64_t>(), int64_t(88));
    QCOMPARE(j["true_best_trial"].get<int64_t>(), int64_t(5));
    QVERIFY(j["true_best_survived"].get<bool>());
    QCOMPARE(j["true_best_rank"].get<int>(), 1);
    QCOMPARE(j["best_final_trial"].get<int64_t>(), int64_t(5));
    QCOMPARE(j["final_rank"].get<int>(), 1);
  }

  // Row 5 starts slowly and ends best: ASHA stops it at its first rung and ends with a lesser configuration,
  // whose rank the report gives beside the epochs, and whose final value it names apart from the best value
  // seen at any epoch.
  void replayReportsTheRankOfTheConfigurationKept() {
    const char* asha = R"({"type": "asha", "max_t": 12, "grace_period": 1, "reduction_factor": 2})";
    auto r = run_tunelab({S("replay"), fifo_db_, S("--scheduler"), S(asha), S("--json")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    const Json j = Json::parse(r.out.toStdString());
    QVERIFY(!j["true_best_survived"].get<bool>());
    QVERIFY(j["final_rank"].get<int>() > 1);
    QVERIFY(j["best_final"].get<double>() < j["true_best_final"].get<double>());
    r = run_tunelab({S("replay"), fifo_db_, S("--scheduler"), S(asha)});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    const QString rank = S("rank %1 of 8 by final value").arg(j["final_rank"].get<int>());
    QVERIFY2(r.out.contains(S("best final value of the trials run to the end: ")) && r.out.contains(rank), qPrintable(r.out));
    QVERIFY2(r.out.contains(S("best value at any epoch seen:")), qPrintable(r.out));
    r = run_tunelab({S("replay"), fifo_db_, S("--scheduler"), S(R"({"type": "predictive", "max_t": 12})"), S("--json")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QCOMPARE(Json::parse(r.out.toStdString())["final_rank"].get<int>(), 1);
  }

  void replayAgreesWithALiveRun_data() {
    QTest::addColumn<QString>("scheduler");
    for (const auto& s : schedulers_under_test()) QTest::newRow(s.c_str()) << QString::fromStdString(s);
  }
  void replayAgreesWithALiveRun() {
    QFETCH(QString, scheduler);
    const Json sched = Json::parse(scheduler.toStdString());
    const QString live_db = run_live(dir_, S("live_") + QString::fromStdString(sched["type"].get<std::string>()), sched);
    auto store = Store::open(fifo_db_.toStdString(), Store::Mode::ReadOnly);
    auto rep = replay_study(**store, sched, 1);
    QVERIFY2(rep.ok(), rep.error_text().c_str());
    const auto live = live_outcome(live_db);
    QCOMPARE(live.size(), rep->trials.size());
    for (const auto& t : rep->trials) {
      const auto& [epochs, status] = live.at(t.id);
      QVERIFY2(epochs == t.epochs, qPrintable(S("trial %1: live %2 epochs, replay %3").arg(t.id).arg(epochs).arg(t.epochs)));
      QVERIFY2(status == t.status, qPrintable(S("trial %1: live %2, replay %3")
                                                   .arg(t.id).arg(QString::fromStdString(status), QString::fromStdString(t.status))));
    }
    // Each decision's action agrees with the trial's end, as in the store of a live run: a stop at max_t completes.
    std::map<int64_t, std::string> status_of;
    for (const auto& t : rep->trials) status_of[t.id] = t.status;
    for (const auto& d : rep->decisions) {
      if (d.action == "complete") QCOMPARE(QString::fromStdString(status_of.at(d.trial_id)), S("completed"));
      if (d.action == "stop") QCOMPARE(QString::fromStdString(status_of.at(d.trial_id)), S("stopped"));
    }
  }

  // The predictive scheduler keeps no storage: killed and resumed, it rebuilds its model from the stored results
  // and decides every trial as an uninterrupted run does.
  void predictiveResumedAfterSigkillDecidesAsBefore() {
    write_file(dir_.filePath(S("many.csv")), many_curves_csv());
    Json rows = Json::array();
    for (int r = 0; r < 40; ++r) rows.push_back(r);
    Json spec = {{"name", "predictive-resume"},
                 {"objective", {{"metric", "acc"}, {"mode", "max"}}},
                 {"space", {{"row", {{"grid_search", rows}}}, {"file", dir_.filePath(S("many.csv")).toStdString()},
                            {"metric", "acc"}, {"sleep_s", 0.01}}},
                 {"trainable", {{"builtin", "table"}}},
                 {"scheduler", {{"type", "predictive"}, {"max_t", 12}}},
                 {"max_concurrent", 1},
                 {"resources_per_trial", {{"cpu", 0.1}}},
                 {"seed", 3}};
    write_file(dir_.filePath(S("pr.json")), spec.dump());
    auto r = run_tunelab({S("run"), dir_.filePath(S("pr.json")), S("--db"), dir_.filePath(S("pr_whole.db")), S("--quiet")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    const auto whole = live_outcome(dir_.filePath(S("pr_whole.db")));
    int stopped = 0;
    for (const auto& [id, o] : whole) stopped += o.second == "stopped";
    QVERIFY(stopped > 10);
    // The same study, killed when 150 results are stored (some curves have run to the end), then resumed.
    const QString db = dir_.filePath(S("pr_killed.db"));
    QProcess p;
    p.setWorkingDirectory(dir_.path());
    p.start(QStringLiteral(TUNELAB_BIN), {S("run"), dir_.filePath(S("pr.json")), S("--db"), db, S("--quiet")});
    QVERIFY(p.waitForStarted());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (stored_results(db) < 150 && std::chrono::steady_clock::now() < deadline && p.state() == QProcess::Running) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    QVERIFY2(p.state() == QProcess::Running, "the study ended before it could be killed");
    ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
    QVERIFY(p.waitForFinished());
    QVERIFY(stored_results(db) < 300);
    r = run_tunelab({S("resume"), db, S("--quiet")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    const auto resumed = live_outcome(db);
    QCOMPARE(resumed.size(), whole.size());
    for (const auto& [id, o] : whole) {
      QVERIFY2(resumed.at(id) == o, qPrintable(S("trial %1: uninterrupted %2 epochs %3, resumed %4 epochs %5")
                                                    .arg(id).arg(o.first).arg(QString::fromStdString(o.second))
                                                    .arg(resumed.at(id).first)
                                                    .arg(QString::fromStdString(resumed.at(id).second))));
    }
  }

  void replayRejectsABadScheduler() {
    auto r = run_tunelab({S("replay"), fifo_db_, S("--scheduler"), S(R"({"type": "nope"})")});
    QCOMPARE(r.exit_code, 2);
    QVERIFY2(r.err.contains(S("scheduler")), qPrintable(r.err));
    r = run_tunelab({S("replay"), fifo_db_, S("--scheduler"), S("{oops")});
    QCOMPARE(r.exit_code, 2);
    QVERIFY2(r.err.contains(S("--scheduler:1:")), qPrintable(r.err));
    // PBT is refused up front, not only when one of its exploits happens to fall within the recorded curves.
    r = run_tunelab({S("replay"), fifo_db_, S("--scheduler"), S(R"({"type": "pbt"})")});
    QVERIFY(r.exit_code != 0);
    QVERIFY2(r.err.contains(S("PBT cannot be replayed")), qPrintable(r.err));
  }

  void tableTrainableExplainsABadFile() {
    Json spec = table_spec(dir_.filePath(S("missing.csv")), {{"type", "fifo"}});
    spec["space"]["row"] = 0;
    write_file(dir_.filePath(S("bad.json")), spec.dump());
    auto r = run_tunelab({S("run"), dir_.filePath(S("bad.json")), S("--db"), dir_.filePath(S("bad.db")), S("--quiet")});
    QCOMPARE(r.exit_code, 1);
    auto store = Store::open(dir_.filePath(S("bad.db")).toStdString(), Store::Mode::ReadOnly);
    const auto loaded = (*store)->load_trials();
    QVERIFY(loaded.ok());
    const auto& trials = *loaded;
    QVERIFY2(trials[0].error.find("cannot open the curve table") != std::string::npos, trials[0].error.c_str());
  }

 private:
  static std::vector<std::string> schedulers_under_test() {
    std::vector<std::string> out = {
        R"({"type": "fifo"})",
        R"({"type": "asha", "max_t": 12, "grace_period": 1, "reduction_factor": 2})",
        R"({"type": "median_stopping", "grace_period": 2, "min_samples_required": 2})",
        R"({"type": "hyperband", "max_t": 12, "reduction_factor": 3})",
        R"({"type": "predictive", "max_t": 12, "min_curves": 3})",
    };
    return out;
  }
  QTemporaryDir dir_;
  QString fifo_db_;
};

QTEST_GUILESS_MAIN(TestReplay)
#include "test_replay.moc"
