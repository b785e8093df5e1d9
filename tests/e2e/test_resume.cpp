// Resume after a real SIGKILL of a running `tunelab run`: no trial lost or duplicated, no result
// lost or stored twice, num_samples exact, random configs identical to an uninterrupted run. A trial
// that restarts from the start keeps one attempt per curve, the killed attempt's results as history.
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

#include <map>
#include <set>
#include <thread>

#include "core/search/random_searcher.h"
#include "core/store/store.h"
#include "support/store_util.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace std::chrono_literals;
using tunelab::test::run_tunelab;
using tunelab::test::stored_results;

namespace {

constexpr int kTrials = 10;
constexpr int kIterations = 30;

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

  void restartWithoutCheckpointKeepsOneAttemptPerCurve() {
    // Each report carries a token drawn once per process: a curve from one process has one token.
    QTemporaryDir dir;
    tunelab::test::write_file(dir.filePath(QStringLiteral("train.py")), R"PY(import json, os, time
cfg = json.loads(os.environ["TUNELAB_CONFIG"])
out = os.fdopen(int(os.environ["TUNELAB_REPORT_FD"]), "w", buffering=1)
token = os.urandom(8).hex()
for i in range(1, int(cfg["iterations"]) + 1):
    time.sleep(float(cfg["sleep_s"]))
    out.write(json.dumps({"score": float(cfg["x"]) + i, "training_iteration": i, "token": token}) + "\n")
)PY");
    const QString spec = dir.filePath(QStringLiteral("spec.json"));
    const Json j = {{"name", "attempts"},
                    {"objective", {{"metric", "score"}, {"mode", "max"}}},
                    {"space", {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}, {"iterations", 20}, {"sleep_s", 0.05}}},
                    {"trainable", {{"command", {"python3", "-S", dir.filePath(QStringLiteral("train.py")).toStdString()}}}},
                    {"num_samples", 1},
                    {"resources_per_trial", {{"cpu", 0.1}}},
                    {"seed", 5}};
    tunelab::test::write_file(spec, j.dump());
    const QString db = dir.filePath(QStringLiteral("study.db"));
    kill_when({QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")}, db, 4, dir.path());
    const size_t before_kill = stored_results(db);
    QVERIFY(before_kill >= 4 && before_kill < 20);
    auto r = run_tunelab({QStringLiteral("resume"), db, QStringLiteral("--quiet")}, dir.path());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));

    // The stored curve: iterations 1 to 20, all from the process that ran after the resume.
    auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    auto trials = *(*store)->load_trials();
    QCOMPARE(trials.size(), size_t(1));
    QCOMPARE(trials[0].status, TrialStatus::Completed);
    QCOMPARE(trials[0].attempts, int64_t(2));
    auto curve = *(*store)->load_results(0);
    QCOMPARE(curve.size(), size_t(20));
    std::set<std::string> tokens;
    for (size_t i = 0; i < curve.size(); ++i) {
      QCOMPARE(curve[i].iteration, int64_t(i + 1));
      tokens.insert(curve[i].metrics.value("token", ""));
    }
    QVERIFY2(tokens.size() == 1, "the stored curve mixes the reports of two processes");
    const std::string current = *tokens.begin();

    // The killed process's reports are history, with their attempt number, in export --attempts.
    auto csv = run_tunelab({QStringLiteral("export"), db, QStringLiteral("--format"), QStringLiteral("csv"),
                            QStringLiteral("--results"), QStringLiteral("--attempts")},
                           dir.path());
    QVERIFY2(csv.exit_code == 0, qPrintable(csv.err));
    QStringList lines = csv.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QVERIFY(!lines.isEmpty());
    const QStringList header = lines.takeFirst().split(QLatin1Char(','));
    const auto col = [&](const char* name) { return header.indexOf(QString::fromLatin1(name)); };
    QVERIFY2(col("attempt") >= 0 && col("superseded") >= 0 && col("token") >= 0 && col("iteration") >= 0,
             qPrintable(header.join(QLatin1Char(','))));
    std::map<std::string, std::vector<int64_t>> by_attempt;  // "attempt/superseded/token" -> iterations
    std::set<std::string> old_tokens;
    for (const QString& line : lines) {
      const QStringList f = line.split(QLatin1Char(','));
      QCOMPARE(f.size(), header.size());
      const std::string token = f[col("token")].toStdString();
      const bool superseded = f[col("superseded")] == QStringLiteral("true");
      QCOMPARE(superseded, token != current);
      QCOMPARE(f[col("attempt")].toInt(), superseded ? 1 : 2);
      if (superseded) old_tokens.insert(token);
      by_attempt[f[col("attempt")].toStdString()].push_back(f[col("iteration")].toLongLong());
    }
    QCOMPARE(old_tokens.size(), size_t(1));  // one earlier process
    QCOMPARE(by_attempt["2"].size(), size_t(20));
    // Everything the killed process reported before the kill, 1 to k, is kept.
    const auto& history = by_attempt["1"];
    QCOMPARE(history.size(), before_kill);
    for (size_t i = 0; i < history.size(); ++i) QCOMPARE(history[i], int64_t(i + 1));
    // Without --attempts, the export is the current curve only.
    auto plain = run_tunelab({QStringLiteral("export"), db, QStringLiteral("--format"), QStringLiteral("csv"),
                              QStringLiteral("--results")},
                             dir.path());
    QVERIFY2(plain.exit_code == 0, qPrintable(plain.err));
    QCOMPARE(plain.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts).size(), 21);
    QVERIFY(!plain.out.contains(QString::fromStdString(*old_tokens.begin())));
  }

  // A relative trainable.cwd is resolved once, against the spec file's folder: the trials of a resumed study
  // (started from another folder) run where the first run's did, not in cwd/cwd.
  void resumedTrialsRunInTheSameRelativeCwd() {
    QTemporaryDir dir;
    QVERIFY(QDir(dir.path()).mkpath(QStringLiteral("project/sub")));
    const QString spec = dir.filePath(QStringLiteral("project/spec.json"));
    const Json j = {{"name", "cwd"},
                    {"objective", {{"metric", "score"}, {"mode", "max"}}},
                    {"space", {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}}},
                    {"trainable", {{"command", "pwd > \"$TUNELAB_TRIAL_DIR/cwd.txt\"; sleep 0.4; "
                                               "echo '{\"score\": 1}' >&$TUNELAB_REPORT_FD"},
                                   {"shell", true}, {"cwd", "sub"}}},
                    {"num_samples", 6},
                    {"max_concurrent", 1},
                    {"resources_per_trial", {{"cpu", 0.1}}}};
    tunelab::test::write_file(spec, j.dump());
    const QString db = dir.filePath(QStringLiteral("out/study.db"));
    kill_when({QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")}, db, 2, dir.path());
    auto r = run_tunelab({QStringLiteral("resume"), db, QStringLiteral("--quiet")}, QDir::rootPath());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    const QString expected = QDir(dir.filePath(QStringLiteral("project/sub"))).canonicalPath();
    int trials = 0;
    for (const QFileInfo& t : QDir(dir.filePath(QStringLiteral("out/study_trials"))).entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot)) {
      QFile f(t.filePath() + QStringLiteral("/cwd.txt"));
      QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(t.filePath()));
      QCOMPARE(QDir(QString::fromUtf8(f.readAll()).trimmed()).canonicalPath(), expected);
      ++trials;
    }
    QCOMPARE(trials, 6);
  }
};

QTEST_GUILESS_MAIN(TestResume)
#include "test_resume.moc"
