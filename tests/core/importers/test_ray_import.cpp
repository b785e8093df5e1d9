// The Ray Tune reader against experiments Ray itself wrote (tests/data/import/make_ray.py): every trial's
// configuration, last results, iterations and status as Ray's ResultGrid.get_dataframe() and experiment state
// report them; bad folders, missing params.json and cut result lines.
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/importers/ray_import.h"
#include "core/space/space.h"

using namespace tunelab;
namespace fs = std::filesystem;

namespace {

const std::string kRay = std::string(TUNELAB_TEST_DATA) + "/import/ray";

// dataframe.csv: one row per trial, column name -> cell text.
std::vector<std::map<std::string, std::string>> read_dataframe(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  auto split = [](const std::string& l) {
    std::vector<std::string> out;
    std::stringstream ss(l);
    std::string cell;
    while (std::getline(ss, cell, ',')) out.push_back(cell);
    if (!l.empty() && l.back() == ',') out.push_back("");
    return out;
  };
  const auto header = split(line);
  std::vector<std::map<std::string, std::string>> rows;
  while (std::getline(in, line)) {
    const auto cells = split(line);
    std::map<std::string, std::string> row;
    for (size_t i = 0; i < header.size() && i < cells.size(); ++i) row[header[i]] = cells[i];
    rows.push_back(row);
  }
  return rows;
}

const ImportedTrial* find(const ImportedStudy& s, const std::string& key) {
  for (const auto& t : s.trials) {
    if (t.key == key) return &t;
  }
  return nullptr;
}

double num(const std::string& s) { return std::stod(s); }

std::string copy_fixture(const QTemporaryDir& dir, const std::string& name) {
  const std::string to = dir.path().toStdString() + "/" + name;
  fs::copy(kRay + "/" + name, to, fs::copy_options::recursive);
  return to;
}

fs::path trial_folder(const std::string& exp, const std::string& id) {
  for (const auto& e : fs::directory_iterator(exp)) {
    if (e.is_directory() && e.path().filename().string().find(id) != std::string::npos) return e.path();
  }
  return {};
}

}  // namespace

