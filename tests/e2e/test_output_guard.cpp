// An output never replaces the study it was read from: export, export --format curves, refine and plot refuse an
// --out that reaches the database, its -wal/-shm/lock or its trials folder by any name, and never replace another
// SQLite file unless --force is given.
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

#include "support/test_util.h"

using namespace tunelab;

class TestOutputGuard final : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString db_;

  QByteArray db_bytes() const {
    QFile f(db_);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
  }
  // The study still opens and shows its three trials.
  void study_intact() {
    const auto show = test::run_tunelab({QStringLiteral("show"), db_, QStringLiteral("--json")});
    QVERIFY2(show.exit_code == 0, qPrintable(show.err));
    QCOMPARE(Json::parse(show.out.toStdString())["trials"].size(), size_t(3));
  }
  void refused(const QStringList& args, const QString& why) {
    const QByteArray before = db_bytes();
    const auto r = test::run_tunelab(args, dir_.path());
    QVERIFY2(r.exit_code == 2, qPrintable(args.join(QLatin1Char(' ')) + QStringLiteral(" -> ") + r.out + r.err));
    QVERIFY2(r.err.contains(QStringLiteral("refusing to write")) && r.err.contains(why), qPrintable(r.err));
    QCOMPARE(db_bytes(), before);
    study_intact();
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    db_ = dir_.filePath(QStringLiteral("study.db"));
    const QString spec = dir_.filePath(QStringLiteral("spec.json"));
    test::write_file(spec, test::synthetic_spec({{"num_samples", 3}}).dump());
    const auto r = test::run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db_, QStringLiteral("--quiet")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
  }

  void exportOverTheDatabaseIsRefused() {
    const QString e = QStringLiteral("export");
    refused({e, db_, QStringLiteral("--out"), db_}, QStringLiteral("the study database"));
    refused({e, db_, QStringLiteral("--format"), QStringLiteral("json"), QStringLiteral("--out"), db_}, QStringLiteral("the study database"));
    refused({e, db_, QStringLiteral("--format"), QStringLiteral("curves"), QStringLiteral("--out"), db_}, QStringLiteral("the study database"));
    // Another spelling of the same path, relative from the study's folder.
    refused({e, QStringLiteral("study.db"), QStringLiteral("--out"), QStringLiteral("./sub/../study.db")}, QStringLiteral("the study database"));
    // --force covers other databases, never the study's own.
    refused({e, db_, QStringLiteral("--out"), db_, QStringLiteral("--force")}, QStringLiteral("the study database"));
  }

  void refineAndPlotOverTheDatabaseAreRefused() {
    refused({QStringLiteral("refine"), db_, QStringLiteral("--out"), db_}, QStringLiteral("the study database"));
    refused({QStringLiteral("plot"), db_, QStringLiteral("--kind"), QStringLiteral("history"), QStringLiteral("--out"), db_},
            QStringLiteral("the study database"));
  }

  void theDatabaseReachedThroughLinksIsRefused() {
    const QString sym = dir_.filePath(QStringLiteral("link.csv"));
    QVERIFY(QFile::link(db_, sym));
    refused({QStringLiteral("export"), db_, QStringLiteral("--out"), sym}, QStringLiteral("the study database"));
    const QString hard = dir_.filePath(QStringLiteral("hard.csv"));
    QCOMPARE(::link(db_.toUtf8().constData(), hard.toUtf8().constData()), 0);
    refused({QStringLiteral("export"), db_, QStringLiteral("--out"), hard}, QStringLiteral("the study database"));
  }

  void theStudysOtherFilesAreRefused() {
    const QString e = QStringLiteral("export");
    refused({e, db_, QStringLiteral("--out"), db_ + QStringLiteral("-wal")}, QStringLiteral("write-ahead log"));
    refused({e, db_, QStringLiteral("--out"), db_ + QStringLiteral("-shm")}, QStringLiteral("shared-memory"));
    refused({e, db_, QStringLiteral("--out"), db_ + QStringLiteral(".lock")}, QStringLiteral("lock file"));
    refused({e, db_, QStringLiteral("--out"), dir_.filePath(QStringLiteral("study_trials"))}, QStringLiteral("trials folder"));
    refused({e, db_, QStringLiteral("--out"), dir_.filePath(QStringLiteral("study_trials/trial_1/x.csv"))},
            QStringLiteral("inside the study's trials folder"));
  }

  void anotherDatabaseNeedsForce() {
    const QString other = dir_.filePath(QStringLiteral("other.db"));
    QVERIFY(QFile::copy(db_, other));
    refused({QStringLiteral("export"), db_, QStringLiteral("--out"), other}, QStringLiteral("unless --force"));
    QFile f(other);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(f.read(15) == "SQLite format 3");
    f.close();
    const auto r = test::run_tunelab({QStringLiteral("export"), db_, QStringLiteral("--out"), other, QStringLiteral("--force")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(!f.read(15).startsWith("SQLite format 3"));  // now the export
  }

  void anOrdinaryOutputIsWritten() {
    const QString csv = dir_.filePath(QStringLiteral("trials.csv"));
    auto r = test::run_tunelab({QStringLiteral("export"), db_, QStringLiteral("--out"), csv});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QVERIFY(QFile::exists(csv));
    // Overwriting an earlier export is fine: it is not a database.
    r = test::run_tunelab({QStringLiteral("export"), db_, QStringLiteral("--out"), csv});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    study_intact();
  }
};

QTEST_GUILESS_MAIN(TestOutputGuard)
#include "test_output_guard.moc"
