// Search-space advice: the lint's warnings, several objectives in the spec, Pareto marks in a
// study summary, and `refine`'s narrowed space.
#include <QTest>

#include <random>
#include <set>

#include "core/analysis/refine.h"
#include "core/study/lint.h"
#include "core/util/pareto.h"
#include "tests/core/search/advice_specs.h"

using namespace tunelab;
using namespace tunelab::test;

namespace {

StudySpec spec_of(const char* text) {
  auto s = parse_spec(Json::parse(text), "/tmp");
  if (!s) qFatal("%s", s.error_text().c_str());
  return std::move(*s);
}

TrialSummary trial(int64_t id, const Json& config, const Json& last, std::optional<double> value) {
  TrialSummary t;
  t.rec.id = id;
  t.rec.config = config;
  t.rec.status = TrialStatus::Completed;
  t.iterations = 1;
  t.last = last;
  t.best = last;
  t.best_value = value;
  return t;
}

}  // namespace

class TestSpaceAdvice final : public QObject {
  Q_OBJECT
 private slots:
  void lintWarnsOnEachKind() {
    const auto w = lint_space(spec_of(kLintSpec));
    std::set<std::string> where;
    for (const auto& e : w) where.insert(e.where);
    // A wide linear float, a big linear int, contradictory conditions (nesterov needs adam and an active
    // momentum, which needs sgd), a child of that, a condition on an exact value of a continuous
    // parameter, and 210 grid points x 50 samples.
    QVERIFY(where.count("space.lr"));
    QVERIFY(where.count("space.units"));
    QVERIFY(where.count("space.nesterov.when.momentum"));
    QVERIFY(where.count("space.dampening.when.nesterov"));
    QVERIFY(where.count("space.gamma.when.beta"));
    QVERIFY(where.count("space"));
    QCOMPARE(w.size(), size_t(6));  // nothing on lr_ok, narrow, units_log, opt, momentum, beta, depth, width
    for (const auto& e : w) {
      if (e.where == "space.lr") QVERIFY(e.message.find("\"log\": true") != std::string::npos);
      if (e.where == "space") QVERIFY(e.message.find("10500 trials") != std::string::npos);
    }
  }

  void lintIsQuietOnAGoodSpace() { QVERIFY(lint_space(spec_of(kCleanSpec)).empty()); }

  void lintWarnsOnAHugeGridSearch() {
    Json j = Json::parse(kCleanSpec);
    j["space"] = {{"a", {{"type", "int"}, {"low", 0}, {"high", 199}}}, {"b", {{"type", "int"}, {"low", 0}, {"high", 99}}}};
    j["search"] = {{"type", "grid"}};
    j["num_samples"] = 1;
    const auto w = lint_space(spec_of(j.dump().c_str()));
    QCOMPARE(w.size(), size_t(1));
    QCOMPARE(w[0].where, std::string("search"));
  }

  void severalObjectives() {
    const StudySpec s = spec_of(kMultiSpec);
    QCOMPARE(s.objectives.size(), size_t(2));
    QCOMPARE(s.objective.metric, std::string("acc"));
    QVERIFY(s.objective.maximize);
    QVERIFY(!s.objectives[1].maximize);
    const SearchContext ctx = search_context(s);
    QCOMPARE(ctx.objectives.size(), size_t(2));
    QCOMPARE(ctx.objectives[1].first, std::string("latency"));
    // One objective: the context has none listed, as before.
    QVERIFY(search_context(spec_of(kCleanSpec)).objectives.empty());
    // Errors name the list entry; a single-objective searcher is refused.
    Json j = Json::parse(kMultiSpec);
    j["objective"][1]["mode"] = "fast";
    auto bad = parse_spec(j, "/tmp");
    QVERIFY(!bad.ok());
    QCOMPARE(bad.errors()[0].where, std::string("objective[1].mode"));
    j = Json::parse(kMultiSpec);
    j["search"] = {{"type", "gp"}};
    bad = parse_spec(j, "/tmp");
    QVERIFY(!bad.ok());
    QCOMPARE(bad.errors()[0].where, std::string("search.type"));
  }

