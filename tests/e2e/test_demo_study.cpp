// The demo study (digits_mlp under ASHA) end to end through the CLI: run, show --json, export csv/json.
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>

#include "core/store/store.h"
#include "support/test_util.h"

using namespace tunelab;
using tunelab::test::run_tunelab;

class TestDemoStudy final : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString db_;
  int64_t total_iterations_ = 0;
  int trial0_iterations_ = 0;

 private slots:
  void initTestCase() {
    db_ = dir_.filePath(QStringLiteral("demo/study.db"));
    const QString spec = QStringLiteral(TUNELAB_SOURCE_DIR "/resources/studies/digits_mlp.json");
    auto r = run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db_, QStringLiteral("--quiet")},
                         dir_.path(), 600000);
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    QVERIFY2(r.out.contains(QStringLiteral("Best trial")), qPrintable(r.out));
  }

  void showJsonHasEveryTrialAndTheBest() {
    auto r = run_tunelab({QStringLiteral("show"), db_, QStringLiteral("--json")});
    QCOMPARE(r.exit_code, 0);
    const Json j = Json::parse(r.out.toStdString());
    QCOMPARE(j["study"]["name"].get<std::string>(), std::string("digits_mlp"));
    QCOMPARE(j["study"]["status"].get<std::string>(), std::string("completed"));
    QCOMPARE(j["trials"].size(), size_t(24));
    // ASHA (rungs 2, 6, 18; max_t 20) stops most trials early; every one ends at a rung or at 20.
    const int completed = j["counts"]["completed"].get<int>(), stopped = j["counts"]["stopped"].get<int>();
    QCOMPARE(completed + stopped, 24);
    QVERIFY2(stopped >= 12, qPrintable(QString::number(stopped)));
    QVERIFY(completed >= 1);
    int stop_decisions = 0;
    std::map<int64_t, std::string> status_of;
    for (const auto& t : j["trials"]) status_of[t["id"].get<int64_t>()] = t["status"].get<std::string>();
    for (const auto& d : j["decisions"]) {
      // Every decision's action agrees with the trial's final status: complete -> completed, stop -> stopped.
      const std::string status = status_of.at(d["trial_id"].get<int64_t>());
      if (d["action"] == "complete") QVERIFY2(status == "completed", d.dump().c_str());
      if (d["action"] == "stop") QVERIFY2(status == "stopped", d.dump().c_str());
      if (d["source"] != "scheduler") continue;  // the spec's stop block ends trials at 20 too
      QVERIFY2(d["details"].is_object(), d.dump().c_str());  // ASHA gives its numbers with every decision
      if (d["action"] == "complete") {
        // A trial reaching max_t completed: its decision says so, and its status agrees.
        QVERIFY2(d["reason"].get<std::string>().starts_with("ASHA completed trial"), d["reason"].dump().c_str());
        QVERIFY(d["details"].value("reached_max_t", false));
        continue;
      }
      if (d["action"] != "stop") continue;
      ++stop_decisions;
      QVERIFY2(d["reason"].get<std::string>().starts_with("ASHA stopped trial"), d["reason"].dump().c_str());
      QVERIFY(d["details"].contains("cutoff") || d["details"].contains("rung"));
    }
    QCOMPARE(stop_decisions, stopped);
    double best = 0;
    int64_t best_id = -1;
    for (const auto& t : j["trials"]) {
      QVERIFY(t.contains("id") && t.contains("status") && t.contains("config") && t.contains("iterations") &&
              t.contains("last") && t.contains("best"));
      const int its = t["iterations"].get<int>();
      QCOMPARE(t["last"]["training_iteration"].get<int>(), its);
      if (t["status"] == "completed") QCOMPARE(its, 20);
      else QVERIFY2(its == 2 || its == 6 || its == 18, qPrintable(QString::number(its)));
      total_iterations_ += its;
      if (t["id"] == 0) trial0_iterations_ = its;
      QVERIFY(t["config"].contains("lr") && t["config"]["epochs"] == 20);
      const double acc = t["best"]["val_accuracy"].get<double>();
      if (acc > best) {
        best = acc;
        best_id = t["id"].get<int64_t>();
      }
    }
    QCOMPARE(j["best_trial"].get<int64_t>(), best_id);
    QVERIFY2(best >= 0.95, qPrintable(QString::number(best)));
  }

  void showTable() {
    auto r = run_tunelab({QStringLiteral("show"), db_});
    QCOMPARE(r.exit_code, 0);
    QVERIFY(r.out.contains(QStringLiteral("<- best")));
    // One line per trial.
    const QRegularExpression trial_line(QStringLiteral("^\\s+\\d+\\s+(completed|stopped)\\s"), QRegularExpression::MultilineOption);
    QCOMPARE(r.out.count(trial_line), 24);
    QVERIFY(r.out.contains(QStringLiteral("Decisions (")));
  }

  void exportCsvOneRowPerTrial() {
    const QString out = dir_.filePath(QStringLiteral("trials.csv"));
    auto r = run_tunelab({QStringLiteral("export"), db_, QStringLiteral("--format"), QStringLiteral("csv"),
                          QStringLiteral("--out"), out});
    QCOMPARE(r.exit_code, 0);
    std::ifstream in(out.toStdString());
    std::string header, line;
    std::getline(in, header);
    int rows = 0;
    while (std::getline(in, line)) ++rows;
    QCOMPARE(rows, 24);
    for (const char* col : {"trial_id", "status", "config.lr", "config.batch_size", "val_accuracy", "best_val_accuracy"}) {
      QVERIFY2(header.find(col) != std::string::npos, col);
    }
  }

  void exportResultsJsonEveryRow() {
    auto r = run_tunelab({QStringLiteral("export"), db_, QStringLiteral("--format"), QStringLiteral("json"),
                          QStringLiteral("--results")});
    QCOMPARE(r.exit_code, 0);
    const Json rows = Json::parse(r.out.toStdString());
    QCOMPARE(rows.size(), size_t(total_iterations_));
    QVERIFY(rows[0].contains("config.lr") && rows[0].contains("val_loss") && rows[0].contains("iteration"));
  }

  // No warning on a first run: every reported checkpoint was found (the engine, not the trainable,
  // deletes old ones), and each trial keeps the default 2, pinned and as its own files.
  void noWarningAndTwoCheckpointsPerTrial() {
    auto store = Store::open(db_.toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    const std::vector<EventRecord> events = *(*store)->load_events();
    for (const auto& e : events) {
      QVERIFY2(e.kind != "bad_report" && e.kind != "checkpoint_failed", e.message.c_str());
    }
    const std::vector<TrialRecord> trials = *(*store)->load_trials();
    for (const auto& t : trials) {
      QVERIFY2(std::filesystem::exists(t.checkpoint), t.checkpoint.c_str());
      int own = 0, pins = 0;
      for (const auto& f : std::filesystem::directory_iterator(t.trial_dir)) {
        own += f.path().extension() == ".bin";
      }
      for (const auto& f : std::filesystem::directory_iterator(t.trial_dir + "/.checkpoints")) pins += f.is_directory();
      QCOMPARE(own, 2);
      QCOMPARE(pins, 2);
    }
  }

  void trialDirectoriesHoldLogsConfigAndCheckpoint() {
    const QString trial0 = dir_.filePath(QStringLiteral("demo/study_trials/00000"));
    const QString n = QString::number(trial0_iterations_);
    for (const QString& f : {QStringLiteral("config.json"), QStringLiteral("stdout.log"), QStringLiteral("stderr.log"),
                             QStringLiteral("checkpoint-%1.bin").arg(n), QStringLiteral(".checkpoints/%1/checkpoint-%1.bin").arg(n)}) {
      QVERIFY2(QFile::exists(trial0 + QLatin1Char('/') + f), qPrintable(f));
    }
  }
};

QTEST_GUILESS_MAIN(TestDemoStudy)
#include "test_demo_study.moc"
