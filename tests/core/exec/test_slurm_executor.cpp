// The Slurm executor against stand-in sbatch/squeue/scancel/sacct programs (fake_slurm.h): reports read
// from the shared file, exit codes and signals, stops through scancel, jobs that vanish without an exit
// status, re-attaching from a second executor, and sbatch's errors.
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "core/exec/slurm_executor.h"
#include "exec_test_util.h"
#include "fake_slurm.h"

using namespace tunelab;
using namespace std::chrono_literals;

namespace {

SlurmOptions fast() {
  SlurmOptions o;
  o.poll_s = 0.2;
  return o;
}

Launch shell(int64_t id, const QTemporaryDir& dir, const std::string& script) {
  Launch l = test::shell_launch(id, dir, script);
  l.env = {{"TUNELAB_REPORT_FD", "3"}, {"TUNELAB_STUDY", "s"}};
  return l;
}

std::vector<ExecEvent> run_until_exit(Executor& ex, int64_t id, std::chrono::milliseconds limit = 20s) {
  return test::run_until_exit(ex, id, limit);
}

const ExecEvent* exited(const std::vector<ExecEvent>& events) {
  for (const auto& e : events) {
    if (e.kind == ExecEvent::Kind::Exited) return &e;
  }
  return nullptr;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

class TestSlurmExecutor final : public QObject {
  Q_OBJECT
  QTemporaryDir bin_;

 private slots:
  void initTestCase() { test::install_fake_slurm(bin_.path().toStdString()); }

  void reportsAndExitCode() {
    QTemporaryDir dir;
    SlurmExecutor ex(fast(), {1, 0});
    const auto l = shell(1, dir, "echo '{\"score\": 0.5}' >&3; echo 'not json' >&3; printf '{\"score\": 0.7}' >&3; exit 3");
    QVERIFY(ex.start(l).ok());
    QVERIFY(!ex.job_id(1).empty());
    QCOMPARE(ex.running(), size_t(1));
    const auto events = run_until_exit(ex, 1);
    QCOMPARE(events.size(), size_t(4));
    QCOMPARE(events[0].kind, ExecEvent::Kind::Report);
    QVERIFY(events[0].report == Json({{"score", 0.5}}));
    QCOMPARE(events[1].kind, ExecEvent::Kind::BadReport);
    QCOMPARE(events[2].kind, ExecEvent::Kind::Report);  // the last line, without its newline
    QVERIFY(events[2].report == Json({{"score", 0.7}}));
    QCOMPARE(events[3].kind, ExecEvent::Kind::Exited);
    QCOMPARE(events[3].exit_code, 3);
    QCOMPARE(events[3].signal, 0);
    QCOMPARE(ex.running(), size_t(0));
    QVERIFY(ex.job_id(1).empty());
  }

  void stopSendsTermThroughScancel() {
    QTemporaryDir dir;
    SlurmExecutor ex(fast(), {1, 0});
    QVERIFY(ex.start(shell(2, dir, "echo '{\"i\": 1}' >&3; sleep 30")).ok());
    // Once it runs, the engine stops it.
    const auto until = std::chrono::steady_clock::now() + 10s;
    bool reported = false;
    while (!reported && std::chrono::steady_clock::now() < until) {
      for (const auto& e : ex.wait(200ms)) reported = reported || e.kind == ExecEvent::Kind::Report;
    }
    QVERIFY(reported);
    ex.stop(2, 5s);
    const auto events = run_until_exit(ex, 2);
    const ExecEvent* e = exited(events);
    QVERIFY(e);
    QCOMPARE(e->signal, SIGTERM);
    QVERIFY(slurp(bin_.filePath(QStringLiteral("scancel.log")).toStdString()).find("TERM ") !=
            std::string::npos);
  }

  // A trial that ignores SIGTERM is killed after the grace period; its script cannot record a status,
  // so the job ends when squeue stops listing it, as a kill.
  void killAfterGrace() {
    QTemporaryDir dir;
    SlurmExecutor ex(fast(), {1, 0});
    const auto l = shell(3, dir, "trap '' TERM; echo '{\"i\": 1}' >&3; while :; do sleep 0.1; done");
    QVERIFY(ex.start(l).ok());
    std::this_thread::sleep_for(500ms);
    ex.wait(10ms);
    const auto t0 = std::chrono::steady_clock::now();
    ex.stop(3, 1s);
    const auto events = run_until_exit(ex, 3);
    const ExecEvent* e = exited(events);
    QVERIFY(e);
    QCOMPARE(e->signal, SIGKILL);
    QVERIFY(std::chrono::steady_clock::now() - t0 >= 1s);
    QVERIFY(slurp(l.trial_dir + "/stderr.log").find("without recording an exit status") != std::string::npos);
  }

  // A second executor (a resumed engine) takes over a job the first one left running, reads its reports
  // from the start, and sees it end.
  void reattach() {
    QTemporaryDir dir;
    auto l = shell(4, dir, "for i in 1 2 3 4 5; do echo \"{\\\"i\\\": $i}\" >&3; sleep 0.3; done");
    l.env["TUNELAB_RESTORE_ITERATION"] = "7";
    std::string job;
    {
      SlurmExecutor first(fast(), {1, 0});
      QVERIFY(first.start(l).ok());
      job = first.job_id(4);
      std::this_thread::sleep_for(500ms);
    }  // the engine is gone; the job is not
    SlurmExecutor second(fast(), {1, 0});
    Launch again;
    again.trial_id = 4;
    again.trial_dir = l.trial_dir;
    QVERIFY(!second.reattach(again, "999999"));  // not this trial's job
    QVERIFY(second.reattach(again, job));
    QCOMPARE(again.env.at("TUNELAB_RESTORE_ITERATION"), std::string("7"));  // the environment it started with
    QCOMPARE(second.job_id(4), job);
    const auto events = run_until_exit(second, 4);
    int reports = 0;
    for (const auto& e : events) reports += e.kind == ExecEvent::Kind::Report;
    QCOMPARE(reports, 5);
    QVERIFY(exited(events));
    QCOMPARE(exited(events)->exit_code, 0);
    // Ended by a signal while no engine ran: not re-attached (the trial restarts from its checkpoint).
    std::ofstream(SlurmFiles::in(l.trial_dir).exit_status) << "137\n";
    SlurmExecutor third(fast(), {1, 0});
    QVERIFY(!third.reattach(again, job));
  }

  void sbatchErrorsAreShown() {
    QTemporaryDir dir;
    SlurmOptions o = fast();
    o.partition = "bad";
    SlurmExecutor ex(o, {1, 0});
    auto s = ex.start(shell(5, dir, "true"));
    QVERIFY(!s.ok());
    QVERIFY2(s.error_text().find("sbatch failed: sbatch: error: invalid partition specified: bad") != std::string::npos,
             s.error_text().c_str());
    QCOMPARE(ex.running(), size_t(0));
  }
};

QTEST_GUILESS_MAIN(TestSlurmExecutor)
#include "test_slurm_executor.moc"
