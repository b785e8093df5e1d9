// The Optuna reader against a storage Optuna 3.1 wrote (tests/data/import/make_optuna.py): every trial's
// parameters, values, intermediate values, attributes and state as Optuna's study.trials reports them, the
// Pareto front as study.best_trials, the searcher family, and storages it must refuse.
#include <QTemporaryDir>
#include <QTest>

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <vector>
#include <fstream>
#include <sstream>

#include "core/analysis/summary.h"
#include "core/importers/optuna_import.h"
#include "core/store/store.h"

using namespace tunelab;
namespace fs = std::filesystem;

namespace {

const std::string kDb = std::string(TUNELAB_TEST_DATA) + "/import/optuna.db";

Json expected() {
  std::ifstream in(std::string(TUNELAB_TEST_DATA) + "/import/optuna_expected.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return Json::parse(ss.str());
}

const ImportedTrial* find(const ImportedStudy& s, int64_t number) {
  for (const auto& t : s.trials) {
    if (t.key == std::to_string(number)) return &t;
  }
  return nullptr;
}

// Documented in docs/import.md: RUNNING is paused (stopped when Optuna had not given it parameters yet).
// Equal as JSON values, whatever the order of object keys (the expected file has sorted keys).
bool same(const Json& a, const Json& b) { return nlohmann::json::parse(a.dump()) == nlohmann::json::parse(b.dump()); }

TrialStatus status_for(const std::string& state, bool has_params) {
  if (state == "RUNNING") return has_params ? TrialStatus::Paused : TrialStatus::Stopped;
  if (state == "COMPLETE") return TrialStatus::Completed;
  if (state == "PRUNED") return TrialStatus::Stopped;
  if (state == "FAIL") return TrialStatus::Error;
  return TrialStatus::Pending;  // WAITING
}

void exec(const std::string& file, const char* sql) {
  sqlite3* db = nullptr;
  QCOMPARE(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  QCOMPARE(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

}  // namespace

class OptunaImport final : public QObject {
  Q_OBJECT
 private slots:
  void listsStudies() {
    auto list = list_optuna_studies(kDb);
    QVERIFY2(list.ok(), list.error_text().c_str());
    QCOMPARE(list->size(), size_t(3));
    QCOMPARE(QString::fromStdString((*list)[0].name), QStringLiteral("tpe_cond"));
    QCOMPARE((*list)[1].directions.size(), size_t(2));
    QCOMPARE((*list)[2].trials, int64_t(0));
    auto none = read_optuna_study(kDb, {});
    QVERIFY(!none.ok());
    QVERIFY2(none.error_text().find("holds 3 studies; choose one with --study NAME") != std::string::npos, none.error_text().c_str());
    QVERIFY(looks_like_optuna_storage(kDb));
    QCOMPARE(QString::fromStdString(optuna_sqlite_path("sqlite:///a/b.db")), QStringLiteral("a/b.db"));
  }

  void singleObjectiveMatchesOptuna() {
    const Json want = expected()["tpe_cond"];
    auto s = read_optuna_study("sqlite:///" + kDb, {"tpe_cond", "", ""});
    QVERIFY2(s.ok(), s.error_text().c_str());
    QCOMPARE(s->trials.size(), want["trials"].size());
    std::set<std::string> states;
    for (const auto& w : want["trials"]) {
      const ImportedTrial* t = find(*s, w["number"].get<int64_t>());
      QVERIFY(t);
      const std::string state = w["state"].get<std::string>();
      states.insert(state);
      QCOMPARE(t->status, status_for(state, !w["params"].empty()));
      QCOMPARE(QString::fromStdString(t->attrs["optuna.state"].get<std::string>()), QString::fromStdString(state));
      // Parameters, exactly (a WAITING trial's are its fixed parameters).
      const Json params = state == "WAITING" ? w["system_attrs"]["fixed_params"] : w["params"];
      QCOMPARE(t->config.size(), params.size());
      for (const auto& [k, v] : params.items()) {
        QVERIFY2(t->config.contains(k), k.c_str());
        if (v.is_string()) {
          QVERIFY(t->config[k] == v);
        } else {
          QCOMPARE(t->config[k].get<double>(), v.get<double>());
        }
      }
      // Intermediate values: one result per step, in order, then the final value.
      const Json& inter = w["intermediate_values"];
      size_t i = 0;
      for (const auto& [step, v] : inter.items()) {
        QCOMPARE(t->results[i].metrics["step"].get<int64_t>(), std::stoll(step));
        QCOMPARE(t->results[i].iteration, std::stoll(step) + 1);
        QCOMPARE(t->results[i].metrics["value"].get<double>(), v.get<double>());
        ++i;
      }
      // Optuna's values (a PRUNED trial's is its last intermediate value) are the last result.
      if (!w["values"].is_null()) {
        QCOMPARE(t->results.size(), inter.size() + 1);
        QCOMPARE(t->results.back().metrics["value"].get<double>(), w["values"][0].get<double>());
        QVERIFY(!t->results.back().metrics.contains("step"));
      } else {
        QCOMPARE(t->results.size(), inter.size());
      }
      if (state == "FAIL") QVERIFY(t->error.find("failed in Optuna") != std::string::npos);
      for (const auto& [k, v] : w["user_attrs"].items()) QVERIFY(same(t->attrs["optuna.user." + k], v));
      for (const auto& [k, v] : w["system_attrs"].items()) QVERIFY(same(t->attrs["optuna.system." + k], v));
    }
    QVERIFY(states == (std::set<std::string>{"COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING"}));
    // The spec: Optuna's distributions, the conditional parameter, TPE.
    const Json& sp = s->spec["space"];
    QVERIFY(sp["lr"] == Json::parse(R"({"type":"float","low":0.0001,"high":0.1,"log":true})"));
    QVERIFY(sp["units"] == Json::parse(R"({"type":"int","low":16,"high":128,"step":16})"));
    QVERIFY(sp["dropout"] == Json::parse(R"({"type":"float","low":0.0,"high":0.5,"step":0.1})"));
    QVERIFY(sp["optimizer"] == Json::parse(R"({"type":"choice","values":["sgd","adam"]})"));
    QVERIFY(sp["momentum"]["when"] == Json::parse(R"({"optimizer":"sgd"})"));
    QCOMPARE(QString::fromStdString(s->spec["search"]["type"].get<std::string>()), QStringLiteral("tpe"));
    QVERIFY(s->spec["objective"] == Json::parse(R"({"metric":"value","mode":"min"})"));

    // Written to a store: the best trial is Optuna's.
    QTemporaryDir dir;
    const std::string db = dir.filePath(QStringLiteral("o.db")).toStdString();
    auto w = write_import(*s, db);
    QVERIFY2(w.ok(), w.error_text().c_str());
    auto store = Store::open(db, Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    auto sum = summarize(**store);
    QVERIFY(sum.ok());
    QVERIFY(sum->best_trial);
    const auto& best = sum->trials[static_cast<size_t>(*sum->best_trial)];
    QCOMPARE(best.best_value.value(), want["trials"][want["best_trials"][0].get<size_t>()]["values"][0].get<double>());
    auto attrs = (*store)->load_trial_attrs(best.rec.id);
    QVERIFY(attrs.ok());
    bool keyed = false;
    for (const auto& a : *attrs) keyed = keyed || (a.key == "optuna.number" && a.value == std::to_string(want["best_trials"][0].get<int64_t>()));
    QVERIFY(keyed);
    auto origin = (*store)->load_study_origin();
    QVERIFY(origin.ok());
    QVERIFY2(origin->find("\"kind\":\"optuna\"") != std::string::npos, origin->c_str());
  }

  void twoObjectivesKeepTheParetoFront() {
    const Json want = expected()["two_obj"];
    auto s = read_optuna_study(kDb, {"two_obj", "", ""});
    QVERIFY2(s.ok(), s.error_text().c_str());
    QVERIFY(s->spec["objective"] == Json::parse(R"([{"metric":"value_0","mode":"min"},{"metric":"value_1","mode":"max"}])"));
    QCOMPARE(QString::fromStdString(s->spec["search"]["type"].get<std::string>()), QStringLiteral("nsga2"));
    for (const auto& w : want["trials"]) {
      const ImportedTrial* t = find(*s, w["number"].get<int64_t>());
      QVERIFY(t);
      QCOMPARE(t->results.back().metrics["value_0"].get<double>(), w["values"][0].get<double>());
      QCOMPARE(t->results.back().metrics["value_1"].get<double>(), w["values"][1].get<double>());
    }
    QTemporaryDir dir;
    const std::string db = dir.filePath(QStringLiteral("o2.db")).toStdString();
    QVERIFY(write_import(*s, db).ok());
    auto store = Store::open(db, Store::Mode::ReadOnly);
    auto sum = summarize(**store);
    QVERIFY(sum.ok());
    std::vector<int64_t> front;
    // Trial ids follow the order read; each trial's key is its Optuna number.
    for (auto id : sum->pareto_front) front.push_back(std::stoll(s->trials[static_cast<size_t>(id)].key));
    std::sort(front.begin(), front.end());
    std::vector<int64_t> best;
    for (const auto& n : want["best_trials"]) best.push_back(n.get<int64_t>());
    QVERIFY(front == best);
    QCOMPARE(front.size(), size_t(9));
  }

  void refusals() {
    auto empty = read_optuna_study(kDb, {"empty", "", ""});
    QVERIFY(!empty.ok());
    QVERIFY2(empty.error_text().find(kDb.substr(kDb.rfind('/') + 1) + ": the study \"empty\" is empty") != std::string::npos,
             empty.error_text().c_str());
    auto missing = read_optuna_study(kDb, {"nope", "", ""});
    QVERIFY(!missing.ok());
    QVERIFY(missing.error_text().find("studies: tpe_cond, two_obj, empty") != std::string::npos);
    QTemporaryDir dir;
    const std::string copy = dir.filePath(QStringLiteral("old.db")).toStdString();
    fs::copy_file(kDb, copy);
    exec(copy, "UPDATE version_info SET schema_version = 11; UPDATE alembic_version SET version_num = 'v2.6.0.a'");
    auto old = read_optuna_study(copy, {"tpe_cond", "", ""});
    QVERIFY(!old.ok());
    QVERIFY2(old.error_text().find(copy + ": Optuna storage schema version 11 (alembic revision v2.6.0.a") != std::string::npos,
             old.error_text().c_str());
    QVERIFY(old.error_text().find("is not supported") != std::string::npos);
  }

  // A storage edited by hand or by another program: a distribution whose bounds are not numbers, a choice index
  // out of range and an infinite value are each named, and the rest is imported (they used to abort the import).
  void damagedRowsAreNamedAndTheRestKept() {
    QTemporaryDir dir;
    const std::string copy = dir.filePath(QStringLiteral("edited.db")).toStdString();
    fs::copy_file(kDb, copy);
    exec(copy, "UPDATE trial_params SET distribution_json = '{\"name\": \"FloatDistribution\", \"attributes\": "
               "{\"low\": \"a\", \"high\": 1, \"log\": 3}}' WHERE trial_id = 1 AND param_name = 'lr';"
               "UPDATE trial_params SET param_value = -7 WHERE trial_id = 2 AND param_name = 'optimizer';"
               "UPDATE trial_values SET value = NULL, value_type = 'INF_POS' WHERE trial_id = 3;");
    auto s = read_optuna_study(copy, {"tpe_cond", "", ""});
    QVERIFY2(s.ok(), s.error_text().c_str());
    std::string all;
    for (const auto& p : s->problems) all += p + "\n";
    QVERIFY2(all.find("parameter \"lr\": distribution \"FloatDistribution\" without numeric low and high") != std::string::npos, all.c_str());
    QVERIFY2(all.find("1 value(s) were infinite") != std::string::npos, all.c_str());
    QCOMPARE(s->trials.size(), size_t(18));
  }
};

QTEST_APPLESS_MAIN(OptunaImport)
#include "test_optuna_import.moc"