  void paretoMarksMatchBruteForce() {
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> coarse(0, 9);
    const std::vector<Objective> objs = {{"acc", true}, {"latency", false}};
    for (int round = 0; round < 30; ++round) {
      std::vector<TrialSummary> trials;
      const int n = 1 + round * 3;
      for (int i = 0; i < n; ++i) {
        Json last = {{"acc", coarse(rng)}, {"latency", coarse(rng)}};
        if (i % 11 == 5) last.erase("latency");  // a trial without every metric does not count
        trials.push_back(trial(i, Json::object(), last, std::nullopt));
      }
      std::vector<int64_t> expected;
      for (const auto& a : trials) {
        if (!a.last.contains("latency")) continue;
        bool dominated = false;
        for (const auto& b : trials) {
          if (!b.last.contains("latency")) continue;
          const double aa = a.last["acc"], al = a.last["latency"], ba = b.last["acc"], bl = b.last["latency"];
          dominated = dominated || (ba >= aa && bl <= al && (ba > aa || bl < al));
        }
        if (!dominated) expected.push_back(a.rec.id);
      }
      QVERIFY(pareto_optimal_trials(objs, trials) == expected);
    }
  }

  void refineNarrowsToTheTopTrials() {
    const StudySpec spec = spec_of(kRefineSpec);
    StudySummary s;
    s.objective = spec.objective;
    s.objectives = spec.objectives;
    // Ten trials; the best two used lr around 1e-3, units 64..96, sgd and adam.
    const double lrs[] = {1e-3, 2e-3, 1e-5, 5e-2, 1e-4, 3e-2, 1e-2, 7e-5, 4e-4, 9e-2};
    const int units[] = {64, 96, 8, 512, 256, 128, 40, 16, 200, 480};
    const char* opts[] = {"sgd", "adam", "rmsprop", "rmsprop", "adam", "sgd", "rmsprop", "adam", "sgd", "adam"};
    for (int i = 0; i < 10; ++i) {
      Json cfg = {{"lr", lrs[i]}, {"units", units[i]}, {"opt", opts[i]}};
      if (std::string(opts[i]) == "sgd") cfg["momentum"] = 0.9;
      s.trials.push_back(trial(i, cfg, {{"loss", i}}, static_cast<double>(i)));
    }
    auto r = refine_spec(s, spec, 0.2);
    QVERIFY2(r.ok(), r.error_text().c_str());
    QCOMPARE(r->top_trials, size_t(2));
    const Json& sp = r->spec["space"];
    QVERIFY(sp["lr"]["log"] == true);
    const double lo = sp["lr"]["low"], hi = sp["lr"]["high"];
    // 1e-3 .. 2e-3 widened by 10% of the span in log space: about 9.3e-4 .. 2.1e-3.
    QVERIFY(lo < 1e-3 && lo > 9e-4 && hi > 2e-3 && hi < 2.2e-3);
    // Units keep their step of 8: 64..96 widened by 3.2, rounded outwards to multiples of 8.
    QCOMPARE(sp["units"]["low"].get<int>(), 56);
    QCOMPARE(sp["units"]["high"].get<int>(), 104);
    QCOMPARE(sp["units"]["step"].get<int>(), 8);
    QVERIFY(sp["opt"]["values"] == Json({"sgd", "adam"}));
    QCOMPARE(r->spec["name"].get<std::string>(), std::string("r-refined"));
    QVERIFY(!r->spec.contains("seed"));
    QVERIFY(parse_spec(r->spec, "/tmp").ok());
    // Too few trials with a value.
    s.trials.resize(1);
    QVERIFY(!refine_spec(s, spec, 0.2).ok());
    QVERIFY(!refine_spec(s, spec, 0).ok());
    // Several objectives: the Pareto front is what refine keeps; one trial on it is too few, and the error counts
    // the trials on the front, not those with a value.
    s.objectives.push_back({"units", true});
    s.trials.push_back(trial(1, {{"lr", 1e-3}, {"units", 64}, {"opt", "sgd"}}, {{"loss", 1}}, 1.0));
    s.trials[0].pareto_optimal = true;
    auto front = refine_spec(s, spec, 0.2);
    QVERIFY(!front.ok());
    QVERIFY2(front.error_text().find("this study has 1 of 2 trials on its Pareto front") != std::string::npos,
             front.error_text().c_str());
  }
};

QTEST_APPLESS_MAIN(TestSpaceAdvice)
#include "test_space_advice.moc"
