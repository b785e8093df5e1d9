// Checkpoint retention belongs to the engine ("checkpoint": {"keep": K}, docs/protocol.md): a trial
// never deletes a checkpoint it reported, so an engine that reads its reports late (here: stopped
// with SIGSTOP for 2 s while a fast trial writes and reports its checkpoints) still finds every one;
// the engine deletes all but the newest K itself; and after the engine is killed, the resumed trial
// restores from a checkpoint that exists and continues with the right state.
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <thread>

#include "core/store/store.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A trainable with a running state (the sum of the iterations so far) kept in its checkpoints, so a
// restore from the wrong checkpoint, or none, shows in the numbers. It never deletes a checkpoint.
const char* kSumTrainable = R"PY(import json, os, time
cfg = json.loads(os.environ["TUNELAB_CONFIG"])
tdir = os.environ["TUNELAB_TRIAL_DIR"]
it, total = 0, 0
restore = os.environ.get("TUNELAB_RESTORE_PATH")
if restore:
    with open(restore) as f:
        state = json.load(f)
    it, total = state["iteration"], state["total"]
    assert it == int(os.environ["TUNELAB_RESTORE_ITERATION"]), "restore iteration mismatch"
out = os.fdopen(int(os.environ["TUNELAB_REPORT_FD"]), "w", buffering=1)
start = it
for i in range(start + 1, int(cfg["iterations"]) + 1):
    time.sleep(float(cfg["sleep_s"]))
    total += i
    ck = "checkpoint-%d.json" % i
    with open(os.path.join(tdir, ck + ".tmp"), "w") as f:
        json.dump({"iteration": i, "total": total}, f)
    os.rename(os.path.join(tdir, ck + ".tmp"), os.path.join(tdir, ck))
    out.write(json.dumps({"total": total, "training_iteration": i, "restored_from": start, "_checkpoint": ck}) + "\n")
)PY";

// The iterations of the trial's own checkpoint files (checkpoint-N.*) in `trial_dir`.
std::set<int64_t> own_checkpoints(const std::string& trial_dir) {
  static const std::regex name(R"(checkpoint-(\d+)\.(txt|json))");
  std::set<int64_t> out;
  for (const auto& e : fs::directory_iterator(trial_dir)) {
    std::smatch m;
    const std::string f = e.path().filename().string();
    if (std::regex_match(f, m, name)) out.insert(std::stoll(m[1]));
  }
  return out;
}

// The iterations pinned under <trial_dir>/.checkpoints.
std::set<int64_t> pins(const std::string& trial_dir) {
  std::set<int64_t> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(trial_dir) / ".checkpoints", ec)) {
    out.insert(std::stoll(e.path().filename().string()));
  }
  return out;
}

// Waits until a file matching `name` appears anywhere under `root`.
bool wait_for_file(const std::string& root, const std::string& name, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (it->path().filename() == name) return true;
    }
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// Events that say a reported checkpoint was missing.
QStringList missing_checkpoint_events(Store& store) {
  QStringList out;
  const std::vector<EventRecord> events = *store.load_events();
  for (const auto& e : events) {
    if (e.message.find("does not exist") != std::string::npos || e.kind == "checkpoint_failed") {
      out << QString::fromStdString(e.kind + ": " + e.message);
    }
  }
  return out;
}

// SIGSTOP for `stopped`, then SIGCONT: the engine reads nothing meanwhile while the trial goes on.
void stop_engine_for(const QProcess& p, std::chrono::milliseconds stopped) {
  ::kill(static_cast<pid_t>(p.processId()), SIGSTOP);
  std::this_thread::sleep_for(stopped);
  ::kill(static_cast<pid_t>(p.processId()), SIGCONT);
}

