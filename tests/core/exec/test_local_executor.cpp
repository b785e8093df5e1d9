// Trials as real processes: reports, exit codes, a stop kills the whole process group, exec failures.
#include <QTest>
#include <QTemporaryDir>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "core/exec/local_executor.h"
#include "exec_test_util.h"

using namespace tunelab;
using namespace std::chrono_literals;

namespace {

Launch shell(int64_t id, const QTemporaryDir& dir, const std::string& script) {
  return test::shell_launch(id, dir, script);
}

std::vector<ExecEvent> run_until_exit(LocalExecutor& ex, int64_t id, std::chrono::milliseconds limit = 10s) {
  return test::run_until_exit(ex, id, limit);
}

// Running (a zombie waiting for its new parent to reap it counts as dead).
bool alive(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  stat >> pid_field >> comm >> state;
  return state != "Z" && state != "X";
}

}  // namespace

class TestLocalExecutor final : public QObject {
  Q_OBJECT
 private slots:
  void reportsAndExitCode() {
    QTemporaryDir dir;
    LocalExecutor ex;
    Launch l = shell(1, dir, "echo '{\"loss\": 1}' >&3; echo hello; echo oops >&2; echo '{\"loss\": 0.5}' >&3; exit 4");
    l.env["EXTRA"] = "1";
    QVERIFY(ex.start(l).ok());
    auto events = run_until_exit(ex, 1);
    QCOMPARE(events.size(), size_t(3));
    QCOMPARE(events[0].report["loss"].get<double>(), 1.0);
    QCOMPARE(events[1].report["loss"].get<double>(), 0.5);
    QCOMPARE(events[2].kind, ExecEvent::Kind::Exited);
    QCOMPARE(events[2].exit_code, 4);
    std::ifstream out(l.trial_dir + "/stdout.log"), err(l.trial_dir + "/stderr.log");
    std::string o, e;
    std::getline(out, o);
    std::getline(err, e);
    QCOMPARE(o, std::string("hello"));
    QCOMPARE(e, std::string("oops"));
    QCOMPARE(ex.running(), size_t(0));
  }

  void environmentAndCwd() {
    QTemporaryDir dir;
    LocalExecutor ex;
    Launch l = shell(2, dir, "printf '{\"v\": \"%s\", \"d\": \"%s\"}\\n' \"$MY_VAR\" \"$(pwd)\" >&3");
    l.env["MY_VAR"] = "hi there";
    l.cwd = dir.path().toStdString();
    QVERIFY(ex.start(l).ok());
    auto events = run_until_exit(ex, 2);
    QVERIFY(!events.empty());
    QCOMPARE(events[0].report["v"].get<std::string>(), std::string("hi there"));
    QCOMPARE(events[0].report["d"].get<std::string>(), dir.path().toStdString());
  }

  void stopKillsTheWholeGroup() {
    QTemporaryDir dir;
    LocalExecutor ex;
    // A child that ignores SIGTERM, like a stubborn data-loader worker, and a parent that waits.
    Launch l = shell(3, dir, "sh -c 'trap \"\" TERM; echo $$ > child.pid; while :; do sleep 1; done' & "
                             "cd . ; echo '{\"started\": 1}' >&3; wait");
    l.cwd = dir.path().toStdString();
    QVERIFY(ex.start(l).ok());
    // Wait for the report, then for the child's pid file.
    bool started = false;
    for (int i = 0; i < 50 && !started; ++i) {
      for (auto& e : ex.wait(100ms)) started = started || e.kind == ExecEvent::Kind::Report;
    }
    QVERIFY(started);
    pid_t child = 0;
    for (int i = 0; i < 50 && child == 0; ++i) {
      std::ifstream(dir.filePath(QStringLiteral("child.pid")).toStdString()) >> child;
      if (!child) std::this_thread::sleep_for(50ms);
    }
    QVERIFY(child > 0);
    QVERIFY(alive(child));
    const auto t0 = std::chrono::steady_clock::now();
    ex.stop(3, 300ms);
    auto events = run_until_exit(ex, 3, 5s);
    QVERIFY(!events.empty());
    QCOMPARE(events.back().kind, ExecEvent::Kind::Exited);
    QCOMPARE(events.back().signal, SIGTERM);
    // The TERM-ignoring child is killed with the group (after the grace period at the latest).
    for (int i = 0; i < 40 && alive(child); ++i) std::this_thread::sleep_for(25ms);
    QVERIFY2(!alive(child), "a process of the trial's group survived the stop");
    QVERIFY(std::chrono::steady_clock::now() - t0 < 3s);
  }

  void graceThenKill() {
    QTemporaryDir dir;
    LocalExecutor ex;
    QVERIFY(ex.start(shell(4, dir, "trap '' TERM; echo '{\"a\":1}' >&3; while :; do sleep 0.1; done")).ok());
    for (int i = 0; i < 20 && ex.wait(100ms).empty(); ++i) {}
    const auto t0 = std::chrono::steady_clock::now();
    ex.stop(4, 400ms);
    auto events = run_until_exit(ex, 4, 5s);
    const auto took = std::chrono::steady_clock::now() - t0;
    QCOMPARE(events.back().signal, SIGKILL);
    QVERIFY(took >= 350ms && took < 3s);
  }

  void missingProgramIsAClearError() {
    QTemporaryDir dir;
    LocalExecutor ex;
    Launch l;
    l.trial_id = 5;
    l.argv = {"definitely-not-a-program-xyz"};
    l.trial_dir = dir.filePath(QStringLiteral("5")).toStdString();
    Status s = ex.start(l);
    QVERIFY(!s.ok());
    QVERIFY2(s.error_text().find("cannot run \"definitely-not-a-program-xyz\"") != std::string::npos,
             s.error_text().c_str());
    QCOMPARE(ex.running(), size_t(0));
    Launch bad_cwd = shell(6, dir, "true");
    bad_cwd.cwd = "/nonexistent/dir";
    s = ex.start(bad_cwd);
    QVERIFY(!s.ok());
    QVERIFY2(s.error_text().find("working directory") != std::string::npos, s.error_text().c_str());
  }

  void idleWaitBlocksAndWakeInterrupts() {
    QTemporaryDir dir;
    LocalExecutor ex;
    QVERIFY(ex.start(shell(7, dir, "sleep 5")).ok());
    const auto t0 = std::chrono::steady_clock::now();
    QVERIFY(ex.wait(300ms).empty());
    QVERIFY(std::chrono::steady_clock::now() - t0 >= 250ms);  // blocked, not spinning
    std::thread waker([&] {
      std::this_thread::sleep_for(100ms);
      ex.wake();
    });
    const auto t1 = std::chrono::steady_clock::now();
    ex.wait(5000ms);
    QVERIFY(std::chrono::steady_clock::now() - t1 < 2s);
    waker.join();
    ex.stop(7, 0ms);
    run_until_exit(ex, 7);
  }
};

QTEST_APPLESS_MAIN(TestLocalExecutor)
#include "test_local_executor.moc"
