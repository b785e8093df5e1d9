// One suite over every searcher: suggestions stay inside random spaces with conditions and steps,
// are reproducible for a fixed seed, survive errors and early stops, and a searcher rebuilt from
// the history (as after a resume) continues exactly as the original.
#include <QTest>

#include "tests/core/search/search_test_util.h"

using namespace tunelab;
using namespace tunelab::test;

namespace {

struct Run {
  std::vector<Json> configs;
  std::string error;
};

bool is_multi(const Json& block) { return block["type"] == "nsga2" || block["type"] == "motpe"; }

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
  void searchers() {
    QTest::addColumn<QString>("block");
    QTest::addColumn<int>("trials");
    // Small startup counts so that the models are used within the trials of a test.
    QTest::newRow("random") << R"({"type": "random"})" << 30;
    QTest::newRow("sobol") << R"({"type": "sobol"})" << 30;
    QTest::newRow("tpe") << R"({"type": "tpe", "n_startup_trials": 5})" << 30;
    QTest::newRow("tpe_multivariate") << R"({"type": "tpe", "n_startup_trials": 5, "multivariate": true})" << 30;
    QTest::newRow("gp") << R"({"type": "gp", "n_startup_trials": 5, "n_candidates": 64, "restarts": 1})" << 20;
    QTest::newRow("gp_ucb") << R"({"type": "gp", "n_startup_trials": 5, "acquisition": "ucb", "n_candidates": 64,
                                   "restarts": 1, "parallel": "constant_liar"})" << 20;
    QTest::newRow("cmaes") << R"({"type": "cmaes", "popsize": 4})" << 30;
    QTest::newRow("cmaes_ipop") << R"({"type": "cmaes", "popsize": 4, "restart": "ipop"})" << 30;
    QTest::newRow("bohb") << R"({"type": "bohb", "min_points_in_model": 3, "random_fraction": 0.2})" << 30;
    QTest::newRow("nsga2") << R"({"type": "nsga2", "population_size": 6})" << 30;
    QTest::newRow("motpe") << R"({"type": "motpe", "n_startup_trials": 5})" << 30;
    QTest::newRow("tpe_points_repeat_limit")
        << R"({"type": "tpe", "n_startup_trials": 4, "repeat": 2, "max_concurrent": 4})" << 30;
  }

 private slots:
  void staysInsideRandomSpaces_data() { searchers(); }
  void staysInsideRandomSpaces() {
    QFETCH(QString, block);
    QFETCH(int, trials);
    Json b = Json::parse(block.toStdString());
    for (uint64_t seed = 1; seed <= 6; ++seed) {
      const SearchSpace space = seed == 1 ? space_from(kRichSpace) : *parse_space(random_space_json(seed));
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
    const SearchSpace space = space_from(kRichSpace);
    const Run a = drive(space, b, trials, 11), again = drive(space, b, trials, 11), other = drive(space, b, trials, 12);
    QVERIFY(a.configs == again.configs);
    QVERIFY(a.configs != other.configs);
  }

  void resumesFromHistory_data() { searchers(); }
  void resumesFromHistory() {
    QFETCH(QString, block);
    QFETCH(int, trials);
    const Json b = Json::parse(block.toStdString());
    const SearchSpace space = space_from(kRichSpace);
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
    const SearchSpace space = space_from(kRichSpace);
    auto s = make_searcher(context(space, b, 6, 1));
    QVERIFY2(s.ok(), s.error_text().c_str());
    QCOMPARE((*s)->total_trials(), b.value("repeat", 1) > 1 ? int64_t(6) : int64_t(6));
    QCOMPARE((*s)->suggest(6).kind, Suggestion::Kind::Finished);
  }
};

QTEST_APPLESS_MAIN(TestConformance)
#include "test_conformance.moc"
