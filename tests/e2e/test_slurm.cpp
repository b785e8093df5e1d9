// Studies through a real single-node Slurm cluster started by tests/slurm/slurm-cluster.sh (root,
// slurm-wlm and munge needed; the tests skip otherwise): an ASHA study whose stops go through scancel,
// an engine SIGKILLed mid-study and resumed, re-attaching to the jobs still running, `tunelab stop --trial` from
// another process cancelling a job through the control channel, and a clear error
// when sbatch refuses a job.
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "core/store/store.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace std::chrono_literals;
using tunelab::test::run_tunelab;

namespace {

constexpr int kIterations = 12;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

size_t stored_results(const QString& db) {
  auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
  if (!store) return 0;
  auto r = (*store)->load_results();
  return r ? r->size() : 0;
}

Json study_spec(const Json& executor) {
  return {{"name", "slurm"},
          {"objective", {{"metric", "score"}, {"mode", "max"}}},
          {"space",
           {{"x", {{"type", "choice"}, {"values", {0.3, 0.95, 0.5, 0.05, 0.8, 0.2}}}},
            {"iterations", kIterations},
            {"sleep_s", 0.4},
            {"checkpoint", true}}},
          {"trainable", {{"builtin", "synthetic"}}},
          {"search", {{"type", "grid"}}},
          {"scheduler", {{"type", "asha"}, {"max_t", kIterations}, {"grace_period", 2}, {"reduction_factor", 2}}},
          {"executor", executor},
          {"num_samples", 1},
          {"max_concurrent", 6},
          {"resources_per_trial", {{"cpu", 1}}},
          {"seed", 5}};
}

}  // namespace

class TestSlurm final : public QObject {
  Q_OBJECT
  QTemporaryDir cluster_;
  QString script_;
  bool started_ = false;

 private slots:
  void initTestCase() {
    if (::geteuid() != 0) QSKIP("Slurm tests need root (the test cluster runs slurmd with SlurmUser=root)");
    script_ = QStringLiteral(TUNELAB_SOURCE_DIR "/tests/slurm/slurm-cluster.sh");
    QProcess p;
    p.start(QStringLiteral("/bin/sh"), {script_, QStringLiteral("start"), cluster_.path()});
    if (!p.waitForFinished(90000)) {
      p.kill();
      QSKIP("the test Slurm cluster did not start within 90 s");
    }
    const QString out = QString::fromUtf8(p.readAllStandardOutput()).trimmed();
    const QString err = QString::fromUtf8(p.readAllStandardError()).trimmed();
    if (p.exitCode() != 0) {
      const QByteArray why = QByteArray("cannot start a test Slurm cluster: ") + err.toUtf8();
      QSKIP(why.constData());
    }
    started_ = true;
    qputenv("SLURM_CONF", out.toUtf8());
  }

  void cleanupTestCase() {
    if (!started_) return;
    QProcess p;
    p.start(QStringLiteral("/bin/sh"), {script_, QStringLiteral("stop"), cluster_.path()});
    p.waitForFinished(60000);
  }

