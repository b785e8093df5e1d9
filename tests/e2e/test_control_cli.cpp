// The control verbs against a real `tunelab run` process: stop, pause, resume, set, add and clone act on the
// running engine through the study database and print its outcome; a stopped trial's process really ends;
// refusals (an ended trial, a bad config, no engine, a read-only database) are clear and change nothing.
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <functional>
#include <thread>

#include "core/store/store.h"
#include "support/test_util.h"
#include "support/store_util.h"

using namespace tunelab;
using test::trial;
using test::trials_of;
using namespace std::chrono_literals;
using tunelab::test::run_tunelab;

namespace {

void write_spec(const QString& path, int samples, int max_concurrent) {
  test::write_file(path, R"({
    "name": "control", "objective": {"metric": "score", "mode": "max"},
    "space": {"x": {"type": "float", "low": 0, "high": 1}, "iterations": 600, "sleep_s": 0.05, "checkpoint": true},
    "trainable": {"builtin": "synthetic"},
    "num_samples": )" + std::to_string(samples) + R"(, "max_concurrent": )" + std::to_string(max_concurrent) + R"(,
    "resources_per_trial": {"cpu": 0.1}, "seed": 3})");
}

bool wait_until(const std::function<bool()>& f, std::chrono::milliseconds timeout) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (!f()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

int64_t sql_count(const QString& db, const char* query) {
  sqlite3* h = nullptr;
  sqlite3_open_v2(db.toUtf8().constData(), &h, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, query, -1, &st, nullptr);
  const int64_t n = st && sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(h);
  return n;
}

// A `tunelab run` of a slow study in `dir`, ended (interrupted) when the test is done with it.
struct RunningStudy {
  QProcess p;
  QString db;
  explicit RunningStudy(const QTemporaryDir& dir, int samples = 3, int max_concurrent = 2) {
    const QString spec = dir.filePath(QStringLiteral("spec.json"));
    db = dir.filePath(QStringLiteral("study.db"));
    write_spec(spec, samples, max_concurrent);
    p.setWorkingDirectory(dir.path());
    p.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    p.waitForStarted();
  }
  bool running_trials(int n) {
    return wait_until([&] {
      int r = 0;
      for (const auto& t : trials_of(db)) r += t.status == TrialStatus::Running && t.last_iteration >= 1;
      return r >= n;
    }, 30s);
  }
  ~RunningStudy() {
    if (p.state() != QProcess::NotRunning) {
      ::kill(static_cast<pid_t>(p.processId()), SIGINT);
      if (!p.waitForFinished(30000)) p.kill();
    }
    p.waitForFinished();
  }
};

// A fake Slurm on PATH: sbatch runs the batch script at once in its own session and prints a job id, squeue
// lists the jobs whose process is alive, scancel signals the job's process group (and logs each call), sacct
// fails (no accounting).
QString fake_slurm(const QTemporaryDir& dir) {
  const QString bin = dir.filePath(QStringLiteral("fakebin"));
  QDir().mkpath(bin);
  const std::string jobs = dir.filePath(QStringLiteral("jobs")).toStdString();
  QDir().mkpath(QString::fromStdString(jobs));
  auto script = [&](const char* name, const std::string& body) {
    const QString path = bin + QStringLiteral("/") + QString::fromLatin1(name);
    test::write_file(path, "#!/bin/sh\njobs='" + jobs + "'\n" + body);
    ::chmod(path.toUtf8().constData(), 0755);
  };
  script("sbatch",
         "for a; do last=$a; done\n"
         "n=$(( $(cat \"$jobs/next\" 2>/dev/null || echo 100) + 1 )); echo $n >\"$jobs/next\"\n"
         "setsid sh \"$last\" >/dev/null 2>&1 </dev/null &\n"
         "echo $! >\"$jobs/$n\"\necho $n\n");
  script("squeue",
         "for a; do case $a in --jobs=*) ids=${a#--jobs=};; esac; done\n"
         "for j in $(echo \"$ids\" | tr , ' '); do\n"
         "  pid=$(cat \"$jobs/$j\" 2>/dev/null) && kill -0 \"$pid\" 2>/dev/null && echo \"$j|RUNNING\"\n"
         "done\nexit 0\n");
  script("scancel",
         "echo \"scancel $*\" >>\"$jobs/scancel.log\"\nsig=KILL\n"
         "for a; do case $a in --signal=*) sig=${a#--signal=};; --*) ;; *) job=$a;; esac; done\n"
         "pid=$(cat \"$jobs/$job\") && kill -s \"$sig\" -- -\"$pid\" 2>/dev/null\nexit 0\n");
  script("sacct", "exit 1\n");
  return bin;
}

}  // namespace

