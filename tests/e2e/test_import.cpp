// `tunelab import` end to end: both kinds, the listing of an Optuna storage's studies, the metric and mode
// questions, every bad input, re-importing a Ray experiment imported mid-run, and what an imported study
// is for: show, export, replay and resume.
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/test_util.h"

using namespace tunelab;
using namespace tunelab::test;
namespace fs = std::filesystem;

namespace {

QString S(const std::string& s) { return QString::fromStdString(s); }
const std::string kData = std::string(TUNELAB_TEST_DATA) + "/import";

Json show_json(const QString& db) {
  auto r = run_tunelab({QStringLiteral("show"), db, QStringLiteral("--json")});
  if (r.exit_code != 0) qFatal("show failed: %s", qPrintable(r.err));
  return Json::parse(r.out.toStdString());
}

int64_t results_count(const QString& db) {
  sqlite3* h = nullptr;
  sqlite3_open(db.toStdString().c_str(), &h);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(h, "SELECT COUNT(*), COUNT(DISTINCT trial_id || '/' || iteration) FROM results", -1, &st, nullptr);
  sqlite3_step(st);
  const int64_t n = sqlite3_column_int64(st, 0), distinct = sqlite3_column_int64(st, 1);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return n == distinct ? n : -1;
}

RunResult import(const QStringList& args) { return run_tunelab(QStringList{QStringLiteral("import")} + args); }

}  // namespace

class ImportCli final : public QObject {
  Q_OBJECT
 private slots:
  void rayExperiment() {
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("asha.db"));
    const QString exp = S(kData + "/ray/asha_nested");
    // Ray recorded the metric, not the mode.
    auto no_mode = import({exp, QStringLiteral("--db"), db});
    QCOMPARE(no_mode.exit_code, 1);
    QVERIFY2(no_mode.err.contains(QStringLiteral("give --mode max|min")), qPrintable(no_mode.err));
    QVERIFY(!QFile::exists(db));
    auto r = import({exp, QStringLiteral("--db"), db, QStringLiteral("--mode"), QStringLiteral("min")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains(QStringLiteral("Imported 4 trials (13 results)")));
    const Json j = show_json(db);
    QCOMPARE(j["trials"].size(), size_t(4));
    QCOMPARE(QString::fromStdString(j["study"]["origin"]["kind"].get<std::string>()), QStringLiteral("ray"));
    // One trial in full, with Ray's id and folder as attributes.
    auto t = run_tunelab({QStringLiteral("show"), db, QStringLiteral("--trial"), QStringLiteral("3")});
    QCOMPARE(t.exit_code, 0);
    QVERIFY2(t.out.contains(QStringLiteral("ray.trial_id = 8b0ac_00003")), qPrintable(t.out));
    QVERIFY(t.out.contains(QStringLiteral("ray.status = ERROR")));
    QVERIFY(t.out.contains(QStringLiteral("diverged: loss is nan at step 2")));
    // Export and replay work on it.
    auto e = run_tunelab({QStringLiteral("export"), db, QStringLiteral("--format"), QStringLiteral("csv")});
    QCOMPARE(e.exit_code, 0);
    QVERIFY(e.out.contains(QStringLiteral("config.optim.lr")));
    auto rp = run_tunelab({QStringLiteral("replay"), db, QStringLiteral("--scheduler"),
                           QStringLiteral(R"({"type":"asha","max_t":8,"grace_period":1,"reduction_factor":2})")});
    QVERIFY2(rp.exit_code == 0, qPrintable(rp.err));
    QVERIFY(rp.out.contains(QStringLiteral("Replayed 4 trials")));
    // HyperBand pauses trials at the end of their (short) recorded curves and resumes them later.
    auto hb = run_tunelab({QStringLiteral("replay"), db, QStringLiteral("--scheduler"),
                           QStringLiteral(R"({"type":"hyperband","max_t":8,"reduction_factor":2})")});
    QVERIFY2(hb.exit_code == 0, qPrintable(hb.err));
    QVERIFY(hb.out.contains(QStringLiteral("Replayed 4 trials")));
  }

