// The demo study end to end through the CLI: run, show --json, export csv/json.
#include <QTemporaryDir>
#include <QTest>

#include <fstream>
#include <sstream>

#include "support/test_util.h"

using namespace tunelab;
using tunelab::test::run_tunelab;

class TestDemoStudy final : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString db_;

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
    QCOMPARE(j["counts"]["completed"].get<int>(), 24);
    double best = 0;
    int64_t best_id = -1;
    for (const auto& t : j["trials"]) {
      QVERIFY(t.contains("id") && t.contains("status") && t.contains("config") && t.contains("iterations") &&
              t.contains("last") && t.contains("best"));
      QCOMPARE(t["iterations"].get<int>(), 20);
      QCOMPARE(t["last"]["training_iteration"].get<int>(), 20);
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
    QCOMPARE(r.out.count(QStringLiteral(" completed ")), 24);  // one line per trial
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
    QCOMPARE(rows.size(), size_t(24 * 20));
    QVERIFY(rows[0].contains("config.lr") && rows[0].contains("val_loss") && rows[0].contains("iteration"));
  }

  void trialDirectoriesHoldLogsConfigAndCheckpoint() {
    const QString trial0 = dir_.filePath(QStringLiteral("demo/study_trials/00000"));
    for (const char* f : {"config.json", "stdout.log", "stderr.log", "checkpoint-20.bin", ".checkpoints/20/checkpoint-20.bin"}) {
      QVERIFY2(QFile::exists(trial0 + QLatin1Char('/') + QLatin1String(f)), f);
    }
  }
};

QTEST_GUILESS_MAIN(TestDemoStudy)
#include "test_demo_study.moc"
