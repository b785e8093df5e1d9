// `tunelab export DB --format optuna --out FILE`: the study as an Optuna storage. Checked in the file itself (schema,
// states, values, parameters and their distributions, curves), read back by `tunelab import`, loaded by Optuna
// when it is installed, and every refusal.
#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <map>
#include <string>

#include "support/test_util.h"

using namespace tunelab;
using namespace tunelab::test;

namespace {

Json show_json(const QString& db) {
  auto r = run_tunelab({QStringLiteral("show"), db, QStringLiteral("--json")});
  if (r.exit_code != 0) qFatal("show failed: %s", qPrintable(r.err));
  return Json::parse(r.out.toStdString());
}

// The rows of a query on an SQLite file, each row's columns as text (NULL as "NULL").
std::vector<std::vector<std::string>> query(const QString& file, const char* sql) {
  sqlite3* db = nullptr;
  std::vector<std::vector<std::string>> rows;
  if (sqlite3_open_v2(file.toStdString().c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return rows;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(st); ++i) {
        const auto* t = sqlite3_column_text(st, i);
        row.push_back(t ? reinterpret_cast<const char*>(t) : "NULL");
      }
      rows.push_back(std::move(row));
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

const std::string kSpace = R"(
  "space": {"x": {"type": "float", "low": 0, "high": 1},
            "lr": {"type": "float", "low": 1e-4, "high": 1, "log": true},
            "n": {"type": "int", "low": 1, "high": 9, "step": 2},
            "opt": {"type": "choice", "values": ["sgd", "adam"]},
            "mom": {"type": "float", "low": 0, "high": 0.9, "when": {"opt": "sgd"}},
            "arch": {"type": "choice", "values": [[1, 2], {"depth": 3}]},
            "g": {"type": "normal", "mean": 0, "sd": 1},
            "fail_at": {"type": "choice", "values": [0, 7]},
            "iterations": 12},
  "trainable": {"builtin": "synthetic"}, "resources_per_trial": {"cpu": 0.5}, "seed": 3)";

// Loads the exported storage with Optuna and prints what it makes of it.
const char* const kLoadScript =
    "import json, sys, optuna\n"
    "optuna.logging.set_verbosity(optuna.logging.WARNING)\n"
    "s = optuna.load_study(study_name=\"to_optuna\", storage=\"sqlite:///\" + sys.argv[1])\n"
    "states = {}\n"
    "for t in s.trials:\n"
    "    states[t.state.name] = states.get(t.state.name, 0) + 1\n"
    "print(json.dumps({\"n\": len(s.trials), \"best\": s.best_value, \"number\": s.best_trial.number, \"states\": states,\n"
    "                  \"params\": s.best_params}))\n";

}  // namespace

class ExportOptuna final : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString db_, out_;
  Json shown_;

