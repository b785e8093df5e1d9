// A study read back for `show` and `export`: flattening, the trials and results tables, and their cost when
// results have many keys.
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <tuple>
#include <functional>

#include "core/analysis/summary.h"
#include "support/timing.h"

using namespace tunelab;
using test::best_of_three;

namespace {

// A study of `trials` trials with one result each, metrics from `metrics(trial)`, written at `path`.
void write_study(const std::string& path, int trials, const std::function<Json(int)>& metrics) {
  auto store = Store::open(path, Store::Mode::Create);
  if (!store) qFatal("%s", store.error_text().c_str());
  StudyRecord s;
  s.name = "keys";
  s.spec = Json{{"objective", {{"metric", "score"}, {"mode", "max"}}}};
  if (!(*store)->create_study(s).ok()) qFatal("create_study failed");
  for (int i = 0; i < trials; ++i) {
    TrialRecord t;
    t.id = i;
    t.config = Json{{"lr", 0.1 * i}, {"net", {{"depth", i}}}};
    t.status = TrialStatus::Completed;
    (*store)->put_trial(t);
    Json m = metrics(i);
    m["training_iteration"] = 1;
    m["time_total_s"] = 1.0;
    (*store)->append_result({i, 1, 1.0, 100.0 + i, m});
  }
  if (!(*store)->flush().ok()) qFatal("flush failed");
}

// Everything `show` and `export` (both tables, CSV and JSON) do with a study; the exported text's size.
size_t read_back(const std::string& path) {
  auto store = Store::open(path, Store::Mode::ReadOnly);
  if (!store) qFatal("%s", store.error_text().c_str());
  auto s = summarize(**store);
  if (!s) qFatal("%s", s.error_text().c_str());
  auto results = results_table(**store, *s);
  if (!results) qFatal("%s", results.error_text().c_str());
  const Table trials = trials_table(*s);
  return show_json(*s).dump().size() + to_csv(*results).size() + to_json_rows(*results).dump().size() +
         to_csv(trials).size() + to_json_rows(trials).dump().size();
}

}  // namespace