class RayImport final : public QObject {
  Q_OBJECT
 private slots:
  void ashaMatchesWhatRayReports() {
    auto s = read_ray_experiment(kRay + "/asha_nested", {"", "", "min"});
    QVERIFY2(s.ok(), s.error_text().c_str());
    QCOMPARE(s->trials.size(), size_t(4));
    QVERIFY(s->problems.empty());
    const auto rows = read_dataframe(kRay + "/asha_nested/dataframe.csv");
    QCOMPARE(rows.size(), size_t(4));
    int errored = 0, stopped = 0, completed = 0;
    for (const auto& row : rows) {
      const ImportedTrial* t = find(*s, row.at("trial_id"));
      QVERIFY2(t, row.at("trial_id").c_str());
      // Nested configs: as Ray passed them, and dotted in the spec.
      QCOMPARE(t->config["optim"]["lr"].get<double>(), num(row.at("config/optim/lr")));
      QCOMPARE(t->config["optim"]["momentum"].get<double>(), num(row.at("config/optim/momentum")));
      QCOMPARE(t->config["model"]["layers"].get<int64_t>(), int64_t(num(row.at("config/model/layers"))));
      QCOMPARE(QString::fromStdString(t->config["model"]["act"].get<std::string>()), QString::fromStdString(row.at("config/model/act")));
      QCOMPARE(t->config["batch"].get<int64_t>(), int64_t(32));
      // Last result: its iteration and every numeric metric.
      QVERIFY(!t->results.empty());
      const auto& last = t->results.back();
      QCOMPARE(last.iteration, int64_t(num(row.at("training_iteration"))));
      QCOMPARE(int64_t(t->results.size()), last.iteration);
      QCOMPARE(last.metrics["loss"].get<double>(), num(row.at("loss")));
      QCOMPARE(last.metrics["acc"].get<double>(), num(row.at("acc")));
      QCOMPARE(last.metrics["layers_seen"].get<double>(), num(row.at("layers_seen")));
      QCOMPARE(last.time_total_s, num(row.at("time_total_s")));
      QVERIFY(!last.metrics.contains("timestamp"));
      QVERIFY(!last.metrics.contains("pid"));
      // Status: Ray's ERROR keeps its error text; TERMINATED short of the longest run was stopped early.
      const std::string ray_status = t->attrs.value("ray.status", "");
      if (ray_status == "ERROR") {
        ++errored;
        QCOMPARE(t->status, TrialStatus::Error);
        QVERIFY2(t->error.find("diverged: loss is nan at step 2") != std::string::npos, t->error.c_str());
        QCOMPARE(row.at("done"), std::string("False"));
      } else {
        QCOMPARE(QString::fromStdString(ray_status), QStringLiteral("TERMINATED"));
        QCOMPARE(row.at("done"), std::string("True"));
        if (last.iteration < 8) {
          ++stopped;
          QCOMPARE(t->status, TrialStatus::Stopped);
        } else {
          ++completed;
          QCOMPARE(t->status, TrialStatus::Completed);
        }
      }
      QVERIFY(t->attrs.value("ray.logdir", "").find(row.at("trial_id")) != std::string::npos);
    }
    QCOMPARE(errored, 1);
    QCOMPARE(completed, 1);
    QCOMPARE(stopped, 2);
    // The spec: metric from Ray's state, mode given, nested space, random search (BasicVariantGenerator).
    QCOMPARE(QString::fromStdString(s->spec["objective"]["metric"].get<std::string>()), QStringLiteral("loss"));
    QCOMPARE(QString::fromStdString(s->spec["search"]["type"].get<std::string>()), QStringLiteral("random"));
    QCOMPARE(QString::fromStdString(s->spec["space"]["optim"]["lr"]["type"].get<std::string>()), QStringLiteral("float"));
    QCOMPARE(QString::fromStdString(s->spec["space"]["model"]["act"]["type"].get<std::string>()), QStringLiteral("choice"));
    QCOMPARE(QString::fromStdString(s->spec["space"]["batch"]["type"].get<std::string>()), QStringLiteral("const"));
    QCOMPARE(QString::fromStdString(s->spec["trainable"]["command"][0].get<std::string>()), QString::fromUtf8(kImportedNoTrainable));
  }

  void modeAndMetricAreAskedFor() {
    auto s = read_ray_experiment(kRay + "/asha_nested", {});
    QVERIFY(!s.ok());
    QVERIFY2(s.error_text().find("--mode max|min") != std::string::npos, s.error_text().c_str());
    QVERIFY(s.error_text().find("experiment_state-") != std::string::npos);
    auto bad = read_ray_experiment(kRay + "/asha_nested", {"", "nope", "min"});
    QVERIFY(!bad.ok());
    QVERIFY2(bad.error_text().find("metrics found: acc, layers_seen, loss") != std::string::npos, bad.error_text().c_str());
    // Without the experiment state, the metric is unknown: the error lists what the trials reported.
    QTemporaryDir dir;
    const std::string exp = copy_fixture(dir, "asha_nested");
    for (const auto& e : fs::directory_iterator(exp)) {
      if (e.path().filename().string().rfind("experiment_state", 0) == 0) fs::remove(e.path());
    }
    auto none = read_ray_experiment(exp, {});
    QVERIFY(!none.ok());
    QVERIFY2(none.error_text().find("give --metric M --mode max|min (metrics found: acc, layers_seen, loss") != std::string::npos,
             none.error_text().c_str());
    // ... and statuses come from the trial folders: error.txt, and `done` in the last result.
    auto guessed = read_ray_experiment(exp, {"", "loss", "min"});
    QVERIFY2(guessed.ok(), guessed.error_text().c_str());
    int errors = 0;
    for (const auto& t : guessed->trials) errors += t.status == TrialStatus::Error;
    QCOMPARE(errors, 1);
  }