  void metricMissingListsTheMetrics() {
    QTemporaryDir dir;
    const std::string exp = dir.filePath(QStringLiteral("exp")).toStdString();
    fs::copy(kData + "/ray/asha_nested", exp, fs::copy_options::recursive);
    for (const auto& e : fs::directory_iterator(exp)) {
      if (e.path().filename().string().rfind("experiment_state", 0) == 0) fs::remove(e.path());
    }
    auto r = import({S(exp), QStringLiteral("--db"), dir.filePath(QStringLiteral("x.db"))});
    QCOMPARE(r.exit_code, 1);
    QVERIFY2(r.err.contains(QStringLiteral("give --metric M --mode max|min (metrics found: acc, layers_seen, loss")), qPrintable(r.err));
  }

  void optunaStorage() {
    QTemporaryDir dir;
    const QString storage = S("sqlite:///" + kData + "/optuna.db");
    // Several studies and no --study: listed, nothing written.
    const QString db = dir.filePath(QStringLiteral("o.db"));
    auto list = import({storage, QStringLiteral("--db"), db});
    QCOMPARE(list.exit_code, 2);
    QVERIFY(list.out.contains(QStringLiteral("holds 3 Optuna studies")));
    for (const char* name : {"tpe_cond", "two_obj", "empty"}) QVERIFY(list.out.contains(QString::fromUtf8(name)));
    QVERIFY(!QFile::exists(db));
    auto r = import({storage, QStringLiteral("--db"), db, QStringLiteral("--study"), QStringLiteral("two_obj")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    const Json j = show_json(db);
    QCOMPARE(j["trials"].size(), size_t(12));
    int pareto = 0;
    for (const auto& t : j["trials"]) pareto += t.value("pareto_optimal", false) ? 1 : 0;
    QCOMPARE(pareto, 9);  // Optuna's study.best_trials has 9 (optuna_expected.json)
  }

  void badInput() {
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("bad.db"));
    // Neither format: an empty folder, a text file.
    auto empty_dir = import({dir.path(), QStringLiteral("--db"), db});
    QCOMPARE(empty_dir.exit_code, 1);
    QVERIFY2(empty_dir.err.contains(QStringLiteral("neither a Ray Tune experiment folder (no experiment_state-*.json")), qPrintable(empty_dir.err));
    write_file(dir.filePath(QStringLiteral("notes.txt")), "hello\n");
    auto text = import({dir.filePath(QStringLiteral("notes.txt")), QStringLiteral("--db"), db});
    QCOMPARE(text.exit_code, 1);
    QVERIFY(text.err.contains(QStringLiteral("notes.txt: neither a Ray Tune experiment folder nor an Optuna storage")));
    // A trial folder without params.json, and a result.json whose last line is cut: the rest is imported.
    const std::string exp = dir.filePath(QStringLiteral("exp")).toStdString();
    fs::copy(kData + "/ray/asha_nested", exp, fs::copy_options::recursive);
    std::string cut_file, no_params;
    for (const auto& e : fs::directory_iterator(exp)) {
      const std::string n = e.path().filename().string();
      if (n.find("8b0ac_00002") != std::string::npos) {
        no_params = e.path().string();
        fs::remove(e.path() / "params.json");
      }
      if (n.find("8b0ac_00000") != std::string::npos) cut_file = (e.path() / "result.json").string();
    }
    std::stringstream ss;
    ss << std::ifstream(cut_file).rdbuf();
    const std::string all = ss.str();
    std::ofstream(cut_file, std::ios::trunc) << all.substr(0, all.size() - 25);
    auto partial = import({S(exp), QStringLiteral("--db"), db, QStringLiteral("--mode"), QStringLiteral("min")});
    QVERIFY2(partial.exit_code == 0, qPrintable(partial.err));
    QVERIFY2(partial.err.contains(S(no_params + ": no params.json")), qPrintable(partial.err));
    QVERIFY(partial.err.contains(S(cut_file + ":8: the last line is cut")));
    QVERIFY(partial.err.contains(QStringLiteral("skipped 1 trial(s) and 1 result(s)")));
    QCOMPARE(show_json(db)["trials"].size(), size_t(3));
    // An Optuna schema this version does not read; an empty study.
    const QString old = dir.filePath(QStringLiteral("old.db"));
    QFile::copy(S(kData + "/optuna.db"), old);
    sqlite3* h = nullptr;
    sqlite3_open(old.toStdString().c_str(), &h);
    sqlite3_exec(h, "UPDATE version_info SET schema_version = 13; UPDATE alembic_version SET version_num = 'v4.0.0.a'", nullptr, nullptr, nullptr);
    sqlite3_close(h);
    auto schema = import({old, QStringLiteral("--db"), dir.filePath(QStringLiteral("o.db")), QStringLiteral("--study"), QStringLiteral("tpe_cond")});
    QCOMPARE(schema.exit_code, 1);
    QVERIFY2(schema.err.contains(QStringLiteral("old.db: Optuna storage schema version 13 (alembic revision v4.0.0.a")), qPrintable(schema.err));
    auto empty = import({S(kData + "/optuna.db"), QStringLiteral("--db"), dir.filePath(QStringLiteral("e.db")), QStringLiteral("--study"), QStringLiteral("empty")});
    QCOMPARE(empty.exit_code, 1);
    QVERIFY(empty.err.contains(QStringLiteral("optuna.db: the study \"empty\" is empty: it has no trials to import")));
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("e.db"))));
    // Another source into a database that holds a study: refused.
    auto other = import({S(kData + "/ray/midrun"), QStringLiteral("--db"), db, QStringLiteral("--mode"), QStringLiteral("max")});
    QCOMPARE(other.exit_code, 1);
    QVERIFY(other.err.contains(QStringLiteral("already holds the study \"exp\"")));
  }

  void reimportPicksUpNewResults() {
    QTemporaryDir dir;
    const std::string exp = dir.filePath(QStringLiteral("midrun")).toStdString();
    const QString db = dir.filePath(QStringLiteral("m.db"));
    fs::copy(kData + "/ray/midrun_part", exp, fs::copy_options::recursive);
    auto first = import({S(exp), QStringLiteral("--db"), db, QStringLiteral("--mode"), QStringLiteral("max")});
    QVERIFY2(first.exit_code == 0, qPrintable(first.err));
    QCOMPARE(results_count(db), int64_t(5));
    Json j = show_json(db);
    QCOMPARE(QString::fromStdString(j["study"]["status"].get<std::string>()), QStringLiteral("interrupted"));
    // Ray went on: the folder now holds the finished experiment.
    fs::remove_all(exp);
    fs::copy(kData + "/ray/midrun", exp, fs::copy_options::recursive);
    auto again = import({S(exp), QStringLiteral("--db"), db, QStringLiteral("--mode"), QStringLiteral("max")});
    QVERIFY2(again.exit_code == 0, qPrintable(again.err));
    QVERIFY2(again.out.contains(QStringLiteral("0 new trials, 4 updated, 19 new results")), qPrintable(again.out));
    QCOMPARE(results_count(db), int64_t(24));
    auto third = import({S(exp), QStringLiteral("--db"), db, QStringLiteral("--mode"), QStringLiteral("max")});
    QVERIFY(third.out.contains(QStringLiteral("0 new trials, 4 updated, 0 new results")));
    QCOMPARE(results_count(db), int64_t(24));
    j = show_json(db);
    QCOMPARE(j["trials"].size(), size_t(4));
    for (const auto& t : j["trials"]) QCOMPARE(QString::fromStdString(t["status"].get<std::string>()), QStringLiteral("completed"));
  }

  // Imported mid-run, continued by `tunelab resume`, then imported again once Ray finished: the trials TuneLab
  // ran are left as TuneLab has them, not spliced with Ray's later results of its own run.
  void reimportAfterResumeLeavesTheResumedTrialsAlone() {
    QTemporaryDir dir;
    const std::string exp = dir.filePath(QStringLiteral("midrun")).toStdString();
    const QString db = dir.filePath(QStringLiteral("m.db"));
    fs::copy(kData + "/ray/midrun_part", exp, fs::copy_options::recursive);
    QCOMPARE(import({S(exp), QStringLiteral("--db"), db, QStringLiteral("--mode"), QStringLiteral("max")}).exit_code, 0);
    // Each run reports score 1, 2, 3 (a plain string: moc cannot read this one as a raw string).
    const QString trainable = QStringLiteral("python3 -c 'import os; [os.write(3, b\"{\\\"score\\\": %d}\\n\" % i) for i in (1, 2, 3)]'");
    auto go = run_tunelab({QStringLiteral("resume"), db, QStringLiteral("--num-samples"), QStringLiteral("1"),
                           QStringLiteral("--trainable"), trainable, QStringLiteral("--quiet")});
    QVERIFY2(go.exit_code == 0, qPrintable(go.err + go.out));
    const Json before = show_json(db);
    fs::remove_all(exp);
    fs::copy(kData + "/ray/midrun", exp, fs::copy_options::recursive);
    auto again = import({S(exp), QStringLiteral("--db"), db, QStringLiteral("--mode"), QStringLiteral("max")});
    QVERIFY2(again.exit_code == 0, qPrintable(again.err));
    QVERIFY2(again.out.contains(QStringLiteral("0 new results")) &&
                 again.out.contains(QStringLiteral("Left as they are: trial(s) 0, 1, 2, 3")),
             qPrintable(again.out));
    const Json after = show_json(db);
    QCOMPARE(after["trials"].size(), before["trials"].size());
    for (size_t i = 0; i < after["trials"].size(); ++i) {
      QCOMPARE(after["trials"][i]["iterations"].get<int>(), 3);
      QCOMPARE(after["trials"][i]["last"]["score"].get<double>(), 3.0);
    }
  }

  void resumeContinuesTheSearch() {
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("t.db"));
    auto r = import({S(kData + "/optuna.db"), QStringLiteral("--db"), db, QStringLiteral("--study"), QStringLiteral("tpe_cond")});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    // No trainable yet: a clear error, nothing runs.
    auto no = run_tunelab({QStringLiteral("resume"), db, QStringLiteral("--num-samples"), QStringLiteral("3")});
    QCOMPARE(no.exit_code, 2);
    QVERIFY2(no.err.contains(QStringLiteral("this study was imported")) && no.err.contains(QStringLiteral("--trainable")), qPrintable(no.err));
    const QString trainable = QStringLiteral(R"(python3 -c 'import json,os; c=json.loads(os.environ["TUNELAB_CONFIG"]); os.write(3, (json.dumps({"value": c["lr"]})+"\n").encode())')");
    auto go = run_tunelab({QStringLiteral("resume"), db, QStringLiteral("--num-samples"), QStringLiteral("3"),
                           QStringLiteral("--trainable"), trainable, QStringLiteral("--quiet")});
    QVERIFY2(go.exit_code == 0, qPrintable(go.err + go.out));
    const Json j = show_json(db);
    // 18 imported (the WAITING one ran with its enqueued parameters) and 3 proposed by TPE.
    QCOMPARE(j["trials"].size(), size_t(21));
    int searched = 0;
    for (const auto& t : j["trials"]) {
      if (t.value("origin", "search") != "search") continue;
      ++searched;
      QCOMPARE(QString::fromStdString(t["status"].get<std::string>()), QStringLiteral("completed"));
      QCOMPARE(t["last"]["value"].get<double>(), t["config"]["lr"].get<double>());
    }
    QCOMPARE(searched, 3);
    QCOMPARE(QString::fromStdString(j["trials"][17]["status"].get<std::string>()), QStringLiteral("completed"));
  }
};

QTEST_GUILESS_MAIN(ImportCli)
#include "test_import.moc"