class TestSummary final : public QObject {
  Q_OBJECT
 private slots:
  // show and the end-of-run summary stream the results (Store::scan_results) instead of loading them: the summary
  // must be the one computed from every result (each trial's count, last and best result, the best trial).
  void summaryStreamsTheResults() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("s.db")).toStdString();
    {
      auto store = Store::open(path, Store::Mode::Create);
      QVERIFY(store.ok());
      StudyRecord st;
      st.name = "stream";
      st.spec = Json{{"objective", {{"metric", "score"}, {"mode", "max"}}}};
      QVERIFY((*store)->create_study(st).ok());
      for (int i = 0; i < 5; ++i) {
        TrialRecord t;
        t.id = i;
        t.config = Json{{"lr", 0.1 * i}};
        t.status = TrialStatus::Completed;
        (*store)->put_trial(t);
        for (int it = 1; it <= 3 + i; ++it) {
          Json m = {{"training_iteration", it}, {"time_total_s", 0.5 * it}, {"nested", {{"k", it}}}};
          // Trial 3 never reports the objective; trial 4 reports it as a string once; ties keep the first best.
          if (i == 4 && it == 2) m["score"] = "high";
          else if (i != 3) m["score"] = (i == 2 ? 1.0 : std::sin(i * 7.0 + it));
          (*store)->append_result({i, it, 0.5 * it, 100.0 + 10 * i + it, m, 1});
        }
      }
      QVERIFY((*store)->flush().ok());
    }
    auto store = Store::open(path, Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    auto s = summarize(**store);
    QVERIFY2(s.ok(), s.error_text().c_str());
    // The reference: every result loaded, as summarize did before it streamed them.
    auto results = (*store)->load_results();
    QVERIFY(results.ok());
    std::map<int64_t, std::tuple<int64_t, Json, Json, std::optional<double>>> want;
    std::optional<int64_t> best_trial;
    std::optional<double> best_overall;
    for (const auto& r : *results) {
      auto& [n, last, best, best_value] = want[r.trial_id];
      ++n;
      last = r.metrics;
      if (r.metrics.contains("score") && r.metrics["score"].is_number()) {
        const double v = r.metrics["score"].get<double>();
        if (!best_value || v > *best_value) best_value = v, best = r.metrics;
        if (!best_overall || v > *best_overall) best_overall = v, best_trial = r.trial_id;
      }
    }
    QCOMPARE(s->trials.size(), size_t(5));
    for (const auto& t : s->trials) {
      const auto& [n, last, best, best_value] = want.at(t.rec.id);
      QCOMPARE(t.iterations, n);
      QCOMPARE(t.last.dump(), last.dump());
      QCOMPARE(t.best.dump(), best.dump());
      QCOMPARE(t.best_value.has_value(), best_value.has_value());
      if (best_value) QCOMPARE(*t.best_value, *best_value);
    }
    QVERIFY(s->trials[3].best.is_null());
    QCOMPARE(s->best_trial, best_trial);
    QCOMPARE(*s->best_trial, int64_t(2));
    QCOMPARE(s->trials[2].best["training_iteration"].get<int>(), 1);  // the first of equal values
  }

  // A spec edited by hand so that it no longer parses is still shown as far as it can be; members of the wrong
  // type read as absent instead of throwing (they used to abort `show`).
  void aHandEditedSpecOfWrongTypesIsShown() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("s.db")).toStdString();
    write_study(path, 2, [](int i) { return Json{{"score", i}}; });
    for (const Json& objective : {Json{{"metric", 1}, {"mode", "min"}}, Json{{"metric", "score"}, {"mode", false}},
                                  Json{{"metric", "score"}, {"mode", "min"}}}) {
      {
        auto store = Store::open(path, Store::Mode::Open);
        QVERIFY(store.ok());
        auto study = (*store)->load_study();
        QVERIFY(study.ok());
        study->spec = Json{{"objective", objective}, {"trainable", 7}};
        QVERIFY((*store)->set_study_spec(study->spec).ok());
      }
      auto store = Store::open(path, Store::Mode::ReadOnly);
      QVERIFY(store.ok());
      auto s = summarize(**store);
      QVERIFY2(s.ok(), s.error_text().c_str());
      const bool metric_ok = objective["metric"].is_string();
      QCOMPARE(s->objective.metric, metric_ok ? std::string("score") : std::string());
      QCOMPARE(s->objective.maximize, !(objective["mode"].is_string() && objective["mode"] == "min"));
      QCOMPARE(s->best_trial.has_value(), metric_ok);
      if (metric_ok) QCOMPARE(*s->best_trial, int64_t(s->objective.maximize ? 1 : 0));
    }
  }

  // A metric named "config.lr", or a nested {"config": {...}}, used to replace the real config value in JSON
  // exports, and {"a": {"b"}} met "a.b" without a word. Config and metrics stay apart; collisions are noted.
  void exportKeepsConfigAndMetricsApart() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("s.db")).toStdString();
    write_study(path, 2, [](int i) {
      return Json{{"score", 0.5}, {"config.lr", 99}, {"config", {{"net", {{"depth", 77}}}}}, {"a", {{"b", 1}}},
                  {"a.b", 2}, {"status", "ok"}, {"metric.config.lr", i}};
    });
    auto store = Store::open(path, Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    auto s = summarize(**store);
    QVERIFY2(s.ok(), s.error_text().c_str());
    auto results = results_table(**store, *s);
    QVERIFY(results.ok());
    const Table trials = trials_table(*s);
    for (const Table* t : {static_cast<const Table*>(&*results), &trials}) {
      const Json rows = to_json_rows(*t);
      QCOMPARE(rows.size(), size_t(2));
      const Json& row = rows[1];
      QCOMPARE(row["config.lr"].get<double>(), 0.1);  // the trial's own config
      QCOMPARE(row["config.net.depth"].get<int>(), 1);
      QCOMPARE(row["metric.config.lr"].get<int>(), 1);            // the metric of that name keeps its name
      QCOMPARE(row["metric.metric.config.lr"].get<int>(), 99);    // the metric "config.lr"
      QCOMPARE(row["metric.config.net.depth"].get<int>(), 77);    // the nested "config" metric
      QCOMPARE(row["a.b"].get<int>(), 2);                         // one column, the last value...
      std::string notes;
      for (const auto& n : t->notes) notes += n + "\n";
      QVERIFY2(notes.find("\"a.b\" (trial 0)") != std::string::npos, notes.c_str());  // ...and a warning
      QVERIFY2(notes.find("the metric \"config.lr\" is exported as \"metric.metric.config.lr\"") != std::string::npos, notes.c_str());
      // The CSV header has every column once.
      std::set<std::string> unique(t->columns.begin(), t->columns.end());
      QCOMPARE(unique.size(), t->columns.size());
    }
    const Json trial_row = to_json_rows(trials)[0];
    QCOMPARE(trial_row["status"].get<std::string>(), std::string("completed"));
    QCOMPARE(trial_row["metric.status"].get<std::string>(), std::string("ok"));
  }

  void flattenKeepsOrderAndTheLastOfARepeatedName() {
    const Json j = Json::parse(R"({"z": 1, "a": {"y": 2, "b": {"c": 3}}, "e": {}, "a.y": 4})");
    QCOMPARE(flatten_json(j).dump(), std::string(R"({"z":1,"a.y":4,"a.b.c":3,"e":{}})"));
    QCOMPARE(flatten_json(j["a"], "p").dump(), std::string(R"({"p.y":2,"p.b.c":3})"));
    QCOMPARE(flatten_json(Json(5), "x").dump(), std::string(R"({"x":5})"));
  }

  void tablesPutEachValueInItsColumn() {
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("s.db")).toStdString();
    // Trials report different keys, in different orders; columns follow their first appearance.
    write_study(path, 3, [](int i) {
      if (i == 0) return Json{{"score", 0.5}, {"b", 1}, {"nested", {{"x", 2}}}};
      if (i == 1) return Json{{"c", 3}, {"score", 0.7}};
      return Json{{"nested", {{"y", 4}}}, {"b", 5}};
    });
    auto store = Store::open(path, Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    auto s = summarize(**store);
    QVERIFY2(s.ok(), s.error_text().c_str());
    auto t = results_table(**store, *s);
    QVERIFY(t.ok());
    const std::vector<std::string> want = {"trial_id", "iteration", "time_total_s", "ts", "config.lr", "config.net.depth",
                                           "score", "b", "nested.x", "c", "nested.y"};
    QCOMPARE(t->columns, want);
    QCOMPARE(Json(t->rows[0]).dump(), std::string(R"([0,1,1.0,100.0,0.0,0,0.5,1,2,null,null])"));
    QCOMPARE(Json(t->rows[1]).dump(), std::string(R"([1,1,1.0,101.0,0.1,1,0.7,null,null,3,null])"));
    QCOMPARE(Json(t->rows[2]).dump(), std::string(R"([2,1,1.0,102.0,0.2,2,null,5,null,null,4])"));
    const Json rows = to_json_rows(*t);
    QCOMPARE(rows[2].dump(), std::string(R"({"trial_id":2,"iteration":1,"time_total_s":1.0,"ts":102.0,"config.lr":0.2,)"
                                         R"("config.net.depth":2,"score":null,"b":5,"nested.x":null,"c":null,"nested.y":4})"));
    const Table trials = trials_table(*s);
    QCOMPARE(trials.rows.size(), size_t(3));
    const auto col = [&](const std::string& name) {
      return static_cast<size_t>(std::find(trials.columns.begin(), trials.columns.end(), name) - trials.columns.begin());
    };
    QVERIFY(trials.rows[1][col("c")] == Json(3));
    QVERIFY(trials.rows[1][col("b")].is_null());
    QVERIFY(trials.rows[2][col("nested.y")] == Json(4));
    QVERIFY(trials.rows[2][col("config.net.depth")] == Json(2));
    // A table whose columns repeat a name: one member, in its first place, holding the last value.
    Table dup{{"a", "b", "a"}, {{1, 2, 3}}, {}};
    QCOMPARE(to_json_rows(dup).dump(), std::string(R"([{"a":3,"b":2}])"));
  }

  void manyKeyResultsReadBackInLinearTime() {
    // A complexity check, not a race against the clock: reading back (show and both exports) a study whose
    // results hold 30,000 keys each is compared with a study of the same size whose values sit in one array
    // per result. With a search per key (parsing into an ordered Json, looking each column up in each row)
    // the keys cost ~1,000x the array; linear code stays within a small factor.
    QTemporaryDir dir;
    const std::string keys_db = dir.filePath(QStringLiteral("keys.db")).toStdString();
    const std::string array_db = dir.filePath(QStringLiteral("array.db")).toStdString();
    constexpr int kKeys = 30000;
    write_study(keys_db, 3, [](int) {
      Json m = Json::object();
      auto& members = m.get_ref<Json::object_t&>();  // appended: operator[] would search the keys each time
      for (int k = 0; k < kKeys; ++k) members.emplace_back("m" + std::to_string(k), k * 0.001);
      return m;
    });
    write_study(array_db, 3, [](int) {
      Json a = Json::array();
      for (int k = 0; k < kKeys; ++k) a.push_back(k * 0.001);
      Json names = Json::array();
      for (int k = 0; k < kKeys; ++k) names.push_back("m" + std::to_string(k));
      return Json{{"score", 1}, {"values", a}, {"names", names}};  // about the same bytes as the keys
    });
    size_t keys_out = 0, array_out = 0;
    const double t_array = best_of_three([&] { array_out = read_back(array_db); });
    const double t_keys = best_of_three([&] { keys_out = read_back(keys_db); });
    QVERIFY(keys_out > size_t(3) * kKeys * 8);  // every value was exported
    QVERIFY2(t_keys < 15 * t_array + 0.05,
             qPrintable(QStringLiteral("30,000 keys per result: %1 s; arrays of the same size: %2 s (%3 and %4 bytes out)")
                            .arg(t_keys).arg(t_array).arg(keys_out).arg(array_out)));
  }
};

QTEST_APPLESS_MAIN(TestSummary)
#include "test_summary.moc"
