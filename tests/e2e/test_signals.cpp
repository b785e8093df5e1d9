// Signals to a running `tunelab run`: SIGHUP (the terminal closed) ends the study exactly as SIGTERM and
// SIGINT do: exit status 130, the study left resumable, no trial process left, and `resume` completes it.
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

#include <thread>

#include "core/store/store.h"
#include "support/store_util.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace std::chrono_literals;
using tunelab::test::processes_left;
using tunelab::test::run_tunelab;
using tunelab::test::stored_results;

namespace {

constexpr int kTrials = 4;
constexpr int kIterations = 40;

struct Ended {
  bool by_signal = false;
  int exit_code = -1;
};

// Runs a slow study, sends `sig` once a few results are stored, and waits for the engine to end.
Ended run_and_signal(const QString& dir, const QString& spec, const QString& db, int sig) {
  QProcess p;
  p.setWorkingDirectory(dir);
  p.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("run"), spec, QStringLiteral("--db"), db});
  if (!p.waitForStarted()) return {};
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (stored_results(db) < 3 && std::chrono::steady_clock::now() < deadline && p.state() == QProcess::Running) {
    std::this_thread::sleep_for(50ms);
  }
  if (p.state() != QProcess::Running) return {};
  ::kill(static_cast<pid_t>(p.processId()), sig);
  if (!p.waitForFinished(30000)) {
    p.kill();
    p.waitForFinished();
    return {};
  }
  return {p.exitStatus() == QProcess::CrashExit, p.exitCode()};
}

void write_spec(const QString& spec) {
  tunelab::test::write_file(spec, R"({
    "name": "signals", "objective": {"metric": "score", "mode": "max"},
    "space": {"x": {"type": "float", "low": 0, "high": 1},
              "iterations": )" + std::to_string(kIterations) + R"(, "sleep_s": 0.05, "checkpoint": true},
    "trainable": {"builtin": "synthetic"},
    "num_samples": )" + std::to_string(kTrials) + R"(, "max_concurrent": 2,
    "resources_per_trial": {"cpu": 0.1}, "seed": 7})");
}

}  // namespace

class TestSignals final : public QObject {
  Q_OBJECT
 private slots:
  void hangupEndsLikeTerminate_data() {
    QTest::addColumn<int>("sig");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT") << int(SIGINT);
    QTest::newRow("SIGHUP") << int(SIGHUP);
  }

  void hangupEndsLikeTerminate() {
    QFETCH(int, sig);
    QTemporaryDir dir;
    const QString spec = dir.filePath(QStringLiteral("spec.json"));
    const QString db = dir.filePath(QStringLiteral("study.db"));
    write_spec(spec);

    const Ended e = run_and_signal(dir.path(), spec, db, sig);
    QVERIFY2(!e.by_signal, "the engine died of the signal instead of ending the study");
    QCOMPARE(e.exit_code, 130);  // the same status for SIGTERM, SIGINT and SIGHUP
    QCOMPARE(processes_left(dir.path().toStdString()), 0);
    {
      auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
      QVERIFY(store.ok());
      auto study = (*store)->load_study();
      QVERIFY(study.ok());
      QCOMPARE(QString::fromStdString(study->status), QStringLiteral("interrupted"));
    }

    auto r = run_tunelab({QStringLiteral("resume"), db, QStringLiteral("--quiet")}, dir.path());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    auto trials = *(*store)->load_trials();
    QCOMPARE(trials.size(), size_t(kTrials));
    for (const auto& t : trials) QCOMPARE(t.status, TrialStatus::Completed);
    QCOMPARE(stored_results(db), size_t(kTrials * kIterations));
    QCOMPARE(processes_left(dir.path().toStdString()), 0);
  }
};

QTEST_GUILESS_MAIN(TestSignals)
#include "test_signals.moc"
