// The CLI's answers to bad input: clear messages naming what and where, distinct exit codes.
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "support/test_util.h"

using tunelab::test::run_tunelab;
using tunelab::test::write_file;

class TestCliErrors final : public QObject {
  Q_OBJECT
 private slots:
  void badSpecListsEveryErrorWithPaths() {
    QTemporaryDir dir;
    const QString spec = dir.filePath(QStringLiteral("bad.json"));
    write_file(spec, R"({"name": "x", "objective": {"metric": "m", "mode": "max"},
      "space": {"lr": {"type": "float", "low": 0, "high": 1, "log": true}, "opt": {"choice": []}},
      "trainable": {"builtin": "digits_mlp"}, "num_samples": 0})");
    for (const char* cmd : {"run", "validate"}) {
      auto r = run_tunelab({QLatin1String(cmd), spec}, dir.path());
      QCOMPARE(r.exit_code, 2);
      QVERIFY2(r.err.contains(QStringLiteral("space.lr.low")), qPrintable(r.err));
      QVERIFY2(r.err.contains(QStringLiteral("space.opt.choice")), qPrintable(r.err));
      QVERIFY2(r.err.contains(QStringLiteral("num_samples")), qPrintable(r.err));
      QVERIFY2(r.err.contains(QStringLiteral("3 error(s)")), qPrintable(r.err));
    }
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("tunelab_results"))));  // nothing created
  }

  void invalidJsonNamesTheLine() {
    QTemporaryDir dir;
    const QString spec = dir.filePath(QStringLiteral("broken.json"));
    write_file(spec, "{\n  \"name\": \"x\",\n  oops\n}\n");
    auto r = run_tunelab({QStringLiteral("validate"), spec});
    QCOMPARE(r.exit_code, 2);
    QVERIFY2(r.err.contains(QStringLiteral("broken.json:3:")), qPrintable(r.err));
  }

  void missingFilesAndBadOptions() {
    QTemporaryDir dir;
    auto r = run_tunelab({QStringLiteral("show"), dir.filePath(QStringLiteral("none.db"))});
    QCOMPARE(r.exit_code, 1);
    QVERIFY(r.err.contains(QStringLiteral("no such study database")));
    r = run_tunelab({QStringLiteral("resume"), dir.filePath(QStringLiteral("none.db"))});
    QCOMPARE(r.exit_code, 1);
    r = run_tunelab({QStringLiteral("export"), QStringLiteral("x.db"), QStringLiteral("--format"), QStringLiteral("xml")});
    QCOMPARE(r.exit_code, 2);
    QVERIFY(r.err.contains(QStringLiteral("csv, json, curves or optuna")));
    r = run_tunelab({QStringLiteral("export"), QStringLiteral("x.db"), QStringLiteral("--attempts")});
    QCOMPARE(r.exit_code, 2);
    QVERIFY(r.err.contains(QStringLiteral("--attempts goes with --results")));
    r = run_tunelab({QStringLiteral("run"), QStringLiteral("a.json"), QStringLiteral("--max-concurrent"), QStringLiteral("zero")});
    QCOMPARE(r.exit_code, 2);
    r = run_tunelab({QStringLiteral("frobnicate")});
    QCOMPARE(r.exit_code, 2);
    r = run_tunelab({QStringLiteral("trial"), QStringLiteral("nope")});
    QCOMPARE(r.exit_code, 2);
  }

  void runRefusesToOverwriteAStudy() {
    QTemporaryDir dir;
    const QString spec = dir.filePath(QStringLiteral("s.json"));
    write_file(spec, R"({"name": "s", "objective": {"metric": "score", "mode": "max"},
      "space": {"iterations": 2}, "trainable": {"builtin": "synthetic"}, "num_samples": 1})");
    const QString db = dir.filePath(QStringLiteral("s.db"));
    auto r = run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    QCOMPARE(r.exit_code, 0);
    r = run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains(QStringLiteral("tunelab resume")), qPrintable(r.err));
  }

  void runWithDbNeverComputesTheDefaultPath() {
    // The default results folder is unusable here (a symlink loop); with --db it must not matter.
    QTemporaryDir dir;
    QVERIFY(QFile::link(QStringLiteral("tunelab_results"), dir.filePath(QStringLiteral("tunelab_results"))));
    const QString spec = dir.filePath(QStringLiteral("s.json"));
    write_file(spec, R"({"name": "s", "objective": {"metric": "score", "mode": "max"},
      "space": {"iterations": 2}, "trainable": {"builtin": "synthetic"}, "num_samples": 1})");
    auto r = run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), dir.filePath(QStringLiteral("s.db")),
                          QStringLiteral("--quiet")}, dir.path());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    // Without --db the same folder is an error with a reason, not an abort.
    r = run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--quiet")}, dir.path());
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(!r.err.contains(QStringLiteral("terminate called")), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("tunelab_results")), qPrintable(r.err));
  }

  void everyTrialFailingIsAFailure() {
    QTemporaryDir dir;
    const QString spec = dir.filePath(QStringLiteral("f.json"));
    write_file(spec, R"({"name": "f", "objective": {"metric": "score", "mode": "max"},
      "space": {"fail_at": 1}, "trainable": {"builtin": "synthetic"}, "num_samples": 2})");
    auto r = run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), dir.filePath(QStringLiteral("f.db")),
                          QStringLiteral("--quiet")});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains(QStringLiteral("every trial failed")), qPrintable(r.err));
  }
};

QTEST_GUILESS_MAIN(TestCliErrors)
#include "test_cli_errors.moc"