class TestControlCli final : public QObject {
  Q_OBJECT
 private slots:
  void stopATrialEndsItsProcess() {
    QTemporaryDir dir;
    RunningStudy s(dir);
    QVERIFY(s.running_trials(2));
    const int64_t pgid = trial(s.db, 0)->pgid;
    QVERIFY(pgid > 0);
    QVERIFY(::kill(static_cast<pid_t>(-pgid), 0) == 0);
    auto r = run_tunelab({QStringLiteral("stop"), s.db, QStringLiteral("--trial"), QStringLiteral("0")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    QCOMPARE(r.out.trimmed(), QStringLiteral("applied: trial 0 stopped"));
    QVERIFY(wait_until([&] { return trial(s.db, 0)->status == TrialStatus::Stopped; }, 10s));
    QVERIFY(wait_until([&] { return ::kill(static_cast<pid_t>(-pgid), 0) != 0; }, 5s));  // the process group is gone
    QCOMPARE(sql_count(s.db, "SELECT COUNT(*) FROM decisions WHERE trial_id = 0 AND source = 'user' AND action = 'stop'"), int64_t(1));
    // Stopping it again: it already ended; nothing is written.
    const int64_t before = sql_count(s.db, "SELECT COUNT(*) FROM commands");
    auto again = run_tunelab({QStringLiteral("stop"), s.db, QStringLiteral("--trial"), QStringLiteral("0")});
    QCOMPARE(again.exit_code, 1);
    QVERIFY2(again.err.contains(QStringLiteral("trial 0: already ended (stopped)")), qPrintable(again.err));
    QCOMPARE(sql_count(s.db, "SELECT COUNT(*) FROM commands"), before);
    auto unknown = run_tunelab({QStringLiteral("pause"), s.db, QStringLiteral("--trial"), QStringLiteral("77")});
    QCOMPARE(unknown.exit_code, 1);
    QVERIFY2(unknown.err.contains(QStringLiteral("trial 77: no such trial")), qPrintable(unknown.err));
  }

  void pauseAndResumeATrialAndTheStudy() {
    QTemporaryDir dir;
    RunningStudy s(dir, 3, 3);  // every trial has a slot: a resumed trial restarts at once
    QVERIFY(s.running_trials(3));
    auto r = run_tunelab({QStringLiteral("pause"), s.db, QStringLiteral("--trial"), QStringLiteral("1")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    QCOMPARE(r.out.trimmed(), QStringLiteral("applied: trial 1 paused"));
    QVERIFY(wait_until([&] { auto t = trial(s.db, 1); return t->status == TrialStatus::Paused && t->held; }, 10s));
    const int64_t paused_at = trial(s.db, 1)->last_iteration;
    r = run_tunelab({QStringLiteral("resume"), s.db, QStringLiteral("--trial"), QStringLiteral("1")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    QCOMPARE(r.out.trimmed(), QStringLiteral("applied: trial 1 resumed"));
    QVERIFY(wait_until([&] { auto t = trial(s.db, 1); return t->status == TrialStatus::Running && t->last_iteration > paused_at; }, 20s));

    r = run_tunelab({QStringLiteral("pause"), s.db});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    QCOMPARE(r.out.trimmed(), QStringLiteral("applied: study paused"));
    QVERIFY(wait_until([&] {
      for (const auto& t : trials_of(s.db)) {
        if (t.status == TrialStatus::Running) return false;
      }
      return true;
    }, 10s));
    r = run_tunelab({QStringLiteral("pause"), s.db});
    QCOMPARE(r.exit_code, 1);
    QCOMPARE(r.err.trimmed(), QStringLiteral("refused: the study is already paused"));
    // A bare `resume DB` while the engine runs resumes the paused study.
    r = run_tunelab({QStringLiteral("resume"), s.db});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    QCOMPARE(r.out.trimmed(), QStringLiteral("applied: study resumed"));
    QVERIFY(s.running_trials(1));
    r = run_tunelab({QStringLiteral("stop"), s.db});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    QCOMPARE(r.out.trimmed(), QStringLiteral("applied: study stopped"));
    QVERIFY(s.p.waitForFinished(20000));
    QCOMPARE(QString::fromStdString((*(*Store::open(s.db.toStdString(), Store::Mode::ReadOnly))->load_study()).status),
             QStringLiteral("stopped"));
    QCOMPARE(test::processes_left(dir.path().toStdString()), 0);
  }

  void setAddAndClone() {
    QTemporaryDir dir;
    RunningStudy s(dir, 3, 1);
    QVERIFY(s.running_trials(1));
    auto r = run_tunelab({QStringLiteral("set"), s.db, QStringLiteral("--max-concurrent"), QStringLiteral("3")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    QCOMPARE(r.out.trimmed(), QStringLiteral("applied: max_concurrent set to 3"));
    QVERIFY(s.running_trials(3));

    // A bad config: a clear error naming the key, and nothing changes.
    const int64_t commands = sql_count(s.db, "SELECT COUNT(*) FROM commands");
    r = run_tunelab({QStringLiteral("add"), s.db, QStringLiteral("--config"),
                     QStringLiteral(R"({"x": 7, "iterations": 600, "sleep_s": 0.05, "checkpoint": true})")});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains(QStringLiteral("config.x")), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("nothing was sent")), qPrintable(r.err));
    QCOMPARE(sql_count(s.db, "SELECT COUNT(*) FROM commands"), commands);
    QCOMPARE(trials_of(s.db).size(), size_t(3));
    r = run_tunelab({QStringLiteral("add"), s.db, QStringLiteral("--config"), QStringLiteral("{not json")});
    QCOMPARE(r.exit_code, 2);

    r = run_tunelab({QStringLiteral("add"), s.db, QStringLiteral("--config"),
                     QStringLiteral(R"({"x": 0.5, "iterations": 600, "sleep_s": 0.05, "checkpoint": true})")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    QCOMPARE(r.out.trimmed(), QStringLiteral("applied: trial 3 added"));
    r = run_tunelab({QStringLiteral("clone"), s.db, QStringLiteral("--trial"), QStringLiteral("0"), QStringLiteral("--set"),
                     QStringLiteral("x=0.125")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    QCOMPARE(r.out.trimmed(), QStringLiteral("applied: trial 4 added (a clone of trial 0)"));
    QVERIFY(wait_until([&] { return trials_of(s.db).size() == 5; }, 10s));
    auto added = *trial(s.db, 3), cloned = *trial(s.db, 4);
    QCOMPARE(added.config["x"].get<double>(), 0.5);
    QCOMPARE(added.origin, std::string("user"));
    QCOMPARE(cloned.config["x"].get<double>(), 0.125);
    QCOMPARE(cloned.parent_id, std::optional<int64_t>(0));
    r = run_tunelab({QStringLiteral("clone"), s.db, QStringLiteral("--trial"), QStringLiteral("0"), QStringLiteral("--set"),
                     QStringLiteral("depth=3")});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains(QStringLiteral("config.depth")), qPrintable(r.err));
  }

  void twoCommandsAtOnce() {
    QTemporaryDir dir;
    RunningStudy s(dir);
    QVERIFY(s.running_trials(2));
    QProcess a, b;
    // --no-wait: each only writes its command; both are applied.
    a.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("stop"), s.db, QStringLiteral("--trial"), QStringLiteral("0"), QStringLiteral("--no-wait")});
    b.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("stop"), s.db, QStringLiteral("--trial"), QStringLiteral("1"), QStringLiteral("--no-wait")});
    QVERIFY(a.waitForFinished(20000) && b.waitForFinished(20000));
    QCOMPARE(a.exitCode(), 0);
    QCOMPARE(b.exitCode(), 0);
    QVERIFY(QString::fromUtf8(a.readAllStandardOutput()).startsWith(QStringLiteral("sent: command ")));
    QVERIFY(wait_until([&] { return trial(s.db, 0)->status == TrialStatus::Stopped && trial(s.db, 1)->status == TrialStatus::Stopped; }, 10s));
    QVERIFY(wait_until([&] { return sql_count(s.db, "SELECT COUNT(*) FROM commands WHERE state = 'applied'") == 2; }, 5s));
    // Applied in the order written.
    QCOMPARE(sql_count(s.db, "SELECT COUNT(*) FROM commands c1, commands c2 WHERE c1.id < c2.id AND c1.done_ts > c2.done_ts"),
             int64_t(0));
  }

  void noEngineRunning() {
    QTemporaryDir dir;
    {
      RunningStudy s(dir, 1, 1);
      QVERIFY(s.running_trials(1));
    }  // interrupted: resumable, no engine
    const QString db = dir.filePath(QStringLiteral("study.db"));
    auto r = run_tunelab({QStringLiteral("stop"), db, QStringLiteral("--trial"), QStringLiteral("0")});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains(QStringLiteral("no engine is running this study")), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("tunelab resume ")), qPrintable(r.err));
    r = run_tunelab({QStringLiteral("resume"), db, QStringLiteral("--trial"), QStringLiteral("0")});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains(QStringLiteral("trial 0 was not resumed")), qPrintable(r.err));
    QCOMPARE(sql_count(db, "SELECT COUNT(*) FROM commands"), int64_t(0));
    QCOMPARE(trial(db, 0)->status, TrialStatus::Pending);
    // Not a study.
    const QString text = dir.filePath(QStringLiteral("notes.db"));
    test::write_file(text, "hello, this is not a database, it is a text file of some length\n");
    r = run_tunelab({QStringLiteral("stop"), text});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains(QStringLiteral("not")), qPrintable(r.err));
    // Usage errors.
    r = run_tunelab({QStringLiteral("set"), db});
    QCOMPARE(r.exit_code, 2);
    r = run_tunelab({QStringLiteral("clone"), db});
    QCOMPARE(r.exit_code, 2);
  }

  // An engine killed a moment ago can still look alive: a trial it was starting holds the study's lock until that
  // trial execs. A bare `tunelab resume DB` sent its command to that engine and was refused, "no engine is running".
  // Here a process holds the lock for 1.5 s, as such a trial would: resume waits for the command, sees the engine
  // gone, and starts one itself.
  void bareResumeStartsAnEngineWhenTheOneSeenIsGone() {
    QTemporaryDir dir;
    {
      RunningStudy s(dir, 1, 1);
      QVERIFY(s.running_trials(1));
    }  // interrupted: resumable, no engine
    const QString db = dir.filePath(QStringLiteral("study.db"));
    QProcess holder;
    holder.start(QStringLiteral("python3"),
                 {QStringLiteral("-c"),
                  QStringLiteral("import fcntl, os, struct, sys, time\n"
                                 "fd = os.open(sys.argv[1], os.O_RDWR)\n"
                                 "fcntl.fcntl(fd, fcntl.F_OFD_SETLK, struct.pack('hh4xqqi4x', fcntl.F_WRLCK, 0, 1 << 62, 1, 0))\n"
                                 "print('locked', flush=True)\n"
                                 "time.sleep(1.5)\n"),
                  db});
    QVERIFY(holder.waitForReadyRead(10000));
    QCOMPARE(holder.readAllStandardOutput().trimmed(), QByteArray("locked"));
    QProcess resume;
    resume.setWorkingDirectory(dir.path());
    resume.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("resume"), db, QStringLiteral("--quiet")});
    QVERIFY(resume.waitForStarted());
    QVERIFY(holder.waitForFinished(10000));
    // The engine it started runs the trial again.
    QVERIFY2(wait_until([&] { return trial(db, 0) && trial(db, 0)->status == TrialStatus::Running; }, 30s),
             resume.readAllStandardError().constData());
    QCOMPARE(resume.state(), QProcess::Running);
    QCOMPARE(sql_count(db, "SELECT COUNT(*) FROM commands WHERE state = 'refused'"), int64_t(1));
    ::kill(static_cast<pid_t>(resume.processId()), SIGINT);
    QVERIFY(resume.waitForFinished(30000));
  }

  void readOnlyDatabase() {
    QTemporaryDir dir;
    const QString sub = dir.filePath(QStringLiteral("ro"));
    QDir().mkpath(sub);
    const QString spec = dir.filePath(QStringLiteral("spec.json"));
    const QString db = QString(sub + QStringLiteral("/study.db"));
    write_spec(spec, 1, 1);
    QProcess p;
    p.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    QVERIFY(p.waitForStarted());
    QVERIFY(wait_until([&] { auto t = trial(db, 0); return t && t->last_iteration >= 1; }, 30s));
    bool mounted = false;
    const QByteArray mnt = sub.toUtf8();
    if (::geteuid() != 0) {
      ::chmod(db.toUtf8().constData(), 0444);
    } else if (::mount(mnt.constData(), mnt.constData(), nullptr, MS_BIND, nullptr) == 0) {
      mounted = ::mount(nullptr, mnt.constData(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) == 0;
      if (!mounted) ::umount2(mnt.constData(), MNT_DETACH);
    }
    test::RunResult r;
    if (mounted || ::geteuid() != 0) r = run_tunelab({QStringLiteral("stop"), db, QStringLiteral("--trial"), QStringLiteral("0")});
    if (mounted) ::umount2(mnt.constData(), MNT_DETACH);
    ::kill(static_cast<pid_t>(p.processId()), SIGINT);
    p.waitForFinished(30000);
    if (!mounted && ::geteuid() == 0) QSKIP("running as root without mount: a read-only file cannot be made");
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains(QStringLiteral("read-only")), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("who may write its database file")), qPrintable(r.err));
    QCOMPARE(sql_count(db, "SELECT COUNT(*) FROM commands"), int64_t(0));
  }
  void slurmStudyStopCancelsTheJob() {
    QTemporaryDir dir;
    const QString bin = fake_slurm(dir);
    const QString spec = dir.filePath(QStringLiteral("spec.json"));
    const QString db = dir.filePath(QStringLiteral("study.db"));
    test::write_file(spec, R"({
      "name": "slurm-control", "objective": {"metric": "score", "mode": "max"},
      "space": {"x": {"type": "float", "low": 0, "high": 1}, "iterations": 600, "sleep_s": 0.05, "checkpoint": true},
      "trainable": {"builtin": "synthetic"}, "executor": {"type": "slurm", "poll_s": 0.2},
      "num_samples": 2, "max_concurrent": 2, "seed": 3})");
    QProcess engine;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("PATH"), bin + QStringLiteral(":") + env.value(QStringLiteral("PATH")));
    engine.setProcessEnvironment(env);
    engine.setWorkingDirectory(dir.path());
    engine.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    QVERIFY(engine.waitForStarted());
    QVERIFY(wait_until([&] { auto t = trial(db, 0); return t && !t->executor_job.empty() && t->last_iteration >= 1; }, 30s));
    const std::string job = trial(db, 0)->executor_job;
    // The control verb runs without the fake Slurm on its PATH: only the engine talks to Slurm.
    auto r = run_tunelab({QStringLiteral("stop"), db, QStringLiteral("--trial"), QStringLiteral("0")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    QCOMPARE(r.out.trimmed(), QStringLiteral("applied: trial 0 stopped"));
    QVERIFY(wait_until([&] { return trial(db, 0)->status == TrialStatus::Stopped; }, 15s));
    std::ifstream log(dir.filePath(QStringLiteral("jobs/scancel.log")).toStdString());
    const std::string calls((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    QVERIFY2(calls.find("scancel --signal=TERM --full " + job) != std::string::npos, calls.c_str());
    QCOMPARE(trial(db, 1)->status, TrialStatus::Running);  // the other job runs on
    ::kill(static_cast<pid_t>(engine.processId()), SIGINT);
    QVERIFY(engine.waitForFinished(30000));
  }
};

QTEST_GUILESS_MAIN(TestControlCli)
#include "test_control_cli.moc"
