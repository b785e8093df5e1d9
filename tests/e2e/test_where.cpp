// `tunelab where NAME`: the Python front-end's study folders come from the engine's one copy of the layout
// (STORAGE/NAME/study.db; a rerun beside a study goes to NAME-2, NAME-3, ...; STORAGE from the environment).
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

#include "support/test_util.h"

using namespace tunelab;

namespace {
Json where(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
  QProcess p;
  p.setProcessEnvironment(env);
  p.start(QStringLiteral(TUNELAB_BIN), QStringList{QStringLiteral("where")} + args);
  if (!p.waitForFinished(30000) || p.exitCode() != 0) return nullptr;
  return Json::parse(p.readAllStandardOutput().toStdString());
}
}  // namespace

class TestWhere final : public QObject {
  Q_OBJECT
 private slots:
  void namedFoldersAndReruns() {
    QTemporaryDir dir;
    const std::string storage = dir.path().toStdString();
    Json w = where({QStringLiteral("quad"), QStringLiteral("--storage"), dir.path()});
    QCOMPARE(w["dir"].get<std::string>(), storage + "/quad");
    QCOMPARE(w["db"].get<std::string>(), storage + "/quad/study.db");
    QCOMPARE(w["holds_study"].get<bool>(), false);
    // A study there: it is the one to resume, and a fresh run goes beside it.
    const QString spec = dir.filePath(QStringLiteral("spec.json"));
    test::write_file(spec, test::synthetic_spec({{"num_samples", 1}}).dump());
    for (const char* folder : {"/quad/study.db", "/quad-2/study.db"}) {
      const auto r = test::run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"),
                                        dir.path() + QString::fromLatin1(folder), QStringLiteral("--quiet")});
      QCOMPARE(r.exit_code, 0);
    }
    w = where({QStringLiteral("quad"), QStringLiteral("--storage"), dir.path()});
    QCOMPARE(w["holds_study"].get<bool>(), true);
    QCOMPARE(w["dir"].get<std::string>(), storage + "/quad");
    w = where({QStringLiteral("quad"), QStringLiteral("--storage"), dir.path(), QStringLiteral("--fresh")});
    QCOMPARE(w["dir"].get<std::string>(), storage + "/quad-3");
    QCOMPARE(w["holds_study"].get<bool>(), false);
  }

  void storageFromTheEnvironment() {
    QTemporaryDir dir;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("TUNELAB_RESULTS_DIR"));
    env.insert(QStringLiteral("TUNE_RESULT_DIR"), dir.filePath(QStringLiteral("ray")));
    auto dir_of = [&](const QString& name) { return where({name}, env)["dir"].get<std::string>(); };
    QCOMPARE(dir_of(QStringLiteral("a")), dir.filePath(QStringLiteral("ray/a")).toStdString());
    env.insert(QStringLiteral("TUNELAB_RESULTS_DIR"), dir.filePath(QStringLiteral("tl")));
    QCOMPARE(dir_of(QStringLiteral("a")), dir.filePath(QStringLiteral("tl/a")).toStdString());
    env.remove(QStringLiteral("TUNELAB_RESULTS_DIR"));
    env.remove(QStringLiteral("TUNE_RESULT_DIR"));
    env.insert(QStringLiteral("HOME"), dir.path());
    QCOMPARE(dir_of(QStringLiteral("a")), dir.filePath(QStringLiteral("tunelab_results/a")).toStdString());
  }

  void badNamesAreRefused() {
    for (const char* name : {"", "..", "../up", "/abs"}) {
      const auto r = test::run_tunelab({QStringLiteral("where"), QString::fromLatin1(name)});
      QCOMPARE(r.exit_code, 2);
      QVERIFY(r.err.contains(QStringLiteral("study name")));
    }
  }
};

QTEST_GUILESS_MAIN(TestWhere)
#include "test_where.moc"