  void midRunExperiment() {
    auto s = read_ray_experiment(kRay + "/midrun_part", {"", "", "max"});
    QVERIFY2(s.ok(), s.error_text().c_str());
    QCOMPARE(s->trials.size(), size_t(4));
    int running = 0, pending = 0;
    for (const auto& t : s->trials) {
      if (t.attrs.value("ray.status", "") == "RUNNING") {
        ++running;
        QCOMPARE(t.status, TrialStatus::Paused);
        QCOMPARE(t.results.size(), size_t(5));
      } else {
        QCOMPARE(QString::fromStdString(t.attrs.value("ray.status", "")), QStringLiteral("PENDING"));
        ++pending;
        QCOMPARE(t.status, TrialStatus::Pending);
        QVERIFY(t.results.empty());
        QVERIFY(t.config.contains("x"));
        QVERIFY(t.config["opt"].contains("wd"));
      }
    }
    QCOMPARE(running, 1);
    QCOMPARE(pending, 3);
    // The same experiment finished: every trial as Ray's dataframe has it.
    auto done = read_ray_experiment(kRay + "/midrun", {"", "", "max"});
    QVERIFY2(done.ok(), done.error_text().c_str());
    for (const auto& row : read_dataframe(kRay + "/midrun/dataframe.csv")) {
      const ImportedTrial* t = find(*done, row.at("trial_id"));
      QVERIFY(t);
      QCOMPARE(t->status, TrialStatus::Completed);
      QCOMPARE(t->results.back().iteration, int64_t(num(row.at("training_iteration"))));
      QCOMPARE(t->results.back().metrics["score"].get<double>(), num(row.at("score")));
      QCOMPARE(t->config["x"].get<double>(), num(row.at("config/x")));
    }
  }

  void badFolders() {
    QTemporaryDir dir;
    auto neither = read_ray_experiment(dir.path().toStdString(), {"", "loss", "min"});
    QVERIFY(!neither.ok());
    QVERIFY2(neither.error_text().find("neither a Ray Tune experiment folder (no experiment_state-*.json") != std::string::npos, neither.error_text().c_str());

    const std::string exp = copy_fixture(dir, "asha_nested");
    auto one = read_ray_experiment(trial_folder(exp, "8b0ac_00000").string(), {"", "loss", "min"});
    QVERIFY(!one.ok());
    QVERIFY2(one.error_text().find("one trial's folder") != std::string::npos, one.error_text().c_str());

    // A trial without params.json is skipped with its folder named; the others are imported.
    const fs::path no_params = trial_folder(exp, "8b0ac_00001");
    fs::remove(no_params / "params.json");
    // A result.json whose last line is cut: the complete lines are kept.
    const fs::path cut = trial_folder(exp, "8b0ac_00000") / "result.json";
    std::string text;
    {
      std::ifstream in(cut);
      std::stringstream ss;
      ss << in.rdbuf();
      text = ss.str();
    }
    std::ofstream(cut, std::ios::trunc) << text.substr(0, text.size() - 40);
    auto s = read_ray_experiment(exp, {"", "", "min"});
    QVERIFY2(s.ok(), s.error_text().c_str());
    QCOMPARE(s->trials.size(), size_t(3));
    QCOMPARE(s->skipped_trials, int64_t(1));
    QCOMPARE(s->skipped_results, int64_t(1));
    QCOMPARE(s->problems.size(), size_t(2));
    std::string all;
    for (const auto& p : s->problems) all += p + "\n";
    QVERIFY2(all.find(no_params.string() + ": no params.json") != std::string::npos, all.c_str());
    QVERIFY2(all.find(cut.string() + ":8: the last line is cut") != std::string::npos, all.c_str());
    const ImportedTrial* t0 = find(*s, "8b0ac_00000");
    QVERIFY(t0);
    QCOMPARE(t0->results.size(), size_t(7));
  }

  // Without result.json and without the experiment state, the statuses come from progress.csv, where Ray writes
  // `done` as True/False: the same as read from the experiment state.
  void progressCsvAloneGivesTheSameStatuses() {
    auto full = read_ray_experiment(kRay + "/asha_nested", {"", "", "min"});
    QVERIFY2(full.ok(), full.error_text().c_str());
    QTemporaryDir dir;
    const std::string exp = copy_fixture(dir, "asha_nested");
    for (const auto& e : fs::directory_iterator(exp)) {
      if (e.path().filename().string().starts_with("experiment_state")) fs::remove(e.path());
      if (e.is_directory()) fs::remove(e.path() / "result.json");
    }
    auto csv = read_ray_experiment(exp, {"", "loss", "min"});
    QVERIFY2(csv.ok(), csv.error_text().c_str());
    QCOMPARE(csv->trials.size(), full->trials.size());
    int finished = 0;
    for (const auto& t : full->trials) {
      const ImportedTrial* c = find(*csv, t.key);
      QVERIFY2(c, t.key.c_str());
      QCOMPARE(QString::fromLatin1(to_string(c->status)), QString::fromLatin1(to_string(t.status)));
      QCOMPARE(c->results.size(), t.results.size());
      finished += is_finished(t.status);
    }
    QVERIFY(finished >= 2);
  }

