// The Debian package end to end: build it with CPack, check its Depends against what its binaries link
// (scripts/check-deps --deb), unpack it with dpkg-deb -x, and run a short study with its tunelab and with its
// Python client under the system python3, with nothing from the source tree on the paths.
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include "support/test_util.h"

using namespace tunelab;

namespace {

struct Ran {
  int code = -1;
  QString out;
};

Ran run(const QString& program, const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment(),
        int timeout_ms = 600000) {
  QProcess p;
  p.setProcessEnvironment(env);
  p.setProcessChannelMode(QProcess::MergedChannels);
  p.start(program, args);
  Ran r;
  if (!p.waitForFinished(timeout_ms)) {
    p.kill();
    p.waitForFinished();
    r.out = QStringLiteral("timed out: ") + program;
    return r;
  }
  r.code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.out = QString::fromUtf8(p.readAll());
  return r;
}

// A function trainable through tunelab.tune (the Ray-compatible front-end) under ASHA. The trial processes import
// this script by name, as they import a user's.
constexpr const char* kTuneScript = R"(import json, os, sys
import tunelab
from tunelab import tune
from tunelab.tune.schedulers import ASHAScheduler

def train(config):
    for i in range(1, 5):
        tune.report({"score": config["x"] * i, "step": i})

if __name__ == "__main__":
    analysis = tune.run(train, name="pkg", num_samples=4, metric="score", mode="max", seed=3, verbose=0,
                        config={"x": tune.uniform(0, 1)}, storage_path=sys.argv[1],
                        resources_per_trial={"cpu": 0.5},
                        scheduler=ASHAScheduler(max_t=4, grace_period=1, reduction_factor=2))
    print(json.dumps({"client": tunelab.__file__, "binary": tune.find_binary(), "trials": len(analysis.trials),
                      "statuses": sorted(t.status for t in analysis.trials),
                      "best_x": analysis.best_config["x"],
                      "xs": [t.config["x"] for t in analysis.trials]}))
)";

}  // namespace

class TestPackage final : public QObject {
  Q_OBJECT
  QString build_dir_;
  QString deb_;
  QTemporaryDir root_;  // the unpacked package

 private slots:
  void initTestCase() {
    build_dir_ = QFileInfo(QStringLiteral(TUNELAB_BIN)).absoluteDir().absoluteFilePath(QStringLiteral(".."));
    if (QStandardPaths::findExecutable(QStringLiteral("dpkg-shlibdeps")).isEmpty()) {
      QSKIP("dpkg-shlibdeps is missing (apt-get install dpkg-dev; scripts/test installs it)");
    }
    const Ran built = run(QStringLiteral("cmake"), {QStringLiteral("--build"), build_dir_, QStringLiteral("--target"),
                                                    QStringLiteral("package")});
    QVERIFY2(built.code == 0, qPrintable(built.out));
    const QStringList debs = QDir(build_dir_).entryList({QStringLiteral("tunelab_*.deb")}, QDir::Files, QDir::Time);
    QVERIFY2(!debs.isEmpty(), qPrintable(built.out));
    deb_ = QDir(build_dir_).absoluteFilePath(debs.first());
    QVERIFY(root_.isValid());
    const Ran x = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-x"), deb_, root_.path()});
    QVERIFY2(x.code == 0, qPrintable(x.out));
  }

