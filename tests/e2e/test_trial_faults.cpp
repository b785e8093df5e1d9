// Hostile trials: one trial of a study crashes, hangs, floods, lies or escapes; it is recorded with its
// reason while the engine and the other trials carry on. The engine's memory stays small throughout.
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "core/exec/local_executor.h"
#include "core/store/store.h"
#include "e2e/trial_faults_support.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

int processes_with_env(const std::string& marker) {
  int n = 0;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::ifstream env(e.path() / "environ", std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(env)), std::istreambuf_iterator<char>());
    n += all.find(marker) != std::string::npos;
  }
  return n;
}

}  // namespace

class TestTrialFaults final : public QObject {
  Q_OBJECT
 private slots:
  void oneTrialMisbehaves_data() {
    QTest::addColumn<int>("index");
    int i = 0;
    for (const auto& f : tunelab::test::trial_faults("/")) QTest::newRow(f.name) << i++;
  }

  void oneTrialMisbehaves() {
    QFETCH(int, index);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string root = dir.path().toStdString();
    const auto fault = tunelab::test::trial_faults(root)[static_cast<size_t>(index)];
    std::ofstream(root + "/train.sh") << "if [ \"$TUNELAB_TRIAL_ID\" != 1 ]; then\n"
                                         "  echo '{\"score\": 1}' >&3\n  exit 0\nfi\n"
                                      << fault.script;
    std::ofstream(root + "/not-executable.sh") << "#!/bin/sh\nexit 0\n";
    ::chmod((root + "/not-executable.sh").c_str(), 0644);
    const Json command = fault.all ? Json(fault.command) : Json::array({"/bin/sh", root + "/train.sh"});
    const Json spec = {{"name", "faults"},
                       {"objective", {{"metric", "score"}, {"mode", "max"}}},
                       {"space", {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}}},
                       {"trainable", {{"command", command}}},
                       {"num_samples", 3},
                       {"max_concurrent", 3},
                       {"trial_timeout_s", 2},
                       {"resources_per_trial", {{"cpu", 0.1}}},
                       {"seed", 3}};
    std::ofstream(root + "/spec.json") << spec.dump(2);
    const QString db = dir.filePath(QStringLiteral("study.db"));

    QProcess p;
    p.setWorkingDirectory(dir.path());
    const auto started = std::chrono::steady_clock::now();
    p.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("run"), dir.filePath(QStringLiteral("spec.json")),
                                          QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    QVERIFY(p.waitForStarted());
    long peak_kib = 0;
    while (!p.waitForFinished(50)) {
      peak_kib = std::max(peak_kib, test::rss_kib(p.processId()));
      QVERIFY2(std::chrono::steady_clock::now() - started < 90s, "the study did not end");
    }
    QVERIFY2(p.exitStatus() == QProcess::NormalExit, "the engine crashed");
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QVERIFY2(p.exitCode() == (fault.all ? 1 : 0), qPrintable(err));  // 1: every trial failed
    // Reading 100 MB of output (or a report line of 100 MB) never passes through the engine's memory.
    QVERIFY2(peak_kib < 120 * 1024, qPrintable(QStringLiteral("engine RSS peaked at %1 KiB").arg(peak_kib)));

    auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    QVERIFY((*store)->check_integrity().ok());
    auto trials = *(*store)->load_trials();
    QCOMPARE(trials.size(), size_t(3));
    QCOMPARE(std::string(to_string(trials[1].status)), std::string(fault.status));
    std::string said = trials[1].error;
    const auto events = *(*store)->load_events();
    for (const auto& e : events) {
      if (e.trial_id == 1) said += "\n" + e.message;
    }
    QVERIFY2(said.find(fault.reason) != std::string::npos,
             qPrintable(QString::fromStdString("expected \"" + std::string(fault.reason) + "\" in:\n" + said)));
    if (!fault.all) {
      for (int other : {0, 2}) {
        QCOMPARE(trials[static_cast<size_t>(other)].status, TrialStatus::Completed);
        auto results = *(*store)->load_results(other);
        QCOMPARE(results.size(), size_t(1));
        QVERIFY(results[0].metrics["score"] == Json(1));
      }
    }
    if (std::string(fault.status) == "completed") {
      auto results = *(*store)->load_results(1);
      QVERIFY(!results.empty());
      QVERIFY(results.back().metrics["score"] == Json(0.5));  // the last, good report counts
      for (const auto& r : results) QVERIFY(!r.metrics.contains("trial_id"));
    }
    // Logs are capped: at most twice the cap per stream on disk.
    const std::string tdir = trials[1].trial_dir;
    std::error_code ec;
    for (const char* log : {"/stdout.log", "/stderr.log"}) {
      const auto size = fs::file_size(tdir + log, ec);
      const auto rotated = fs::exists(tdir + log + ".1") ? fs::file_size(tdir + log + ".1", ec) : 0;
      QVERIFY2(size + rotated <= 2 * LocalExecutor::kLogCapBytes + (4u << 20), log);
    }
    if (std::string(fault.name) == "100 MB of output") QVERIFY(fs::exists(tdir + "/stdout.log.1"));
    // Nothing a trial started outlives it, even a child in its own session.
    QCOMPARE(processes_with_env("TUNELAB_TRIAL_DIR=" + fs::path(tdir).parent_path().string()), 0);
    // The store reads back as JSON even with invalid UTF-8 in it.
    auto shown = tunelab::test::run_tunelab({QStringLiteral("show"), db, QStringLiteral("--json")});
    QVERIFY2(shown.exit_code == 0, qPrintable(shown.err));
  }

  void floodOfManyKeyReportsStarvesNoOne() {
    // Trial 0 sends report lines of 50,000 keys (0.9 MiB each) for 6 s; trial 1 reports every 0.4 s under a
    // 2 s trial_timeout_s. Each flood line is refused at its 1,001st key, so the engine's loop keeps up and
    // trial 1 completes. (Parsed whole, with a search per key, each line held the loop for seconds, and
    // trial 1 was killed as "no report for 2 s".)
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string root = dir.path().toStdString();
    std::ofstream(root + "/flood.py")
        << "import json, os, time\n"
           "line = (json.dumps({'m%d' % i: i * 0.001 for i in range(50000)}) + '\\n').encode()\n"
           "assert 900000 < len(line) < 1 << 20\n"
           "out = os.fdopen(3, 'wb')\n"
           "end = time.monotonic() + 6\n"
           "while time.monotonic() < end:\n"
           "    out.write(line)\n"
           "    out.flush()\n"
           "    time.sleep(0.05)\n"
           "out.write(b'{\"score\": 0}\\n')\n";
    std::ofstream(root + "/train.sh") << "if [ \"$TUNELAB_TRIAL_ID\" = 0 ]; then exec python3 -S flood.py; fi\n"
                                         "for i in 1 2 3 4 5 6 7 8 9 10 11 12; do\n"
                                         "  echo \"{\\\"score\\\": $i}\" >&3\n  sleep 0.4\ndone\n";
    const Json spec = {{"name", "flood"},
                       {"objective", {{"metric", "score"}, {"mode", "max"}}},
                       {"space", {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}}},
                       {"trainable", {{"command", Json::array({"/bin/sh", root + "/train.sh"})}, {"cwd", root}}},
                       {"num_samples", 2},
                       {"max_concurrent", 2},
                       {"trial_timeout_s", 2},
                       {"resources_per_trial", {{"cpu", 0.1}}},
                       {"seed", 3}};
    std::ofstream(root + "/spec.json") << spec.dump(2);
    const QString db = dir.filePath(QStringLiteral("study.db"));
    const auto r = tunelab::test::run_tunelab(
        {QStringLiteral("run"), dir.filePath(QStringLiteral("spec.json")), QStringLiteral("--db"), db, QStringLiteral("--quiet")},
        dir.path());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));

    auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    const auto trials = *(*store)->load_trials();
    QCOMPARE(trials.size(), size_t(2));
    QVERIFY2(trials[1].status == TrialStatus::Completed, trials[1].error.c_str());
    QCOMPARE((*(*store)->load_results(1)).size(), size_t(12));
    QVERIFY2(trials[0].status == TrialStatus::Completed, trials[0].error.c_str());
    QCOMPARE((*(*store)->load_results(0)).size(), size_t(1));  // only its last, small report
    int refused = 0;
    const auto events = *(*store)->load_events();
    for (const auto& e : events) {
      refused += e.trial_id == 0 && e.kind == "bad_report" && e.message.find("more than 1000 keys") != std::string::npos;
    }
    QVERIFY2(refused >= 10, qPrintable(QStringLiteral("%1 flood lines refused").arg(refused)));
  }
};

QTEST_GUILESS_MAIN(TestTrialFaults)
#include "test_trial_faults.moc"