 private slots:
  void initTestCase() {
    const QString spec = dir_.filePath(QStringLiteral("spec.json"));
    write_file(spec, R"({"name": "to_optuna", "objective": {"metric": "score", "mode": "max"},
      "scheduler": {"type": "asha", "max_t": 12, "grace_period": 2}, "num_samples": 16, )" + kSpace + "}");
    db_ = dir_.filePath(QStringLiteral("study.db"));
    auto r = run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db_, QStringLiteral("--quiet")}, dir_.path());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err + r.out));
    shown_ = show_json(db_);
    out_ = dir_.filePath(QStringLiteral("optuna.db"));
    auto e = run_tunelab({QStringLiteral("export"), db_, QStringLiteral("--format"), QStringLiteral("optuna"),
                          QStringLiteral("--out"), out_});
    QVERIFY2(e.exit_code == 0, qPrintable(e.err));
    QVERIFY2(e.err.contains(QStringLiteral("Wrote Optuna study \"to_optuna\" (16 trials")), qPrintable(e.err));
    // What does not map one to one is said.
    QVERIFY2(e.err.contains(QStringLiteral("parameter arch")) && e.err.contains(QStringLiteral("parameter g")), qPrintable(e.err));
  }

  void theStorageHoldsEveryTrialAsOptunaWouldHaveIt() {
    const auto version = query(out_, "SELECT schema_version, library_version FROM version_info");
    QVERIFY(version == (std::vector<std::vector<std::string>>{{"12", "3.1.0"}}));
    QCOMPARE(query(out_, "SELECT version_num FROM alembic_version")[0][0], std::string("v3.0.0.d"));
    QCOMPARE(query(out_, "SELECT study_name FROM studies")[0][0], std::string("to_optuna"));
    QCOMPARE(query(out_, "SELECT direction FROM study_directions")[0][0], std::string("MAXIMIZE"));
    const auto trials = query(out_, "SELECT trial_id, number, state FROM trials ORDER BY number");
    QCOMPARE(trials.size(), size_t(16));
    const std::map<std::string, std::string> state_of = {{"completed", "COMPLETE"}, {"stopped", "PRUNED"}, {"error", "FAIL"}};
    std::map<std::string, int> states;
    int64_t results_with_score = 0;
    for (size_t i = 0; i < trials.size(); ++i) {
      const Json& t = shown_["trials"][i];
      const std::string status = t["status"].get<std::string>();
      QCOMPARE(trials[i][2], state_of.at(status));
      ++states[status];
      const std::string id = trials[i][0];
      // The value is the last result's (a pruned trial's too, as Optuna records one); a failed trial has none.
      const auto values = query(out_, ("SELECT value, value_type FROM trial_values WHERE trial_id = " + id).c_str());
      if (status == "error") {
        QVERIFY(values.empty());
      } else {
        QCOMPARE(values.size(), size_t(1));
        QCOMPARE(std::stod(values[0][0]), t["last"]["score"].get<double>());
      }
      // Every active parameter but the constant (iterations); mom only with sgd.
      const auto params = query(out_, ("SELECT param_name, param_value FROM trial_params WHERE trial_id = " + id +
                                       " ORDER BY param_name").c_str());
      const bool sgd = t["config"]["opt"] == "sgd";
      QCOMPARE(params.size(), size_t(sgd ? 8 : 7));
      for (const auto& row : params) {
        const std::string &name = row[0], &value = row[1];
        if (name == "x" || name == "lr" || name == "g" || name == "mom") QCOMPARE(std::stod(value), t["config"][name].get<double>());
        if (name == "n") QCOMPARE(std::stod(value), t["config"]["n"].get<double>());
        if (name == "opt") QCOMPARE(value, std::string(sgd ? "0.0" : "1.0"));  // the index among the choices
      }
      const auto inter = query(out_, ("SELECT COUNT(*), MIN(step), MAX(step) FROM trial_intermediate_values WHERE trial_id = " + id).c_str());
      const int64_t iterations = t["iterations"].get<int64_t>();
      QCOMPARE(std::stoll(inter[0][0]), iterations);
      if (iterations) QCOMPARE(std::stoll(inter[0][2]), iterations);
      results_with_score += iterations;
    }
    QVERIFY2(states["completed"] >= 1 && states["stopped"] >= 1 && states["error"] >= 1, shown_["counts"].dump().c_str());
    QCOMPARE(std::stoll(query(out_, "SELECT COUNT(*) FROM trial_intermediate_values")[0][0]), results_with_score);
    // One distribution per parameter, as the spec declares it.
    const auto dist = query(out_, "SELECT DISTINCT param_name, distribution_json FROM trial_params ORDER BY param_name");
    std::map<std::string, Json> d;
    for (const auto& row : dist) {
      QVERIFY2(!d.count(row[0]), row[0].c_str());
      d[row[0]] = Json::parse(row[1]);
    }
    QCOMPARE(d["lr"]["name"].get<std::string>(), std::string("FloatDistribution"));
    QCOMPARE(d["lr"]["attributes"]["log"].get<bool>(), true);
    QCOMPARE(d["lr"]["attributes"]["low"].get<double>(), 1e-4);
    QCOMPARE(d["n"]["name"].get<std::string>(), std::string("IntDistribution"));
    QCOMPARE(d["n"]["attributes"]["step"].get<int>(), 2);
    const Json opt_choices = Json::array({"sgd", "adam"}), arch_choices = Json::array({"[1,2]", "{\"depth\":3}"});
    QVERIFY2(d["opt"]["attributes"]["choices"] == opt_choices, d["opt"].dump().c_str());
    QVERIFY2(d["arch"]["attributes"]["choices"] == arch_choices, d["arch"].dump().c_str());
    QVERIFY(!d.count("iterations"));
    // Nothing of the study is lost: the spec, and each trial's TuneLab id, status and last result.
    QVERIFY(Json::parse(query(out_, "SELECT value_json FROM study_user_attributes WHERE key = 'tunelab_spec'")[0][0]) ==
            shown_["study"]["spec"]);
    QCOMPARE(query(out_, "SELECT COUNT(*) FROM trial_user_attributes WHERE key = 'tunelab_status'")[0][0], std::string("16"));
  }

  void importedBackItIsTheSameStudy() {
    const QString back = dir_.filePath(QStringLiteral("back.db"));
    auto r = run_tunelab({QStringLiteral("import"), out_, QStringLiteral("--db"), back});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    const Json j = show_json(back);
    QCOMPARE(j["trials"].size(), size_t(16));
    for (size_t i = 0; i < 16; ++i) {
      const Json& a = shown_["trials"][i];
      const Json& b = j["trials"][i];
      QVERIFY2(b["status"] == a["status"], b.dump().c_str());
      for (const char* k : {"x", "lr", "n", "opt", "mom", "g", "fail_at"}) {
        QVERIFY2(b["config"].value(k, Json()) == a["config"].value(k, Json()), (std::string(k) + " " + b.dump()).c_str());
      }
      if (a["status"] != "error") QCOMPARE(b["last"]["score"].get<double>(), a["last"]["score"].get<double>());
    }
  }

  void optunaLoadsItAndAgreesOnTheBest() {
    QProcess probe;
    probe.start(QStringLiteral("python3"), {QStringLiteral("-c"), QStringLiteral("import optuna")});
    if (!probe.waitForFinished(60000) || probe.exitCode() != 0) QSKIP("Optuna is not installed (python3-optuna)");
    QProcess py;
    py.start(QStringLiteral("python3"), {QStringLiteral("-c"), QString::fromLatin1(kLoadScript), out_});
    QVERIFY(py.waitForFinished(120000));
    QVERIFY2(py.exitCode() == 0, py.readAllStandardError().constData());
    const Json o = Json::parse(py.readAllStandardOutput().toStdString());
    QCOMPARE(o["n"].get<int>(), 16);
    double best = -1;
    int64_t best_id = -1;
    for (const auto& t : shown_["trials"]) {
      if (t["status"] == "completed" && t["last"]["score"].get<double>() > best) {
        best = t["last"]["score"].get<double>();
        best_id = t["id"].get<int64_t>();
      }
    }
    QCOMPARE(o["best"].get<double>(), best);
    QCOMPARE(o["number"].get<int64_t>(), best_id);
    QCOMPARE(o["params"]["lr"].get<double>(), shown_["trials"][static_cast<size_t>(best_id)]["config"]["lr"].get<double>());
    QCOMPARE(o["states"].value("COMPLETE", 0), shown_["counts"].value("completed", 0));
    QCOMPARE(o["states"].value("PRUNED", 0), shown_["counts"].value("stopped", 0));
  }

  void severalObjectivesHaveTheirDirectionsAndNoCurves() {
    QTemporaryDir dir;
    const QString spec = dir.filePath(QStringLiteral("spec.json"));
    write_file(spec, R"({"name": "two", "objective": [{"metric": "score", "mode": "max"}, {"metric": "loss", "mode": "min"}],
      "num_samples": 4, )" + kSpace + "}");
    const QString db = dir.filePath(QStringLiteral("s.db")), out = dir.filePath(QStringLiteral("o.db"));
    QCOMPARE(run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db, QStringLiteral("--quiet")}, dir.path()).exit_code, 0);
    auto e = run_tunelab({QStringLiteral("export"), db, QStringLiteral("--format"), QStringLiteral("optuna"), QStringLiteral("--out"), out});
    QVERIFY2(e.exit_code == 0, qPrintable(e.err));
    QVERIFY2(e.err.contains(QStringLiteral("no intermediate values for several objectives")), qPrintable(e.err));
    const auto directions = query(out, "SELECT direction FROM study_directions ORDER BY objective");
    QVERIFY(directions == (std::vector<std::vector<std::string>>{{"MAXIMIZE"}, {"MINIMIZE"}}));
    QCOMPARE(query(out, "SELECT COUNT(*) FROM trial_intermediate_values")[0][0], std::string("0"));
    const std::string names = Json::array({"score", "loss"}).dump();
    QCOMPARE(query(out, "SELECT value_json FROM study_system_attributes WHERE key = 'study:metric_names'")[0][0], names);
    // A completed trial has both values, in the objectives' order.
    const auto v = query(out, "SELECT v.objective, v.value FROM trial_values v JOIN trials t USING (trial_id) "
                              "WHERE t.state = 'COMPLETE' ORDER BY t.number, v.objective LIMIT 2");
    QCOMPARE(v.size(), size_t(2));
    QCOMPARE(std::stod(v[0][1]) + std::stod(v[1][1]), 1.0);  // the synthetic trainable's score and loss add up to 1
  }

  void refusals() {
    auto no_out = run_tunelab({QStringLiteral("export"), db_, QStringLiteral("--format"), QStringLiteral("optuna")});
    QCOMPARE(no_out.exit_code, 2);
    QVERIFY2(no_out.err.contains(QStringLiteral("give it with --out FILE")), qPrintable(no_out.err));
    auto results = run_tunelab({QStringLiteral("export"), db_, QStringLiteral("--format"), QStringLiteral("optuna"),
                                QStringLiteral("--results"), QStringLiteral("--out"), dir_.filePath(QStringLiteral("x.db"))});
    QCOMPARE(results.exit_code, 2);
    QVERIFY(!QFile::exists(dir_.filePath(QStringLiteral("x.db"))));
    // Never over the study itself, and never over another database without --force.
    auto self = run_tunelab({QStringLiteral("export"), db_, QStringLiteral("--format"), QStringLiteral("optuna"), QStringLiteral("--out"), db_});
    QCOMPARE(self.exit_code, 2);
    QVERIFY2(self.err.contains(QStringLiteral("refusing")), qPrintable(self.err));
    auto again = run_tunelab({QStringLiteral("export"), db_, QStringLiteral("--format"), QStringLiteral("optuna"), QStringLiteral("--out"), out_});
    QCOMPARE(again.exit_code, 2);
    QVERIFY2(again.err.contains(QStringLiteral("--force")), qPrintable(again.err));
    auto forced = run_tunelab({QStringLiteral("export"), db_, QStringLiteral("--format"), QStringLiteral("optuna"),
                               QStringLiteral("--out"), out_, QStringLiteral("--force")});
    QCOMPARE(forced.exit_code, 0);
    QCOMPARE(query(out_, "SELECT COUNT(*) FROM trials")[0][0], std::string("16"));
    QVERIFY(QDir(dir_.path()).entryList({QStringLiteral("*.tmp-*")}).isEmpty());
  }
};

QTEST_GUILESS_MAIN(ExportOptuna)
#include "test_export_optuna.moc"
