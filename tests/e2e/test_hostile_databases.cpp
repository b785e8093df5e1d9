// Hostile databases given to run, resume, show and export: each is refused with a clear message naming the file,
// without a crash (no exit by a signal), without a hang, and a file that is not a TuneLab study is left exactly as
// it was (no journal mode switch, no migration, no lock file). Each file is made here with the SQLite API.
#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "support/test_util.h"

using namespace tunelab;

namespace {

const QString kRun = QStringLiteral("run"), kResume = QStringLiteral("resume"), kShow = QStringLiteral("show"),
              kExport = QStringLiteral("export"), kDb = QStringLiteral("--db"), kQuiet = QStringLiteral("--quiet");

// Runs SQL on a new or existing file with a rollback journal (the default), as another program would.
void make_db(const QString& path, const char* sql) {
  sqlite3* db = nullptr;
  QCOMPARE(sqlite3_open(path.toUtf8().constData(), &db), SQLITE_OK);
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  const QString msg = QString::fromUtf8(err ? err : "");
  sqlite3_free(err);
  sqlite3_close(db);
  QVERIFY2(rc == SQLITE_OK, qPrintable(msg));
}

QByteArray bytes(const QString& path) {
  QFile f(path);
  return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// The command ended by itself (no signal, no timeout) with status 1, naming the file and saying `why`.
void refused(const test::RunResult& r, const QString& file, const QString& why, const QString& what) {
  QVERIFY2(r.err != QStringLiteral("timed out"), qPrintable(what + QStringLiteral(": hung")));
  QVERIFY2(r.exit_code != -1, qPrintable(what + QStringLiteral(": ended by a signal: ") + r.err));
  QVERIFY2(r.exit_code == 1, qPrintable(what + QStringLiteral(": exit %1: ").arg(r.exit_code) + r.out + r.err));
  QVERIFY2(r.err.contains(file), qPrintable(what + QStringLiteral(": the message does not name ") + file + QStringLiteral(": ") + r.err));
  QVERIFY2(r.err.contains(why), qPrintable(what + QStringLiteral(": expected \"") + why + QStringLiteral("\" in: ") + r.err));
}

// Makes `folder` read-only for the commands this test runs: a read-only bind mount of itself as root (file modes
// do not stop root), its mode 0555 otherwise. Returns false when neither is possible; `mounted` says which.
bool make_read_only(const QString& folder, bool& mounted) {
  mounted = false;
  const QByteArray f = folder.toUtf8();
  if (::geteuid() != 0) return ::chmod(f.constData(), 0555) == 0;
  if (::mount(f.constData(), f.constData(), nullptr, MS_BIND, nullptr) != 0) return false;
  if (::mount(nullptr, f.constData(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
    ::umount2(f.constData(), MNT_DETACH);
    return false;
  }
  mounted = true;
  return true;
}

void make_writable(const QString& folder, bool mounted) {
  const QByteArray f = folder.toUtf8();
  if (mounted) ::umount2(f.constData(), MNT_DETACH);
  else ::chmod(f.constData(), 0755);
}

}  // namespace

class TestHostileDatabases final : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString spec_;
  QString study_;  // a real finished study

  QString path(const char* name) const { return dir_.filePath(QString::fromUtf8(name)); }

  // run --db, resume, show and export on `file` all refuse it with `why`; with `untouched`, the file keeps
  // its bytes and gets no lock file, journal or WAL beside it.
  void all_refuse(const QString& file, const QString& why, bool untouched, int timeout_ms = 60000) {
    const QByteArray before = untouched ? bytes(file) : QByteArray();  // (reading a FIFO would block)
    const QList<QStringList> commands = {{kResume, file, kQuiet}, {kRun, spec_, kDb, file, kQuiet}, {kShow, file}, {kExport, file}};
    for (const auto& args : commands) {
      const auto r = test::run_tunelab(args, dir_.path(), timeout_ms);
      refused(r, file, why, args.first() + QLatin1Char(' ') + QFileInfo(file).fileName());
      if (QTest::currentTestFailed()) return;
      if (untouched) {
        QVERIFY2(bytes(file) == before, qPrintable(args.first() + QStringLiteral(": the file was changed")));
        for (const char* suffix : {".lock", "-wal", "-shm", "-journal"}) {
          QVERIFY2(!QFileInfo::exists(file + QLatin1String(suffix)),
                   qPrintable(args.first() + QStringLiteral(": left ") + file + QLatin1String(suffix)));
        }
      }
    }
  }

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    spec_ = path("spec.json");
    test::write_file(spec_, test::synthetic_spec({{"num_samples", 2}}).dump());
    study_ = path("study.db");
    const auto r = test::run_tunelab({kRun, spec_, kDb, study_, kQuiet});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
  }

  // A study whose events table was dropped: resume used to crash (a write statement that failed to prepare).
  void studyMissingATableIsRefused() {
    const QString db = path("no_events.db");
    QVERIFY(QFile::copy(study_, db));
    make_db(db, "DROP TABLE events");
    all_refuse(db, QStringLiteral("lacks table `events`"), false);
  }

  void studyMissingAColumnIsRefused() {
    const QString db = path("no_column.db");
    QVERIFY(QFile::copy(study_, db));
    make_db(db, "ALTER TABLE trials DROP COLUMN checkpoint");
    all_refuse(db, QStringLiteral("lacks column `trials.checkpoint`"), false);
  }

  // Someone else's database with a `trials` table and user_version 3: the engine used to add a column to that
  // table and then crash.
  void foreignTableWithAStudyVersionIsUntouched() {
    const QString db = path("foreign_v3.db");
    make_db(db,
            "CREATE TABLE trials(id INTEGER PRIMARY KEY, patient TEXT); INSERT INTO trials(patient) VALUES('a');"
            "PRAGMA user_version = 3;");
    all_refuse(db, QStringLiteral("not a TuneLab study database"), true);
  }

  void foreignDatabaseIsUntouched() {
    const QString db = path("foreign.db");
    make_db(db, "CREATE TABLE photos(id INTEGER PRIMARY KEY, name TEXT); INSERT INTO photos(name) VALUES('x');");
    all_refuse(db, QStringLiteral("not a TuneLab study database"), true);
  }

  // user_version -1 used to read as "not a SQLite database".
  void negativeSchemaVersionIsNamed() {
    const QString db = path("minus_one.db");
    make_db(db, "CREATE TABLE t(x); PRAGMA user_version = -1;");
    all_refuse(db, QStringLiteral("schema version (PRAGMA user_version) is -1"), true);
  }

  void futureSchemaIsUntouched() {
    const QString db = path("future.db");
    QVERIFY(QFile::copy(study_, db));
    make_db(db, "PRAGMA journal_mode = DELETE; PRAGMA user_version = 99;");
    const QByteArray before = bytes(db);
    // Readers say it is newer; run and resume too, and leave it alone.
    for (const auto& args : QList<QStringList>{{kRun, spec_, kDb, db, kQuiet}, {kResume, db, kQuiet}, {kShow, db}}) {
      const auto r = test::run_tunelab(args, dir_.path());
      refused(r, db, QStringLiteral("newer than this TuneLab"), args.first());
      if (QTest::currentTestFailed()) return;
      QVERIFY2(bytes(db) == before, qPrintable(args.first() + QStringLiteral(": the file was changed")));
      QVERIFY2(!QFileInfo::exists(db + QStringLiteral(".lock")), qPrintable(args.first() + QStringLiteral(": left a lock file")));
    }
  }

  void textFileIsUntouched() {
    const QString db = path("notes.db");
    test::write_file(db, "this is not a database, but it is long enough to have a header of sorts\n");
    all_refuse(db, QStringLiteral("not a SQLite database"), true);
  }

  // show and export used to block for ever opening a FIFO.
  void fifoIsRefusedWithoutHanging() {
    const QString fifo = path("pipe.db");
    QCOMPARE(::mkfifo(fifo.toUtf8().constData(), 0644), 0);
    all_refuse(fifo, QStringLiteral("not a regular file (a FIFO"), false, 15000);
    QVERIFY(!QFileInfo::exists(fifo + QStringLiteral(".lock")));
  }

  void directoryAndDeviceAreRefused() {
    const QString sub = path("folder.db");
    QVERIFY(QDir(dir_.path()).mkdir(QStringLiteral("folder.db")));
    all_refuse(sub, QStringLiteral("not a regular file (a directory)"), false);
    const auto r = test::run_tunelab({kShow, QStringLiteral("/dev/null")}, dir_.path(), 15000);
    refused(r, QStringLiteral("/dev/null"), QStringLiteral("not a regular file (a character device)"), kShow);
  }

  // A path starting with "file:" is not read as an SQLite URI: results never go to memory, and the lock and
  // trials folder never get "file:" names beside another file.
  void sqliteUriIsRefused() {
    QDir cwd(dir_.path());
    for (const QString& uri : {QStringLiteral("file:s.db?mode=memory"), QStringLiteral("file:r.db")}) {
      const auto r = test::run_tunelab({kRun, spec_, kDb, uri, kQuiet}, dir_.path());
      refused(r, uri, QStringLiteral("looks like an SQLite URI"), uri);
      if (QTest::currentTestFailed()) return;
      QVERIFY2(r.err.contains(QStringLiteral("./") + uri), qPrintable(r.err));
      const auto s = test::run_tunelab({kShow, uri}, dir_.path());
      refused(s, uri, QStringLiteral("looks like an SQLite URI"), QStringLiteral("show ") + uri);
    }
    for (const QString& name : cwd.entryList(QDir::AllEntries | QDir::NoDotAndDotDot)) {
      QVERIFY2(!name.startsWith(QStringLiteral("file:")) && !name.startsWith(QStringLiteral("s.db")) &&
                   !name.startsWith(QStringLiteral("r.db")),
               qPrintable(QStringLiteral("left ") + name));
    }
    // Written as ./file:..., it is a plain file of that name, with its lock and trials folder beside it.
    const auto r = test::run_tunelab({kRun, spec_, kDb, QStringLiteral("./file:r.db"), kQuiet}, dir_.path());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QVERIFY(QFileInfo(cwd.filePath(QStringLiteral("file:r.db"))).isFile());
    QVERIFY(QFileInfo::exists(cwd.filePath(QStringLiteral("file:r.db.lock"))));
    const auto s = test::run_tunelab({kShow, QStringLiteral("./file:r.db"), QStringLiteral("--json")}, dir_.path());
    QVERIFY2(s.exit_code == 0, qPrintable(s.err));
    QCOMPARE(Json::parse(s.out.toStdString())["trials"].size(), size_t(2));
  }

  void emptyPathIsNamed() {
    for (const auto& args : QList<QStringList>{{kRun, spec_, kDb, QString(), kQuiet}, {kResume, QString()}, {kShow, QString()}}) {
      const auto r = test::run_tunelab(args, dir_.path());
      QVERIFY2(r.exit_code == 1, qPrintable(args.first() + QStringLiteral(": exit %1: ").arg(r.exit_code) + r.err));
      QVERIFY2(r.err.contains(QStringLiteral("the study database path is empty")), qPrintable(args.first() + QStringLiteral(": ") + r.err));
      QVERIFY2(!r.err.contains(QStringLiteral("read-only")), qPrintable(r.err));
    }
  }

  // A study whose stored JSON was crafted or damaged: values nested 200,000 levels deep used to crash show, export
  // and replay (stack overflow); metrics stored as an array, or a training_iteration that is not a number, aborted
  // export --format curves and replay on an uncaught exception. Every reader now refuses the study, naming the row.
  void damagedRowsAreNamed_data() {
    QTest::addColumn<QByteArray>("sql");
    QTest::addColumn<QString>("why");
    const QByteArray deep = QByteArray(200000, '[') + QByteArray(200000, ']');
    const QByteArray first_result = " WHERE rowid = (SELECT min(rowid) FROM results)";
    QTest::newRow("deep metrics") << "UPDATE results SET metrics = '{\"loss\": 1, \"x\": " + deep + "}'" + first_result
                                  << QStringLiteral("results row (trial 0, iteration 1): metrics is nested deeper than 64 levels");
    QTest::newRow("deep config") << "UPDATE trials SET config = '{\"x\": " + deep + "}' WHERE id = 1"
                                 << QStringLiteral("trials row 1: config is nested deeper than 64 levels");
    QTest::newRow("deep spec") << "UPDATE study SET spec = '{\"x\": " + deep + "}'"
                               << QStringLiteral("study row: spec is nested deeper than 64 levels");
    QTest::newRow("metrics array") << "UPDATE results SET metrics = '[1,2]'" + first_result
                                   << QStringLiteral("results row (trial 0, iteration 1): metrics is a JSON array, not an object");
    QTest::newRow("config array") << QByteArray("UPDATE trials SET config = '[1,2]' WHERE id = 1")
                                  << QStringLiteral("trials row 1: config is a JSON array, not an object");
    QTest::newRow("iteration string") << "UPDATE results SET metrics = '{\"loss\": 1, \"training_iteration\": \"x\"}'" + first_result
                                      << QStringLiteral("metrics has a training_iteration that is a JSON string, not a number");
    QTest::newRow("time object") << "UPDATE results SET metrics = '{\"loss\": 1, \"time_total_s\": {}}'" + first_result
                                 << QStringLiteral("metrics has a time_total_s that is a JSON object, not a number");
    QTest::newRow("metrics not JSON") << "UPDATE results SET metrics = '{\"loss\": '" + first_result
                                      << QStringLiteral("results row (trial 0, iteration 1): metrics is not valid JSON");
  }
  void damagedRowsAreNamed() {
    QFETCH(QByteArray, sql);
    QFETCH(QString, why);
    const QString db = path("damaged_%1.db").arg(QString::fromLatin1(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('_')));
    QFile::remove(db);
    QVERIFY(QFile::copy(study_, db));
    make_db(db, sql.constData());
    const QString scheduler = QStringLiteral(R"({"type": "asha", "grace_period": 1, "max_t": 3})");
    const QList<QStringList> commands = {{kShow, db},
                                         {kShow, db, QStringLiteral("--json")},
                                         {kExport, db},
                                         {kExport, db, QStringLiteral("--format"), QStringLiteral("curves")},
                                         {kExport, db, QStringLiteral("--results"), QStringLiteral("--format"), QStringLiteral("json")},
                                         {QStringLiteral("replay"), db, QStringLiteral("--scheduler"), scheduler},
                                         {kResume, db, kQuiet}};
    for (const auto& args : commands) {
      const auto r = test::run_tunelab(args, dir_.path());
      const QString what = args.join(QLatin1Char(' '));
      QVERIFY2(r.err != QStringLiteral("timed out"), qPrintable(what + QStringLiteral(": hung")));
      QVERIFY2(r.exit_code == 1 || r.exit_code == 2, qPrintable(what + QStringLiteral(": exit %1: ").arg(r.exit_code) + r.err.left(1000)));
      QVERIFY2(r.err.contains(QStringLiteral("the study database is damaged: ")) && r.err.contains(why),
               qPrintable(what + QStringLiteral(": expected \"") + why + QStringLiteral("\" in: ") + r.err.left(1000)));
      QVERIFY2(!r.err.contains(QStringLiteral("terminate called")), qPrintable(r.err.left(1000)));
    }
  }

  // A finished study (WAL mode, no -wal or -shm beside it) in a read-only folder: show and export used to fail
  // ("unable to open database file": SQLite could not create the -shm) while resume said show could read it. It is
  // now read as immutable. With a -wal that holds data but no -shm, the message says what is really wrong.
  void walStudyInReadOnlyFolder() {
    const QString folder = path("ro");
    QVERIFY(QDir(dir_.path()).mkpath(QStringLiteral("ro")));
    const QString db = folder + QStringLiteral("/study.db");
    QVERIFY(QFile::copy(study_, db));
    QVERIFY(!QFileInfo::exists(db + QStringLiteral("-wal")));
    bool mounted = false;
    if (!make_read_only(folder, mounted)) QSKIP("cannot make a read-only folder here (root without mount)");
    const auto show = test::run_tunelab({kShow, db, QStringLiteral("--json")}, dir_.path());
    const auto exported = test::run_tunelab({kExport, db}, dir_.path());
    const auto resumed = test::run_tunelab({kResume, db, kQuiet}, dir_.path());
    const QStringList left = QDir(folder).entryList(QDir::Files);
    make_writable(folder, mounted);
    QVERIFY2(show.exit_code == 0, qPrintable(show.err));
    QCOMPARE(Json::parse(show.out.toStdString())["trials"].size(), size_t(2));
    QVERIFY2(exported.exit_code == 0, qPrintable(exported.err));
    QCOMPARE(exported.out.count(QLatin1Char('\n')), 3);  // the header and two trials
    QVERIFY2(resumed.exit_code == 1 && resumed.err.contains(QStringLiteral("read-only")), qPrintable(resumed.err));
    QCOMPARE(left, QStringList{QStringLiteral("study.db")});
  }

  void walStudyWithUncheckpointedWalInReadOnlyFolder() {
    const QString folder = path("ro_wal");
    QVERIFY(QDir(dir_.path()).mkpath(QStringLiteral("ro_wal")));
    const QString work = path("wal_source.db");
    QVERIFY(QFile::copy(study_, work));
    // Commit a row that stays in the -wal, and copy the file and its -wal (not the -shm) while it is there.
    sqlite3* conn = nullptr;
    QCOMPARE(sqlite3_open(work.toUtf8().constData(), &conn), SQLITE_OK);
    QCOMPARE(sqlite3_exec(conn, "PRAGMA wal_autocheckpoint = 0; INSERT INTO events(trial_id, ts, kind, message) "
                                "VALUES(NULL, 1, 'note', 'in the wal')", nullptr, nullptr, nullptr), SQLITE_OK);
    const QString db = folder + QStringLiteral("/study.db");
    QVERIFY(QFile::copy(work, db));
    QVERIFY(QFile::copy(work + QStringLiteral("-wal"), db + QStringLiteral("-wal")));
    sqlite3_close(conn);
    QVERIFY(QFileInfo(db + QStringLiteral("-wal")).size() > 0);
    bool mounted = false;
    if (!make_read_only(folder, mounted)) QSKIP("cannot make a read-only folder here (root without mount)");
    const auto show = test::run_tunelab({kShow, db}, dir_.path());
    make_writable(folder, mounted);
    refused(show, db, QStringLiteral("-wal holds"), kShow);
    QVERIFY2(show.err.contains(QStringLiteral("cannot be written")) && show.err.contains(QStringLiteral("copy the study with its -wal")),
             qPrintable(show.err));
  }

  // The real study is still fine after all this.
  void theStudyStillOpens() {
    const auto r = test::run_tunelab({kShow, study_, QStringLiteral("--json")}, dir_.path());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QCOMPARE(Json::parse(r.out.toStdString())["trials"].size(), size_t(2));
  }
};

QTEST_GUILESS_MAIN(TestHostileDatabases)
#include "test_hostile_databases.moc"
