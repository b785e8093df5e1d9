// A configuration larger than one environment variable may hold (128 KiB, the kernel's MAX_ARG_STRLEN): every
// trial used to fail to start with "Argument list too long". The engine now leaves TUNELAB_CONFIG out past 64 KiB
// and the trial reads TUNELAB_CONFIG_FILE, which is always written (docs/protocol.md); the C++ client (the
// built-in trainables) and the Python client fall back to it.
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include "support/test_util.h"

using namespace tunelab;

namespace {

constexpr size_t kBlobBytes = 200 * 1024;

// The study's `show --json` document.
Json show(const QString& db) {
  const auto r = test::run_tunelab({QStringLiteral("show"), db, QStringLiteral("--json")});
  if (r.exit_code != 0) return Json();
  return Json::parse(r.out.toStdString());
}

}  // namespace

class TestLargeConfig final : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;

  // A spec whose config carries a 200 KiB constant string.
  Json spec_with_blob(const Json& extra) const {
    Json j = test::synthetic_spec(extra);
    j["space"]["blob"] = {{"type", "const"}, {"value", std::string(kBlobBytes, 'b')}};
    j["space"]["iterations"] = 2;
    return j;
  }

 private slots:
  void initTestCase() { QVERIFY(dir_.isValid()); }

  void builtinTrialSeesALargeConfig() {
    const QString spec = dir_.filePath(QStringLiteral("builtin.json")), db = dir_.filePath(QStringLiteral("builtin.db"));
    test::write_file(spec, spec_with_blob({{"num_samples", 2}}).dump());
    const auto r = test::run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err.left(2000)));
    const Json s = show(db);
    QCOMPARE(s["trials"].size(), size_t(2));
    for (const auto& t : s["trials"]) {
      QVERIFY2(t["status"] == "completed", t.value("error", std::string()).substr(0, 400).c_str());
      QCOMPARE(t["iterations"].get<int>(), 2);
    }
    // config.json holds the whole config.
    const QString trial_dir = QString::fromStdString(s["trials"][0]["trial_dir"].get<std::string>());
    QFile f(trial_dir + QStringLiteral("/config.json"));
    QVERIFY(f.open(QIODevice::ReadOnly));
    QCOMPARE(Json::parse(f.readAll().toStdString())["blob"].get<std::string>().size(), kBlobBytes);
  }

  void pythonClientReadsTheConfigFile() {
    if (QProcess::execute(QStringLiteral("python3"), {QStringLiteral("-c"), QStringLiteral("pass")}) != 0) {
      QSKIP("python3 is not available");
    }
    const QString script = dir_.filePath(QStringLiteral("trial.py"));
    test::write_file(script, "import os, sys\n"
                             "sys.path.insert(0, " + Json(std::string(TUNELAB_SOURCE_DIR) + "/python").dump() + ")\n"
                             "import tunelab\n"
                             "cfg = tunelab.get_config()\n"
                             "tunelab.report({'score': len(cfg['blob']), 'config_env': int('TUNELAB_CONFIG' in os.environ)})\n");
    Json j = spec_with_blob({{"num_samples", 1}});
    j["trainable"] = {{"command", {"python3", script.toStdString()}}};
    const QString spec = dir_.filePath(QStringLiteral("python.json")), db = dir_.filePath(QStringLiteral("python.db"));
    test::write_file(spec, j.dump());
    const auto r = test::run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err.left(2000)));
    const Json s = show(db);
    QCOMPARE(s["trials"].size(), size_t(1));
    const Json& t = s["trials"][0];
    QVERIFY2(t["status"] == "completed", qPrintable(QString::fromStdString(t.value("error", std::string()))));
    QCOMPARE(t["last"]["score"].get<size_t>(), kBlobBytes);
    QCOMPARE(t["last"]["config_env"].get<int>(), 0);  // too large for the environment: the file only
  }

  // A small config still comes in TUNELAB_CONFIG too (trials that read only the variable keep working).
  void smallConfigStaysInTheEnvironment() {
    const QString script = dir_.filePath(QStringLiteral("small.sh"));
    test::write_file(script, "printf '{\"score\": %s}\\n' \"$(printf %s \"$TUNELAB_CONFIG\" | wc -c)\" >&3\n");
    Json j = test::synthetic_spec({{"num_samples", 1}});
    j["trainable"] = {{"command", {"/bin/sh", script.toStdString()}}};
    const QString spec = dir_.filePath(QStringLiteral("small.json")), db = dir_.filePath(QStringLiteral("small.db"));
    test::write_file(spec, j.dump());
    const auto r = test::run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err.left(2000)));
    const Json s = show(db);
    QVERIFY(s["trials"][0]["last"]["score"].get<int>() > 5);
  }
};

QTEST_GUILESS_MAIN(TestLargeConfig)
#include "test_large_config.moc"
