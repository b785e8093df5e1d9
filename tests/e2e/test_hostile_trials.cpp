// Hostile trials against the engine itself: a checkpoint that is the engine's own folder of pins, a
// process that escapes the trial and keeps writing on its report channel, descendants that leave the
// trial's process group with an empty environment, and an engine short of file descriptors.
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/exec/trial_cgroup.h"
#include "core/store/store.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Processes whose command line mentions `marker`; killed with `kill` set.
int processes_mentioning(const std::string& marker, bool kill = false) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos || std::stol(name) == ::getpid()) continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (all.find(marker) == std::string::npos) continue;
    ++n;
    if (kill) ::kill(static_cast<pid_t>(std::stol(name)), SIGKILL);
  }
  return n;
}

Json two_trial_spec(const std::string& root, int timeout_s) {
  return {{"name", "hostile"},
          {"objective", {{"metric", "score"}, {"mode", "max"}}},
          {"space", {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}}},
          {"trainable", {{"command", Json::array({"/bin/sh", root + "/train.sh"})}, {"cwd", root}}},
          {"num_samples", 2},
          {"max_concurrent", 2},
          {"trial_timeout_s", timeout_s},
          {"resources_per_trial", {{"cpu", 0.1}}},
          {"seed", 3}};
}

// Trial 1 of two_trial_spec: a healthy trial that reports every 0.4 s, twelve times.
const char* kHealthy = "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do\n  echo \"{\\\"score\\\": $i}\" >&3\n  sleep 0.4\ndone\n";

struct Ran {
  int exit_code = -1;
  QString err;
  long peak_kib = 0;
  bool timed_out = false;
};

// Runs the engine on `spec` (written to root/spec.json) with `env` added, at most `limit`.
Ran run_engine(const std::string& root, const Json& spec, const QStringList& env = {}, std::chrono::seconds limit = 60s,
               std::function<void()> child_setup = nullptr) {
  std::ofstream(root + "/spec.json") << spec.dump(2);
  QProcess p;
  p.setWorkingDirectory(QString::fromStdString(root));
  auto e = QProcessEnvironment::systemEnvironment();
  for (const auto& kv : env) e.insert(kv.section(QLatin1Char('='), 0, 0), kv.section(QLatin1Char('='), 1));
  p.setProcessEnvironment(e);
  if (child_setup) p.setChildProcessModifier(child_setup);
  p.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("run"), QString::fromStdString(root + "/spec.json"),
                                        QStringLiteral("--db"), QString::fromStdString(root + "/study.db"),
                                        QStringLiteral("--quiet")});
  Ran r;
  if (!p.waitForStarted()) return r;
  const auto started = std::chrono::steady_clock::now();
  while (!p.waitForFinished(50)) {
    r.peak_kib = std::max(r.peak_kib, test::rss_kib(p.processId()));
    if (std::chrono::steady_clock::now() - started > limit) {
      r.timed_out = true;
      p.kill();
      p.waitForFinished();
      return r;
    }
  }
  r.exit_code = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
  r.err = QString::fromUtf8(p.readAllStandardError());
  return r;
}

std::string trial_events(Store& store, int64_t trial) {
  std::string said;
  const auto events = *store.load_events();
  for (const auto& e : events) {
    if (e.trial_id == trial) said += e.kind + ": " + e.message + "\n";
  }
  return said;
}

}  // namespace