  // Six trials under ASHA; the engine is SIGKILLed while they run, and `tunelab resume` re-attaches.
  void ashaStudyKilledAndResumed() {
    QTemporaryDir dir;
    const QString spec = dir.filePath(QStringLiteral("spec.json"));
    tunelab::test::write_file(spec, study_spec({{"type", "slurm"}, {"poll_s", 0.5}}).dump(2));
    const QString db = dir.filePath(QStringLiteral("study.db"));

    QProcess engine;
    engine.setWorkingDirectory(dir.path());
    engine.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    QVERIFY(engine.waitForStarted());
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (stored_results(db) < 14 && std::chrono::steady_clock::now() < deadline &&
           engine.state() == QProcess::Running) {
      std::this_thread::sleep_for(100ms);
    }
    QVERIFY2(engine.state() == QProcess::Running,
             qPrintable(QStringLiteral("the study ended before it could be killed: ") +
                        QString::fromUtf8(engine.readAllStandardError())));
    ::kill(static_cast<pid_t>(engine.processId()), SIGKILL);
    QVERIFY(engine.waitForFinished());

    auto r = run_tunelab({QStringLiteral("resume"), db, QStringLiteral("--quiet")}, dir.path(), 240000);
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));

    auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    QVERIFY((*store)->check_integrity().ok());
    const auto trials = *(*store)->load_trials();
    const auto results = *(*store)->load_results();
    const auto decisions = *(*store)->load_decisions();
    const auto events = *(*store)->load_events();
    QCOMPARE(trials.size(), size_t(6));  // num_samples x grid, exactly

    // Every (trial, iteration) stored once, and each trial's iterations without gaps.
    std::map<int64_t, std::set<int64_t>> iterations;
    for (const auto& res : results) QVERIFY(iterations[res.trial_id].insert(res.iteration).second);
    for (const auto& t : trials) {
      const auto& its = iterations[t.id];
      QVERIFY2(t.status == TrialStatus::Completed || t.status == TrialStatus::Stopped,
               qPrintable(QStringLiteral("trial %1: %2 %3").arg(t.id).arg(QString::fromStdString(to_string(t.status)),
                                                                       QString::fromStdString(t.error))));
      QVERIFY(!its.empty());
      QCOMPARE(*its.begin(), int64_t(1));
      QCOMPARE(*its.rbegin(), int64_t(its.size()));
      if (t.status == TrialStatus::Completed) QCOMPARE(its.size(), size_t(kIterations));
      QVERIFY(t.executor_job.empty());  // nothing runs any more
    }

    // ASHA stopped some trial; the stop reached it through scancel (SIGTERM: exit status 128 + 15).
    int stopped = 0, terminated = 0;
    for (const auto& t : trials) {
      if (t.status != TrialStatus::Stopped) continue;
      ++stopped;
      bool decided = false;
      for (const auto& d : decisions) {
        decided = decided || (d.trial_id == t.id && d.source == "scheduler" && d.action == "stop" && !d.reason.empty());
      }
      QVERIFY2(decided, qPrintable(QStringLiteral("stopped trial %1 has no ASHA decision").arg(t.id)));
      terminated += slurp(t.trial_dir + "/exit_status") == "143\n";
    }
    QVERIFY(stopped >= 1);
    QVERIFY(terminated >= 1);

    // The resumed engine took over jobs that were still running instead of restarting them, and every
    // line such a trial reported is stored once.
    std::set<int64_t> reattached;
    for (const auto& e : events) {
      if (e.kind == "reattached" && e.trial_id) reattached.insert(*e.trial_id);
    }
    QVERIFY2(!reattached.empty(), "no trial was re-attached after the engine was killed");
    for (const auto& e : events) {
      // Reports read again from a re-attached job are skipped without a word.
      QVERIFY(!(e.kind == "duplicate_report" && e.trial_id && reattached.count(*e.trial_id)));
    }
    for (const auto& t : trials) {
      if (!reattached.count(t.id)) continue;
      QCOMPARE(t.attempts, int64_t(1));
      if (t.status != TrialStatus::Completed) continue;
      std::istringstream lines(slurp(t.trial_dir + "/reports.jsonl"));
      std::set<int64_t> reported;
      for (std::string line; std::getline(lines, line);) {
        reported.insert(Json::parse(line).at("training_iteration").get<int64_t>());
      }
      QVERIFY(reported == iterations[t.id]);
    }
  }

  // `tunelab stop DB --trial N` from another process: the engine reads the command from the study database
  // and the job is cancelled through scancel (SIGTERM: exit status 128 + 15).
  void controlVerbStopsAJob() {
    QTemporaryDir dir;
    Json j = study_spec({{"type", "slurm"}, {"poll_s", 0.5}});
    j["space"]["iterations"] = 200;
    j["scheduler"] = {{"type", "fifo"}};
    j["max_concurrent"] = 2;
    const QString spec = dir.filePath(QStringLiteral("spec.json"));
    tunelab::test::write_file(spec, j.dump(2));
    const QString db = dir.filePath(QStringLiteral("study.db"));
    QProcess engine;
    engine.setWorkingDirectory(dir.path());
    engine.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    QVERIFY(engine.waitForStarted());
    auto trial0 = [&] {
      auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
      auto trials = store ? (*store)->load_trials() : Result<std::vector<TrialRecord>>(Error{"", ""});
      return trials && !trials->empty() ? std::optional<TrialRecord>(trials->front()) : std::nullopt;
    };
    const auto deadline = std::chrono::steady_clock::now() + 120s;
    while (!(trial0() && !trial0()->executor_job.empty() && stored_results(db) >= 2) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(100ms);
    }
    QVERIFY2(trial0() && !trial0()->executor_job.empty(), "trial 0's job never ran");
    auto r = run_tunelab({QStringLiteral("stop"), db, QStringLiteral("--trial"), QStringLiteral("0")}, dir.path());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    QCOMPARE(r.out.trimmed(), QStringLiteral("applied: trial 0 stopped"));
    const auto until = std::chrono::steady_clock::now() + 60s;
    while (trial0()->status != TrialStatus::Stopped && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(100ms);
    QCOMPARE(trial0()->status, TrialStatus::Stopped);
    QCOMPARE(slurp(trial0()->trial_dir + "/exit_status"), std::string("143\n"));
    r = run_tunelab({QStringLiteral("stop"), db}, dir.path());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    QVERIFY(engine.waitForFinished(60000));
  }

  // sbatch refusing a job (an unknown partition): the trial errors with sbatch's own message.
  void sbatchErrorIsShown() {
    QTemporaryDir dir;
    Json j = study_spec({{"type", "slurm"}, {"partition", "no_such_partition"}});
    j["space"]["x"] = 0.3;
    j["search"] = {{"type", "random"}};
    const QString spec = dir.filePath(QStringLiteral("spec.json"));
    tunelab::test::write_file(spec, j.dump(2));
    const QString db = dir.filePath(QStringLiteral("study.db"));
    run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")}, dir.path());
    auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    const auto trials = *(*store)->load_trials();
    QCOMPARE(trials.size(), size_t(1));
    QCOMPARE(trials[0].status, TrialStatus::Error);
    QVERIFY2(trials[0].error.find("sbatch failed") != std::string::npos, trials[0].error.c_str());
    QVERIFY2(trials[0].error.find("artition") != std::string::npos, trials[0].error.c_str());
  }
};

QTEST_GUILESS_MAIN(TestSlurm)
#include "test_slurm.moc"