  // Ray names a nested metric by its path with "/" (TuneConfig(metric="val/loss") for {"val": {"loss": ...}});
  // its results are read with the nested names dotted, so the objective is val.loss.
  void raysNestedMetricNameIsTheDottedOne() {
    QTemporaryDir dir;
    const std::string exp = copy_fixture(dir, "asha_nested");
    for (const auto& e : fs::directory_iterator(exp)) {
      const std::string name = e.path().filename().string();
      if (name.starts_with("experiment_state")) {
        std::ifstream in(e.path());
        std::stringstream ss;
        ss << in.rdbuf();
        std::string text = ss.str();
        const auto at = text.find("\"_metric\": \"loss\"");
        QVERIFY(at != std::string::npos);
        text.replace(at, std::string("\"_metric\": \"loss\"").size(), "\"_metric\": \"val/loss\"");
        std::ofstream(e.path(), std::ios::trunc) << text;
      } else if (e.is_directory()) {
        std::ifstream in(e.path() / "result.json");
        std::string line, out;
        while (std::getline(in, line)) {
          Json j = Json::parse(line);
          j["val"] = {{"loss", j["loss"]}};
          j.erase("loss");
          out += j.dump() + "\n";
        }
        in.close();
        std::ofstream(e.path() / "result.json", std::ios::trunc) << out;
      }
    }
    auto s = read_ray_experiment(exp, {"", "", "min"});
    QVERIFY2(s.ok(), s.error_text().c_str());
    QCOMPARE(QString::fromStdString(s->spec["objective"]["metric"].get<std::string>()), QStringLiteral("val.loss"));
    QVERIFY(s->trials[0].results.back().metrics.contains("val.loss"));
  }

  // Real Ray configs name nested keys "type" ({"model": {"type": "resnet"}}), and may give a key a value in one
  // trial and a group in another: the first gets a space that parses, the second is said, never silently lost.
  void configKeysNamedLikeDefinitionKeysAndGroupsThatAreValuesElsewhere() {
    QTemporaryDir dir;
    const Json configs = Json::parse(R"([{"model": {"type": "resnet", "depth": 50}, "opt": {"lr": 0.1}},
                                         {"model": {"type": "vit", "depth": 12}, "opt": "none"},
                                         {"model": {"type": "resnet", "depth": 101}, "opt": {"lr": 0.2}}])");
    for (size_t i = 0; i < configs.size(); ++i) {
      const fs::path t = fs::path(dir.path().toStdString()) / ("train_0000" + std::to_string(i));
      fs::create_directories(t);
      std::ofstream(t / "params.json") << configs[i].dump();
      std::ofstream out(t / "result.json");
      for (int it = 1; it <= 3; ++it) {
        out << Json{{"loss", 1.0 / (it + static_cast<double>(i))}, {"training_iteration", it}, {"done", it == 3}}.dump() << "\n";
      }
    }
    auto s = read_ray_experiment(dir.path().toStdString(), {"", "loss", "min"});
    QVERIFY2(s.ok(), s.error_text().c_str());
    auto space = parse_space(s->spec["space"]);
    QVERIFY2(space.ok(), (space.error_text() + " in " + s->spec["space"].dump()).c_str());
    QCOMPARE(space->find("model.type")->type, ParamType::Choice);
    QVERIFY(space->find("opt.lr") != nullptr);
    std::string all;
    for (const auto& p : s->problems) all += p + "\n";
    QVERIFY2(all.find("parameter opt: some trials give it a value and others a group") != std::string::npos, all.c_str());
    QCOMPARE(s->trials.size(), size_t(3));
  }
};

QTEST_APPLESS_MAIN(RayImport)
#include "test_ray_import.moc"
