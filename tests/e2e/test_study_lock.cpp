// One engine per study, however the database is named: while `tunelab run` works on study.db, a second
// engine given the same file through a symlink, a hard link, a path through `..`, or after the `.lock`
// file was deleted is refused with the usual message, and its trials never start (before, the lock was
// keyed on the path string, and two engines ran one study and killed each other's trials).
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/store/store.h"
#include "core/store/study_lock.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

class TestStudyLock final : public QObject {
  Q_OBJECT
 private slots:
  void secondEngineByAnotherNameIsRefused() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string root = dir.path().toStdString();
    // Each trial marks that it started, then runs until it is stopped.
    std::ofstream(root + "/train.sh") << "touch \"$TUNELAB_TRIAL_DIR/../started-$TUNELAB_TRIAL_ID-$$\"\n"
                                         "while true; do echo '{\"score\": 1}' >&3; sleep 0.2; done\n";
    const Json spec = {{"name", "locked"},
                       {"objective", {{"metric", "score"}, {"mode", "max"}}},
                       {"space", {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}}},
                       {"trainable", {{"command", Json::array({"/bin/sh", root + "/train.sh"})}}},
                       {"num_samples", 2},
                       {"max_concurrent", 2},
                       {"resources_per_trial", {{"cpu", 0.1}}},
                       {"seed", 3}};
    std::ofstream(root + "/spec.json") << spec.dump(2);
    const std::string db = root + "/study.db";
    QVERIFY(!study_engine_running(db));  // no file yet

    QProcess first;
    first.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("run"), QString::fromStdString(root + "/spec.json"),
                                              QStringLiteral("--db"), QString::fromStdString(db), QStringLiteral("--quiet")});
    QVERIFY(first.waitForStarted());
    const auto started_markers = [&] {
      int n = 0;
      for (const auto& e : fs::recursive_directory_iterator(root)) n += e.path().filename().string().rfind("started-", 0) == 0;
      return n;
    };
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (started_markers() < 2) {
      QVERIFY2(std::chrono::steady_clock::now() < deadline, "the first engine's trials did not start");
      std::this_thread::sleep_for(50ms);
    }

    fs::create_symlink(db, root + "/link.db");
    fs::create_hard_link(db, root + "/hard.db");
    fs::create_directory(root + "/x");
    for (const std::string& other : {root + "/link.db", root + "/hard.db", root + "/x/../study.db", db}) {
      if (other == db) fs::remove(db + ".lock");  // last: the lock file is gone
      const auto r = tunelab::test::run_tunelab({QStringLiteral("resume"), QString::fromStdString(other), QStringLiteral("--quiet")},
                                                {}, 5000);  // a second engine that runs is stopped after 5 s
      QVERIFY2(r.exit_code == 1, qPrintable(QString::fromStdString(other) + QStringLiteral(": ") + r.err));
      QVERIFY2(r.err.contains(QStringLiteral("the study is in use by another tunelab process")), qPrintable(r.err));
      QVERIFY2(study_engine_running(other), other.c_str());
      // Not in this process either, through any name.
      auto store = Store::open(other, Store::Mode::Open);
      QVERIFY(!store.ok());
      QVERIFY2(store.error_text().find("in use by another tunelab process") != std::string::npos, store.error_text().c_str());
    }
    QCOMPARE(started_markers(), 2);  // no second engine started a trial

    first.terminate();  // SIGTERM: the study ends, interrupted, resumable
    QVERIFY(first.waitForFinished(30000));
    QCOMPARE(first.exitCode(), 130);
    QVERIFY(!study_engine_running(db));
    QVERIFY(!study_engine_running(root + "/link.db"));
    // Free again: one store of this process takes it, through a symlink, and the probe sees it from any name.
    {
      auto store = Store::open(root + "/link.db", Store::Mode::Open);
      QVERIFY2(store.ok(), store.error_text().c_str());
      QVERIFY(study_engine_running(db));
      QVERIFY(study_engine_running(root + "/hard.db"));
      auto again = Store::open(root + "/x/../study.db", Store::Mode::Open);
      QVERIFY(!again.ok());
      QVERIFY(Store::open(db, Store::Mode::ReadOnly).ok());  // readers are always welcome
    }
    QVERIFY(!study_engine_running(db));
    QVERIFY(!study_engine_running(root + "/no-such.db"));
  }
};

QTEST_GUILESS_MAIN(TestStudyLock)
#include "test_study_lock.moc"
