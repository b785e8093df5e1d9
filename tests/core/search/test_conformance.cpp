// One suite over every searcher of the registry: suggestions stay inside random spaces with conditions
// and steps, are reproducible for a fixed seed, survive errors and early stops, and a searcher rebuilt
// from the history (as after a resume) continues exactly as the original.
#include <QTest>

#include <set>

#include "tests/core/search/search_test_util.h"

using namespace tunelab;
using namespace tunelab::test;

namespace {

struct Run {
  std::vector<Json> configs;
  std::string error;
};

bool is_multi(const Json& block) { return block["type"] == "nsga2" || block["type"] == "motpe"; }
bool is_grid(const Json& block) { return block["type"] == "grid"; }

// Variants run besides each searcher's defaults: small startup counts so that the models are used
// within the trials of a test, and the options that change how a searcher works. Every searcher of the
// registry gets a row even when it has no entry here.
struct Variant {
  const char* name;
  const char* block;
  int trials;
};
const Variant kVariants[] = {
    {"random", R"({"type": "random"})", 30},
    {"grid", R"({"type": "grid"})", 30},
    {"sobol", R"({"type": "sobol"})", 30},
    {"tpe", R"({"type": "tpe", "n_startup_trials": 5})", 30},
    {"tpe_multivariate", R"({"type": "tpe", "n_startup_trials": 5, "multivariate": true})", 30},
    {"gp", R"({"type": "gp", "n_startup_trials": 5, "n_candidates": 64, "restarts": 1})", 20},
    {"gp_ucb", R"({"type": "gp", "n_startup_trials": 5, "acquisition": "ucb", "n_candidates": 64,
                   "restarts": 1, "parallel": "constant_liar"})", 20},
    {"cmaes", R"({"type": "cmaes", "popsize": 4})", 30},
    {"cmaes_ipop", R"({"type": "cmaes", "popsize": 4, "restart": "ipop"})", 30},
    {"bohb", R"({"type": "bohb", "min_points_in_model": 3, "random_fraction": 0.2})", 30},
    {"nsga2", R"({"type": "nsga2", "population_size": 6})", 30},
    {"motpe", R"({"type": "motpe", "n_startup_trials": 5})", 30},
    {"tpe_points_repeat_limit", R"({"type": "tpe", "n_startup_trials": 4, "repeat": 2, "max_concurrent": 4})", 30},
};
// Searchers that draw nothing at random: the same trials for every seed.
const std::set<std::string> kSeedless = {"grid"};

// Grid search takes no continuous range: every numeric parameter becomes a choice of its low, middle
// and high value (on its step, if any); conditions stay.
Json discretized(Json space) {
  for (auto& [name, p] : space.items()) {
    if (!p.is_object()) continue;
    if (!p.contains("type")) {
      p = discretized(p);
      continue;
    }
    if (p["type"] != "float" && p["type"] != "int") continue;
    const double lo = p["low"].get<double>(), hi = p["high"].get<double>();
    double mid = p.value("log", false) ? std::sqrt(lo * hi) : (lo + hi) / 2;
    const double step = p.value("step", p["type"] == "int" ? 1.0 : 0.0);
    if (step > 0) mid = lo + step * std::floor((mid - lo) / step);
    Json values = Json::array();
    for (double v : {lo, mid, hi}) {
      if (p["type"] == "int") values.push_back(static_cast<int64_t>(v));
      else values.push_back(v);
    }
    Json choice = {{"type", "choice"}, {"values", values}};
    if (p.contains("when")) choice["when"] = p["when"];
    p = choice;
  }
  return space;
}

// The space a searcher is tested on: as given, or discretized for grid search.
SearchSpace space_for(const Json& block, const Json& space) {
  auto s = parse_space(is_grid(block) ? discretized(space) : space);
  if (!s) throw std::runtime_error(s.error_text());
  return std::move(*s);
}

SearchContext context(const SearchSpace& space, const Json& block, int64_t n, uint64_t seed) {
  SearchContext ctx{&space, "loss", false, n, seed, block};
  if (is_multi(block)) ctx.objectives = {{"loss", false}, {"cost", true}};
  return ctx;
}

// Drives a searcher sequentially for n trials; every 7th trial errors, every 5th stops early.
// With `replay_until` >= 0 the searcher is replaced at that trial by a fresh one that replays the
// history so far through on_complete (a resume).
Run drive(const SearchSpace& space, const Json& block, int64_t n, uint64_t seed, int64_t replay_until = -1) {
  Run run;
  auto made = make_searcher(context(space, block, n, seed));
  if (!made) return {{}, made.error_text()};
  std::unique_ptr<Searcher> s = std::move(*made);
  std::vector<TrialSnapshot> history;
  for (int64_t i = 0; i < n; ++i) {
    if (i == replay_until) {
      auto fresh = make_searcher(context(space, block, n, seed));
      s = std::move(*fresh);
      for (const auto& t : history) s->on_complete(t);
    }
    Suggestion sg = s->suggest(i);
    if (sg.kind != Suggestion::Kind::Config) {
      run.error = "trial " + std::to_string(i) + ": no config";
      return run;
    }
    run.configs.push_back(sg.config);
    const double y = config_value(sg.config);
    TrialSnapshot t;
    if (i % 7 == 6) {
      t = completed(i, sg.config, {}, TrialStatus::Error);
    } else {
      const TrialStatus st = i % 5 == 4 ? TrialStatus::Stopped : TrialStatus::Completed;
      t = completed(i, sg.config, {{"loss", y}, {"cost", std::cos(y)}}, st);
      s->on_result(t, t.last_result);
    }
    s->on_complete(t);
    history.push_back(t);
  }
  return run;
}

}  // namespace

