// examples/sklearn_digits runs through the real CLI with Debian's scikit-learn.
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "support/test_util.h"

using namespace tunelab;

class TestSklearnExample final : public QObject {
  Q_OBJECT
 private slots:
  void runsAndLearns() {
    // Debian's python3-sklearn lives with /usr/bin/python3; put it first on PATH for the trials.
    QProcess probe;
    probe.start(QStringLiteral("/usr/bin/python3"), {QStringLiteral("-c"), QStringLiteral("import sklearn")});
    if (!probe.waitForFinished(60000) || probe.exitCode() != 0) {
      QSKIP("scikit-learn is not installed for /usr/bin/python3 (apt-get install python3-sklearn)");
    }
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("sk.db"));
    QProcess p;
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PATH"), QStringLiteral("/usr/bin:") + env.value(QStringLiteral("PATH")));
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(TUNELAB_BIN),
            {QStringLiteral("run"), QStringLiteral(TUNELAB_SOURCE_DIR "/examples/sklearn_digits/spec.json"),
             QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    QVERIFY(p.waitForFinished(600000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
    auto show = test::run_tunelab({QStringLiteral("show"), db, QStringLiteral("--json")});
    QCOMPARE(show.exit_code, 0);
    const Json j = Json::parse(show.out.toStdString());
    QCOMPARE(j["trials"].size(), size_t(8));
    QCOMPARE(j["counts"]["completed"].get<int>(), 8);
    double best = 0;
    for (const auto& t : j["trials"]) {
      QCOMPARE(t["iterations"].get<int>(), 10);  // one report per partial_fit epoch
      best = std::max(best, t["best"]["val_accuracy"].get<double>());
    }
    QVERIFY2(best > 0.85, qPrintable(QString::number(best)));
  }
};

QTEST_GUILESS_MAIN(TestSklearnExample)
#include "test_sklearn_example.moc"
