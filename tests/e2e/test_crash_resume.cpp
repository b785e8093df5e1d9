// Crash-resume torture, short form: a 30-trial ASHA study of a real (Python) trainable whose engine
// is SIGKILLed at random moments at least ten times and resumed each time. At the end every report
// line a trial process wrote is in the store exactly once with the same values, trial ids are dense
// and unique, num_samples holds exactly, the database passes integrity_check, and the study finished.
// The long form is bench/reliability/torture.py.
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "core/store/store.h"
#include "e2e/crash_resume_support.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

constexpr int kTrials = 30;
constexpr int kIterations = 9;  // ASHA max_t; rungs at 1 and 3
constexpr int kKills = 10;

// Each trial folder's truth.jsonl: iteration -> every line written for it (repeats after a restore).
std::map<int64_t, std::vector<Json>> read_truth(const std::string& trial_dir) {
  std::map<int64_t, std::vector<Json>> out;
  std::ifstream in(trial_dir + "/truth.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Json j = Json::parse(line, nullptr, false);
    if (j.is_discarded()) continue;  // a line cut by SIGKILL while being appended
    out[j["training_iteration"].get<int64_t>()].push_back(j);
  }
  return out;
}

}  // namespace

class TestCrashResume final : public QObject {
  Q_OBJECT
 private slots:
  void killedManyTimes() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const std::string root = dir.path().toStdString();
    std::ofstream(root + "/train.py") << tunelab::test::kTruthTrainable;
    const Json spec = {
        {"name", "torture"},
        {"objective", {{"metric", "score"}, {"mode", "max"}}},
        {"space",
         {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}}, {"iterations", kIterations}, {"sleep_s", 0.15}}},
        {"trainable", {{"command", {"python3", "-S", root + "/train.py"}}}},
        {"scheduler", {{"type", "asha"}, {"max_t", kIterations}, {"grace_period", 1}, {"reduction_factor", 3}}},
        {"num_samples", kTrials},
        {"max_concurrent", 3},
        {"resources_per_trial", {{"cpu", 0.1}}},
        {"seed", 7}};
    std::ofstream(root + "/spec.json") << spec.dump(2);
    const QString db = dir.filePath(QStringLiteral("study.db"));

    const unsigned seed = std::random_device{}();
    qInfo("kill schedule seed %u", seed);
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> delay_ms(50, 900);
    int kills = 0, sessions = 0;
    bool finished_early = false;
    while (kills < kKills) {
      QProcess p;
      p.setWorkingDirectory(dir.path());
      const QStringList args = sessions == 0 ? QStringList{QStringLiteral("run"), dir.filePath(QStringLiteral("spec.json")),
                                                           QStringLiteral("--db"), db, QStringLiteral("--quiet")}
                                             : QStringList{QStringLiteral("resume"), db, QStringLiteral("--quiet")};
      p.start(QStringLiteral(TUNELAB_BIN), args);
      QVERIFY(p.waitForStarted());
      ++sessions;
      if (p.waitForFinished(delay_ms(rng))) {
        // It ended by itself: only a finished study may do that.
        QVERIFY2(p.exitCode() == 0, qPrintable(QString::fromUtf8(p.readAllStandardError())));
        finished_early = true;
        break;
      }
      ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
      QVERIFY(p.waitForFinished());
      ++kills;
      // The database is sound after every kill.
      auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
      if (store) QVERIFY2((*store)->check_integrity().ok(), "integrity_check failed after a kill");
    }
    QVERIFY2(!finished_early, "the study finished before ten kills; make it longer");
    auto last = tunelab::test::run_tunelab({QStringLiteral("resume"), db, QStringLiteral("--quiet")}, dir.path(), 300000);
    QVERIFY2(last.exit_code == 0, qPrintable(last.err + last.out));
    qInfo("%d kills over %d sessions", kills, sessions);

    auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    QVERIFY((*store)->check_integrity().ok());
    auto study = (*store)->load_study();
    QVERIFY(study.ok());
    QCOMPARE(study->status, std::string("completed"));
    auto trials = *(*store)->load_trials();
    auto results = *(*store)->load_results();

    // num_samples exactly; ids dense and each used once; exactly one folder per trial.
    QCOMPARE(trials.size(), size_t(kTrials));
    std::set<std::string> dirs;
    for (size_t i = 0; i < trials.size(); ++i) {
      QCOMPARE(trials[i].id, int64_t(i));
      QVERIFY2(is_finished(trials[i].status), to_string(trials[i].status));
      dirs.insert(trials[i].trial_dir);
    }
    QCOMPARE(dirs.size(), size_t(kTrials));
    size_t folders = 0;
    for (const auto& e : fs::directory_iterator(study->trials_dir)) folders += e.is_directory();
    QCOMPARE(folders, size_t(kTrials));

    std::map<int64_t, std::map<int64_t, Json>> stored;
    for (const auto& r : results) {
      QVERIFY2(stored[r.trial_id].emplace(r.iteration, r.metrics).second, "a result is stored twice");
    }
    const std::set<int64_t> rungs = {1, 3, kIterations};
    int completed = 0, restarted = 0;
    for (const auto& t : trials) {
      const auto truth = read_truth(t.trial_dir);
      const auto& mine = stored[t.id];
      const std::string who = "trial " + std::to_string(t.id);
      QVERIFY2(!mine.empty(), qPrintable(QString::fromStdString(who + " has no results")));
      const int64_t last_it = mine.rbegin()->first;
      // Stored iterations are exactly 1..last, each equal to every line the trial wrote for it.
      QCOMPARE(int64_t(mine.size()), last_it);
      for (const auto& [it, metrics] : mine) {
        QVERIFY2(truth.count(it), qPrintable(QString::fromStdString(who + " stored a line it never wrote")));
        for (const Json& line : truth.at(it)) {
          QVERIFY2(line["tid"] == t.id, qPrintable(QString::fromStdString(who + " holds another trial's line")));
          QVERIFY2(line["score"] == metrics["score"] && line["x"] == metrics["x"] && line["tid"] == metrics["tid"],
                   qPrintable(QString::fromStdString(who + " iteration " + std::to_string(it) + ": stored " +
                                                     metrics.dump() + ", written " + line.dump())));
        }
        QVERIFY(metrics["x"] == t.config["x"]);
      }
      // Lines written but not stored only come after the scheduler ended the trial at a rung.
      QVERIFY2(rungs.count(last_it), qPrintable(QString::fromStdString(who + " ended off a rung")));
      if (last_it == kIterations) {
        ++completed;
        QCOMPARE(t.status, TrialStatus::Completed);
      } else {
        QCOMPARE(t.status, TrialStatus::Stopped);
      }
      restarted += t.attempts > 1;
    }
    // Each scheduler stop was taken at the trial's last stored result and taken once, even when the engine
    // died between storing that result and ending the trial (the resume applies it).
    std::map<int64_t, int> stops;
    const auto decisions = *(*store)->load_decisions();
    for (const auto& d : decisions) {
      if (d.source != "scheduler" || (d.action != "stop" && d.action != "complete")) continue;
      const Json at = d.details.contains("rung") ? d.details["rung"] : d.details["time"];
      const std::string who = "trial " + std::to_string(d.trial_id) + ": " + d.reason;
      QVERIFY2(++stops[d.trial_id] == 1, qPrintable(QString::fromStdString(who + " (a second stop)")));
      QVERIFY2(at == Json(stored[d.trial_id].rbegin()->first),
               qPrintable(QString::fromStdString(who + ", but it ran to " + std::to_string(stored[d.trial_id].rbegin()->first))));
    }
    QVERIFY(completed >= 1);
    QVERIFY(restarted >= 1);  // kills hit running trials, which continued after resume
    // No trial process outlived its engine.
    int strays = 0;
    for (const auto& e : fs::directory_iterator("/proc")) {
      std::ifstream env(e.path() / "environ", std::ios::binary);
      std::string all((std::istreambuf_iterator<char>(env)), std::istreambuf_iterator<char>());
      strays += all.find("TUNELAB_TRIAL_DIR=" + study->trials_dir) != std::string::npos;
    }
    QCOMPARE(strays, 0);
  }
};

QTEST_GUILESS_MAIN(TestCrashResume)
#include "test_crash_resume.moc"