// The study's one trial, once no event says a checkpoint was missing; an empty result with `why` otherwise.
std::optional<TrialRecord> only_trial(const QString& db, QString* why) {
  auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
  if (!store) {
    *why = QString::fromStdString(store.error_text());
    return std::nullopt;
  }
  const QStringList missing = missing_checkpoint_events(**store);
  auto trials = (*store)->load_trials();
  if (!missing.isEmpty()) *why = missing.join(QStringLiteral("\n"));
  else if (!trials || trials->size() != 1) *why = QStringLiteral("the study should hold exactly one trial");
  if (!why->isEmpty()) return std::nullopt;
  return (*trials)[0];
}

void start_engine(QProcess& p, const QTemporaryDir& dir, const QStringList& args) {
  p.setWorkingDirectory(dir.path());
  p.start(QStringLiteral(TUNELAB_BIN), args);
}

}  // namespace

class TestCheckpointKeep final : public QObject {
  Q_OBJECT
 private slots:
  // The built-in synthetic trainable reports 50 checkpoints while the engine is stopped: all are
  // found when it continues, and only the newest K are left, pinned and in the trial's folder.
  void engineStoppedWhileTrialReports_data() {
    QTest::addColumn<int>("keep");  // 0: no "checkpoint" block (the default, 2)
    QTest::newRow("default") << 0;
    QTest::newRow("keep 3") << 3;
    QTest::newRow("keep 1") << 1;
  }
  void engineStoppedWhileTrialReports() {
    QFETCH(int, keep);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string root = dir.path().toStdString();
    Json spec = test::synthetic_spec(
        {{"space", {{"x", 0.5}, {"iterations", 50}, {"sleep_s", 0.02}, {"checkpoint", true}}}, {"num_samples", 1}});
    if (keep > 0) spec["checkpoint"] = {{"keep", keep}};
    std::ofstream(root + "/spec.json") << spec.dump(2);
    const QString db = dir.filePath(QStringLiteral("study.db"));
    QProcess p;
    start_engine(p, dir, {QStringLiteral("run"), dir.filePath(QStringLiteral("spec.json")), QStringLiteral("--db"), db,
                          QStringLiteral("--quiet")});
    QVERIFY(p.waitForStarted());
    QVERIFY2(wait_for_file(root, "checkpoint-3.txt", 20s), "the trial never wrote its third checkpoint");
    stop_engine_for(p, 2s);  // the trial writes and reports the rest meanwhile
    QVERIFY(p.waitForFinished(60000));
    QVERIFY2(p.exitCode() == 0, qPrintable(QString::fromUtf8(p.readAllStandardError())));

    QString why;
    const auto trial = only_trial(db, &why);
    QVERIFY2(trial, qPrintable(why));
    const TrialRecord& t = *trial;
    QCOMPARE(t.status, TrialStatus::Completed);
    QCOMPARE(t.last_iteration, int64_t(50));
    QCOMPARE(t.checkpoint_iteration, int64_t(50));
    QVERIFY2(fs::exists(t.checkpoint), t.checkpoint.c_str());
    // Only the newest K are left: the engine's pins and the trial's own files alike.
    std::set<int64_t> newest;
    for (int64_t i = 50; i > 50 - (keep > 0 ? keep : 2); --i) newest.insert(i);
    QCOMPARE(pins(t.trial_dir), newest);
    QCOMPARE(own_checkpoints(t.trial_dir), newest);
  }