class TestHostileTrials final : public QObject {
  Q_OBJECT
 private slots:
  void checkpointOfTheEnginesOwnPinsIsRefused() {
    // Trial 0 reports the engine's folder of pins as its checkpoint (by name and through a symlink), and
    // its stdout.log, between good checkpoints. Pinning .checkpoints into itself built a tree hundreds of
    // levels deep and held the loop for seconds a report, so trial 1 (2 s trial_timeout_s) was killed.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string root = dir.path().toStdString();
    std::ofstream(root + "/train.sh")
        << "if [ \"$TUNELAB_TRIAL_ID\" = 0 ]; then\n"
           "  cd \"$TUNELAB_TRIAL_DIR\"\n  mkdir -p ck\n  echo weights > ck/w\n  ln -s .checkpoints pins\n"
           "  for i in 1 2 3 4 5 6 7 8; do\n"
           "    echo '{\"score\": 0, \"_checkpoint\": \"ck\"}' >&3\n"
           "    echo '{\"score\": 0, \"_checkpoint\": \".checkpoints\"}' >&3\n"
           "    echo '{\"score\": 0, \"_checkpoint\": \"pins\"}' >&3\n"
           "    echo '{\"score\": 0, \"_checkpoint\": \"stdout.log\"}' >&3\n"
           "    sleep 0.3\n  done\n  exit 0\nfi\n"
        << kHealthy;
    const auto r = run_engine(root, two_trial_spec(root, 2));
    QVERIFY2(!r.timed_out, "the study did not end");
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));

    auto store = Store::open(root + "/study.db", Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    const auto trials = *(*store)->load_trials();
    QCOMPARE(trials.size(), size_t(2));
    QVERIFY2(trials[1].status == TrialStatus::Completed, trials[1].error.c_str());  // never timed out
    QCOMPARE((*(*store)->load_results(1)).size(), size_t(12));
    QVERIFY2(trials[0].status == TrialStatus::Completed, trials[0].error.c_str());
    const std::string said = trial_events(**store, 0);
    QVERIFY2(said.find("is inside the engine's own folder of pins (.checkpoints); refused") != std::string::npos, said.c_str());
    QVERIFY2(said.find("is the engine's own stdout.log; refused") != std::string::npos, said.c_str());
    // The checkpoint the engine holds is the good one, and no pin holds another folder of pins.
    QVERIFY2(fs::path(trials[0].checkpoint).filename() == "ck", trials[0].checkpoint.c_str());
    for (const auto& e : fs::recursive_directory_iterator(trials[0].trial_dir + "/.checkpoints")) {
      QVERIFY2(e.path().filename() != ".checkpoints", e.path().c_str());
    }
    QVERIFY(fs::exists(trials[0].trial_dir + "/stdout.log"));  // never taken as a checkpoint, never deleted
  }

  void writerThatOutlivesTheTrialAddsNothing_data() {
    QTest::addColumn<bool>("cgroup");
    QTest::newRow("process groups and scan") << false;
    QTest::newRow("cgroup") << true;
  }

  void writerThatOutlivesTheTrialAddsNothing() {
    // Trial 0 reports once, then leaves behind a writer with an empty environment in a session of its own
    // (out of reach of the group kill and the environment scan), holding fd 3: the moment the trial's main
    // process is gone, it floods the channel. The engine reads what was there when the trial ended, stores
    // none of the writer's lines, and ends; it used to read on as long as the writer kept up, adding
    // millions of results to the ended trial while its memory grew.
    QFETCH(bool, cgroup);
    if (cgroup) {
      std::string why;
      if (!TrialCgroups::create(why)) QSKIP(qPrintable(QStringLiteral("cgroup v2 is not available here: ") + QString::fromStdString(why)));
    }
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string root = dir.path().toStdString();
    std::ofstream(root + "/train.sh")
        << "if [ \"$TUNELAB_TRIAL_ID\" = 0 ]; then\n"
           "  echo '{\"score\": 0.5}' >&3\n  MAIN=$$\n"
           "  env -i setsid /bin/sh -c \"while kill -0 $MAIN 2>/dev/null; do :; done; "
           "exec yes '{\\\"score\\\": -1, \\\"after_end\\\": \\\"" << root << "\\\"}'\" >&3 2>/dev/null </dev/null &\n"
           "  sleep 0.5\n  exit 0\nfi\n"
        << kHealthy;
    const auto r = run_engine(root, two_trial_spec(root, 5), {cgroup ? QStringLiteral("TUNELAB_CGROUP=1") : QStringLiteral("TUNELAB_CGROUP=0")}, 40s);
    processes_mentioning(root + "\"}", true);  // the writer, if the engine left it
    QVERIFY2(!r.timed_out, qPrintable(QStringLiteral("the engine kept reading the escaped writer (RSS %1 KiB)").arg(r.peak_kib)));
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QVERIFY2(r.peak_kib < 120 * 1024, qPrintable(QStringLiteral("engine RSS peaked at %1 KiB").arg(r.peak_kib)));

    auto store = Store::open(root + "/study.db", Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    const auto trials = *(*store)->load_trials();
    QCOMPARE(trials.size(), size_t(2));
    QVERIFY2(trials[0].status == TrialStatus::Completed, trials[0].error.c_str());
    const auto results = *(*store)->load_results_with_history();
    int64_t of_trial0 = 0;
    for (const auto& res : results) {
      if (res.trial_id != 0) continue;
      ++of_trial0;
      QVERIFY2(!res.metrics.contains("after_end"), "a line written after the trial ended was stored");
    }
    QCOMPARE(of_trial0, int64_t(1));
    QCOMPARE((*(*store)->load_results(1)).size(), size_t(12));
  }

  void escapedDescendantsDieWithTheTrial() {
    // A grandchild with an empty environment in a session of its own, and a child that keeps forking new
    // ones: neither is in the trial's group nor carries its environment, so only a cgroup finds them.
    std::string why;
    if (!TrialCgroups::create(why)) QSKIP(qPrintable(QStringLiteral("cgroup v2 is not available here: ") + QString::fromStdString(why)));
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string root = dir.path().toStdString();
    const std::string mark = root + "/escapee";
    std::ofstream(root + "/train.sh")
        << "if [ \"$TUNELAB_TRIAL_ID\" = 0 ]; then\n"
           "  env -i setsid /bin/sh -c 'while :; do sleep 0.2; done' " << mark << "-quiet </dev/null >/dev/null 2>&1 &\n"
           "  env -i setsid /bin/sh -c 'while :; do env -i setsid /bin/sh -c \"sleep 1000\" " << mark
        << "-spawned & sleep 0.1; done' " << mark << "-reforker </dev/null >/dev/null 2>&1 &\n"
           "  sleep 0.5\n  echo '{\"score\": 0.5}' >&3\n  exit 0\nfi\n"
           "echo '{\"score\": 1}' >&3\n";
    const auto r = run_engine(root, two_trial_spec(root, 5), {}, 40s);
    std::this_thread::sleep_for(300ms);  // a SIGKILL takes effect at once; give the reforker a chance to show
    const int left = processes_mentioning(mark);
    processes_mentioning(mark, true);
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QCOMPARE(left, 0);
    auto store = Store::open(root + "/study.db", Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    std::string containment;
    const auto events = *(*store)->load_events();
    for (const auto& e : events) {
      if (e.kind == "containment") containment = e.message;
    }
    QVERIFY2(containment.find("cgroup of its own") != std::string::npos, containment.c_str());
  }

  void engineShortOfFileDescriptorsRetries() {
    // 20 trials at once under a hard limit of 24 open files: the engine cannot open pipes for most of them
    // at first. Those wait and start as others end; none is marked `error` for the engine's shortage
    // (16 of 20 used to end errored, for good, and the run exited 0).
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string root = dir.path().toStdString();
    std::ofstream(root + "/train.sh") << "echo '{\"score\": 1}' >&3\nsleep 0.3\necho '{\"score\": 2}' >&3\n";
    Json spec = two_trial_spec(root, 30);
    spec["num_samples"] = 20;
    spec["max_concurrent"] = 20;
    spec["resources_per_trial"] = {{"cpu", 0.01}};
    const auto r = run_engine(root, spec, {}, 90s, [] {
      const rlimit low{24, 24};
      ::setrlimit(RLIMIT_NOFILE, &low);
    });
    QVERIFY2(!r.timed_out, "the study did not end");
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    auto store = Store::open(root + "/study.db", Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    const auto trials = *(*store)->load_trials();
    QCOMPARE(trials.size(), size_t(20));
    for (const auto& t : trials) {
      QVERIFY2(t.status == TrialStatus::Completed, qPrintable(QStringLiteral("trial %1: %2").arg(t.id).arg(QString::fromStdString(t.error))));
      QCOMPARE(t.attempts, int64_t(1));
    }
    int waited = 0;
    const auto events = *(*store)->load_events();
    for (const auto& e : events) waited += e.kind == "engine_resources";
    QVERIFY2(waited > 0, "the limit never bit: the test proves nothing");
  }

  void engineThatCannotStartAnyTrialStopsResumably() {
    // Under a hard limit of 16 open files the engine opens the study but cannot open one trial's pipes even
    // with none running: it stops the study, resumable, with a clear message and status 1; a resume with
    // enough descriptors runs every trial.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string root = dir.path().toStdString();
    std::ofstream(root + "/train.sh") << "echo '{\"score\": 1}' >&3\n";
    Json spec = two_trial_spec(root, 30);
    spec["num_samples"] = 3;
    const auto r = run_engine(root, spec, {}, 60s, [] {
      const rlimit low{16, 16};
      ::setrlimit(RLIMIT_NOFILE, &low);
    });
    QVERIFY2(!r.timed_out, "the engine did not stop");
    QVERIFY2(r.exit_code == 1, qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("the engine cannot start a trial")) && r.err.contains(QStringLiteral("Too many open files")) &&
                 r.err.contains(QStringLiteral("tunelab resume")),
             qPrintable(r.err));
    {
      auto store = Store::open(root + "/study.db", Store::Mode::ReadOnly);
      QVERIFY(store.ok());
      QCOMPARE((*store)->load_study()->status, std::string("interrupted"));
      const auto before = *(*store)->load_trials();
      for (const auto& t : before) QVERIFY2(t.status != TrialStatus::Error, t.error.c_str());
    }
    const auto resumed = tunelab::test::run_tunelab({QStringLiteral("resume"), QString::fromStdString(root + "/study.db"), QStringLiteral("--quiet")});
    QVERIFY2(resumed.exit_code == 0, qPrintable(resumed.err));
    auto store = Store::open(root + "/study.db", Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    const auto trials = *(*store)->load_trials();
    QCOMPARE(trials.size(), size_t(3));
    for (const auto& t : trials) QVERIFY2(t.status == TrialStatus::Completed, t.error.c_str());
  }
};

QTEST_GUILESS_MAIN(TestHostileTrials)
#include "test_hostile_trials.moc"