class TestConformance final : public QObject {
  Q_OBJECT
 private:
  // The rows: every searcher the registry knows (its variants above, or its defaults).
  void searchers() {
    QTest::addColumn<QString>("block");
    QTest::addColumn<int>("trials");
    for (const auto& def : searcher_defs()) {
      bool listed = false;
      for (const auto& v : kVariants) {
        if (Json::parse(v.block)["type"] != def.type) continue;
        QTest::newRow(v.name) << QString::fromUtf8(v.block) << v.trials;
        listed = true;
      }
      if (!listed) QTest::newRow(def.type.c_str()) << QString::fromStdString(Json{{"type", def.type}}.dump()) << 30;
    }
  }

 private slots:
  void staysInsideRandomSpaces_data() { searchers(); }
  void staysInsideRandomSpaces() {
    QFETCH(QString, block);
    QFETCH(int, trials);
    Json b = Json::parse(block.toStdString());
    for (uint64_t seed = 1; seed <= 6; ++seed) {
      const SearchSpace space = space_for(b, seed == 1 ? Json::parse(kRichSpace) : random_space_json(seed));
      const Run run = drive(space, b, trials, seed);
      QVERIFY2(run.error.empty(), run.error.c_str());
      QCOMPARE(static_cast<int>(run.configs.size()), trials);
      for (const auto& c : run.configs) {
        Json cfg = c;
        cfg.erase("_repeat_index");
        const std::string why = check_config(space, cfg);
        QVERIFY2(why.empty(), (why + " in " + dump_compact(c)).c_str());
      }
    }
  }

  void reproducibleForASeed_data() { searchers(); }
  void reproducibleForASeed() {
    QFETCH(QString, block);
    QFETCH(int, trials);
    const Json b = Json::parse(block.toStdString());
    const SearchSpace space = space_for(b, Json::parse(kRichSpace));
    const Run a = drive(space, b, trials, 11), again = drive(space, b, trials, 11), other = drive(space, b, trials, 12);
    QVERIFY2(a.error.empty(), a.error.c_str());
    QCOMPARE(static_cast<int>(a.configs.size()), trials);
    QVERIFY(a.configs == again.configs);
    if (kSeedless.count(b["type"].get<std::string>())) QVERIFY(a.configs == other.configs);
    else QVERIFY(a.configs != other.configs);
  }

  void resumesFromHistory_data() { searchers(); }
  void resumesFromHistory() {
    QFETCH(QString, block);
    QFETCH(int, trials);
    const Json b = Json::parse(block.toStdString());
    const SearchSpace space = space_for(b, Json::parse(kRichSpace));
    const Run straight = drive(space, b, trials, 5);
    // Replaced at a point where the model is in use (and, for the repeater, mid-group).
    const Run resumed = drive(space, b, trials, 5, trials / 2 + 1);
    QVERIFY2(resumed.error.empty(), resumed.error.c_str());
    QCOMPARE(resumed.configs.size(), straight.configs.size());
    for (size_t i = 0; i < straight.configs.size(); ++i) {
      QVERIFY2(resumed.configs[i] == straight.configs[i],
               ("trial " + std::to_string(i) + ": " + dump_compact(resumed.configs[i]) + " vs " +
                dump_compact(straight.configs[i]))
                   .c_str());
    }
  }

  void finishesAfterNumSamples_data() { searchers(); }
  void finishesAfterNumSamples() {
    QFETCH(QString, block);
    const Json b = Json::parse(block.toStdString());
    const SearchSpace space = space_for(b, Json::parse(kRichSpace));
    // 7 samples: a repeated searcher runs whole groups (4 configs x 2); a grid runs every point 7 times.
    const int64_t repeat = b.value("repeat", int64_t{1});
    int64_t expected = (7 + repeat - 1) / repeat * repeat;
    if (is_grid(b)) {
      auto once = make_searcher(context(space, b, 1, 1));
      QVERIFY2(once.ok(), once.error_text().c_str());
      const int64_t points = (*once)->total_trials();
      std::set<std::string> distinct;
      for (int64_t i = 0; i < points; ++i) distinct.insert(dump_compact((*once)->suggest(i).config));
      QCOMPARE(static_cast<int64_t>(distinct.size()), points);
      QVERIFY(points > 1);
      expected = points * 7;
    }
    auto s = make_searcher(context(space, b, 7, 1));
    QVERIFY2(s.ok(), s.error_text().c_str());
    QCOMPARE((*s)->total_trials(), expected);
    QCOMPARE((*s)->suggest(expected).kind, Suggestion::Kind::Finished);
    // Not finished before: every trial up to the total gets a config (or waits for results first).
    auto fresh = make_searcher(context(space, b, 7, 1));
    for (int64_t i = 0; i < expected; ++i) {
      const Suggestion sg = (*fresh)->suggest(i);
      QVERIFY2(sg.kind != Suggestion::Kind::Finished, ("finished at trial " + std::to_string(i)).c_str());
      if (sg.kind != Suggestion::Kind::Config) break;
    }
  }
};

QTEST_APPLESS_MAIN(TestConformance)
#include "test_conformance.moc"
