// Resume after a real SIGKILL of a running `tunelab run`: no trial lost or duplicated, no result
// lost or stored twice, num_samples exact, random configs identical to an uninterrupted run.
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

#include <set>
#include <thread>

#include "core/search/random_searcher.h"
#include "core/store/store.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace std::chrono_literals;
using tunelab::test::run_tunelab;

namespace {

constexpr int kTrials = 10;
constexpr int kIterations = 30;

size_t stored_results(const QString& db) {
  auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
  if (!store) return 0;
  auto r = (*store)->load_results();
  return r ? r->size() : 0;
}

// Starts `tunelab ARGS`, waits until at least `results` results are stored, then SIGKILLs it.
void kill_when(const QStringList& args, const QString& db, size_t results, const QString& cwd) {
  QProcess p;
  p.setWorkingDirectory(cwd);
  p.start(QStringLiteral(TUNELAB_BIN), args);
  QVERIFY(p.waitForStarted());
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while (stored_results(db) < results && std::chrono::steady_clock::now() < deadline &&
         p.state() == QProcess::Running) {
    std::this_thread::sleep_for(50ms);
  }
  QVERIFY2(p.state() == QProcess::Running, "the study ended before it could be killed");
  ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
  QVERIFY(p.waitForFinished());
}

}  // namespace

class TestResume final : public QObject {
  Q_OBJECT
 private slots:
  void resumeAfterSigkill() {
    QTemporaryDir dir;
    const QString spec = dir.filePath(QStringLiteral("spec.json"));
    tunelab::test::write_file(spec, R"({
      "name": "resume", "objective": {"metric": "score", "mode": "max"},
      "space": {"x": {"type": "float", "low": 0, "high": 1},
                "iterations": )" + std::to_string(kIterations) + R"(, "sleep_s": 0.02, "checkpoint": true},
      "trainable": {"builtin": "synthetic"},
      "num_samples": )" + std::to_string(kTrials) + R"(, "max_concurrent": 3,
      "resources_per_trial": {"cpu": 0.1}, "seed": 123})");
    const QString db = dir.filePath(QStringLiteral("study.db"));

    // Killed twice: once during run, once during the first resume.
    kill_when({QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")}, db, 40, dir.path());
    const size_t after_first_kill = stored_results(db);
    kill_when({QStringLiteral("resume"), db, QStringLiteral("--quiet")}, db, after_first_kill + 60, dir.path());
    auto r = run_tunelab({QStringLiteral("resume"), db, QStringLiteral("--quiet")}, dir.path());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));

    auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    QVERIFY((*store)->check_integrity().ok());
    auto trials = *(*store)->load_trials();
    auto results = *(*store)->load_results();
    QCOMPARE(trials.size(), size_t(kTrials));  // num_samples exactly
    std::set<std::pair<int64_t, int64_t>> keys;
    for (const auto& res : results) keys.insert({res.trial_id, res.iteration});
    QCOMPARE(keys.size(), results.size());                       // nothing stored twice
    QCOMPARE(results.size(), size_t(kTrials * kIterations));     // nothing lost
    // The same seed proposes the same configs as an uninterrupted run would have.
    auto parsed = parse_space(Json::parse(R"({"x": {"type": "float", "low": 0, "high": 1},
      "iterations": )" + std::to_string(kIterations) + R"(, "sleep_s": 0.02, "checkpoint": true})"));
    QVERIFY(parsed.ok());
    RandomSearcher uninterrupted(*parsed, kTrials, 123);
    for (int i = 0; i < kTrials; ++i) {
      const auto& t = trials[static_cast<size_t>(i)];
      QCOMPARE(t.id, int64_t(i));
      QCOMPARE(t.status, TrialStatus::Completed);
      QVERIFY(t.config == uninterrupted.config_for(i));
    }
    // Some trial was running at a kill and continued from its checkpoint rather than from scratch.
    bool continued = false;
    for (const auto& t : trials) continued = continued || (t.attempts > 1);
    QVERIFY(continued);
    auto events = *(*store)->load_events();
    int resumed = 0;
    for (const auto& e : events) resumed += e.kind == "resumed";
    QCOMPARE(resumed, 2);
  }
};

QTEST_GUILESS_MAIN(TestResume)
#include "test_resume.moc"