  // The engine is stopped, then killed, while a trial checkpoints; on resume the trial restores from
  // a checkpoint that exists and its stored curve is what one uninterrupted run computes.
  void engineKilledThenResumed() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string root = dir.path().toStdString();
    std::ofstream(root + "/train.py") << kSumTrainable;
    constexpr int kIterations = 300;
    const Json spec = {{"name", "keep"},
                       {"objective", {{"metric", "total"}, {"mode", "max"}}},
                       {"space", {{"iterations", kIterations}, {"sleep_s", 0.01}}},
                       {"trainable", {{"command", {"python3", "-S", root + "/train.py"}}}},
                       {"num_samples", 1},
                       {"resources_per_trial", {{"cpu", 0.1}}},
                       {"seed", 3}};  // "checkpoint" left out: keep 2
    std::ofstream(root + "/spec.json") << spec.dump(2);
    const QString db = dir.filePath(QStringLiteral("study.db"));
    {
      QProcess p;
      start_engine(p, dir, {QStringLiteral("run"), dir.filePath(QStringLiteral("spec.json")), QStringLiteral("--db"),
                            db, QStringLiteral("--quiet")});
      QVERIFY(p.waitForStarted());
      QVERIFY2(wait_for_file(root, "checkpoint-20.json", 30s), "the trial never wrote its 20th checkpoint");
      stop_engine_for(p, 2s);
      std::this_thread::sleep_for(300ms);
      ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
      QVERIFY(p.waitForFinished());
    }
    auto last = test::run_tunelab({QStringLiteral("resume"), db, QStringLiteral("--quiet")}, dir.path(), 120000);
    QVERIFY2(last.exit_code == 0, qPrintable(last.err + last.out));

    QString why;
    const auto trial = only_trial(db, &why);
    QVERIFY2(trial, qPrintable(why));
    const TrialRecord& t = *trial;
    auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    QVERIFY2(t.status == TrialStatus::Completed, qPrintable(QString::fromStdString(t.error)));
    QCOMPARE(t.attempts, int64_t(2));
    // It restarted from a checkpoint, not from the start.
    int64_t restored_from = -1;
    const std::vector<EventRecord> events = *(*store)->load_events();
    for (const auto& e : events) {
      if (e.kind != "restarted") continue;
      static const std::regex at(R"(from checkpoint at iteration (\d+))");
      std::smatch m;
      QVERIFY2(std::regex_search(e.message, m, at), e.message.c_str());
      restored_from = std::stoll(m[1]);
    }
    QVERIFY2(restored_from >= 20, qPrintable(QStringLiteral("restored from %1").arg(restored_from)));
    // The curve is complete and right: a wrong or missing restore would put a wrong total in it.
    const auto results = *(*store)->load_results(t.id);
    QCOMPARE(results.size(), size_t(kIterations));
    for (const auto& r : results) {
      QCOMPARE(r.metrics["total"].get<int64_t>(), r.iteration * (r.iteration + 1) / 2);
    }
    QCOMPARE(results.back().metrics["restored_from"].get<int64_t>(), restored_from);
    // The engine deleted what it no longer keeps: 2 pins, and of the trial's own files the newest two
    // and at most the few it held or skipped around the kill (their sources are not known after it).
    const std::set<int64_t> newest = {kIterations - 1, kIterations};
    QString pinned;
    for (int64_t i : pins(t.trial_dir)) pinned += QString::number(i) + QLatin1Char(' ');
    QVERIFY2(pins(t.trial_dir) == newest, qPrintable(QStringLiteral("pins left: %1(restored from %2)").arg(pinned).arg(restored_from)));
    const std::set<int64_t> own = own_checkpoints(t.trial_dir);
    for (int64_t i : newest) QVERIFY(own.count(i));
    QString left;
    for (int64_t i : own) left += QString::number(i) + QLatin1Char(' ');
    qInfo("checkpoint files left: %s(restored from %lld)", qPrintable(left), static_cast<long long>(restored_from));
    QVERIFY2(own.size() <= 12, qPrintable(QStringLiteral("checkpoint files left: %1(restored from %2)").arg(left).arg(restored_from)));
    for (int64_t i : own) {
      QVERIFY2(i >= kIterations - 1 || std::abs(i - restored_from) <= 10,
               qPrintable(QStringLiteral("checkpoint-%1 left (restored from %2)").arg(i).arg(restored_from)));
    }
  }
};

QTEST_GUILESS_MAIN(TestCheckpointKeep)
#include "test_checkpoint_keep.moc"