  void dependsCoverWhatItLinks() {
    const Ran r = run(QStringLiteral(TUNELAB_SOURCE_DIR "/scripts/check-deps"), {QStringLiteral("--deb"), deb_});
    QVERIFY2(r.code == 0, qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("Depends: ok")), qPrintable(r.out));
  }

  void shipsClientExamplesAndTruthfulDescription() {
    for (const char* f : {"usr/bin/tunelab", "usr/bin/tunelab-trial", "usr/lib/python3/dist-packages/tunelab/__init__.py",
                          "usr/lib/python3/dist-packages/tunelab/tune/__init__.py",
                          "usr/share/tunelab/examples/sklearn_digits/spec.json",
                          "usr/share/tunelab/examples/sklearn_digits/train.py",
                          "usr/share/tunelab/examples/ray_compat/asha.py", "usr/share/tunelab/studies/digits_mlp.json"}) {
      QVERIFY2(QFileInfo::exists(root_.filePath(QString::fromUtf8(f))), f);
    }
    QVERIFY(QDir(root_.filePath(QStringLiteral("usr/lib/python3/dist-packages/tunelab"))).entryList({QStringLiteral("*.pyc")}).isEmpty());
    const Ran d = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-f"), deb_, QStringLiteral("Description")});
    QCOMPARE(d.code, 0);
    QVERIFY2(!d.out.contains(QStringLiteral("random or grid search")) && !d.out.contains(QStringLiteral("about a minute")),
             qPrintable(d.out));
    QVERIFY2(d.out.contains(QStringLiteral("import tunelab")) && d.out.contains(QStringLiteral("/usr/share/tunelab/examples")),
             qPrintable(d.out));
  }

  void itsTunelabRunsAStudy() {
    QTemporaryDir work;
    const QString spec = work.filePath(QStringLiteral("spec.json"));
    test::write_file(spec, test::synthetic_spec({{"num_samples", 3}, {"space", {{"x", {{"type", "float"}, {"low", 0}, {"high", 1}}},
                                                                                {"iterations", 3}}}}).dump());
    const QString bin = root_.filePath(QStringLiteral("usr/bin/tunelab"));
    const QString db = work.filePath(QStringLiteral("s.db"));
    const Ran r = run(bin, {QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")}, clean_env());
    QVERIFY2(r.code == 0, qPrintable(r.out));
    const Ran show = run(bin, {QStringLiteral("show"), db, QStringLiteral("--json")}, clean_env());
    QVERIFY2(show.code == 0, qPrintable(show.out));
    const Json j = Json::parse(show.out.toStdString());
    QCOMPARE(j["counts"]["completed"].get<int>(), 3);
    for (const auto& t : j["trials"]) QCOMPARE(t["iterations"].get<int>(), 3);
  }

  void itsPythonClientRunsAStudy() {
    if (!QFileInfo::exists(QStringLiteral("/usr/bin/python3"))) QSKIP("no /usr/bin/python3");
    QTemporaryDir work;
    const QString script = work.filePath(QStringLiteral("tune_script.py"));
    test::write_file(script, kTuneScript);
    QProcess p;
    p.setProcessEnvironment(clean_env());
    p.setWorkingDirectory(work.path());
    p.start(QStringLiteral("/usr/bin/python3"), {script, work.filePath(QStringLiteral("results"))});
    QVERIFY(p.waitForFinished(300000));
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(p.exitCode() == 0, qPrintable(err));
    const QStringList lines = QString::fromUtf8(p.readAllStandardOutput()).trimmed().split(QLatin1Char('\n'));
    const Json j = Json::parse(lines.last().toStdString());
    // The client and the binary it drives are the package's, not the source tree's.
    QVERIFY2(QString::fromStdString(j["client"].get<std::string>()).startsWith(root_.path()), j.dump().c_str());
    QCOMPARE(QString::fromStdString(j["binary"].get<std::string>()), root_.filePath(QStringLiteral("usr/bin/tunelab")));
    QCOMPARE(j["trials"].get<int>(), 4);
    double best = -1;
    for (const auto& x : j["xs"]) best = std::max(best, x.get<double>());
    QCOMPARE(j["best_x"].get<double>(), best);  // score = x * step: the largest x wins
  }

 private:
  // The unpacked package first on PATH and PYTHONPATH, nothing of the build tree.
  QProcessEnvironment clean_env() const {
    auto env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("TUNELAB_BIN"));
    env.remove(QStringLiteral("PYTHONPATH"));
    env.insert(QStringLiteral("PATH"), root_.filePath(QStringLiteral("usr/bin")) + QStringLiteral(":/usr/bin:/bin"));
    env.insert(QStringLiteral("PYTHONPATH"), root_.filePath(QStringLiteral("usr/lib/python3/dist-packages")));
    env.insert(QStringLiteral("PYTHONDONTWRITEBYTECODE"), QStringLiteral("1"));
    return env;
  }
};

QTEST_GUILESS_MAIN(TestPackage)
#include "test_package.moc"
