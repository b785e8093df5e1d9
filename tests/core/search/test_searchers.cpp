// Random and grid search: reproducible, in bounds, conditional parameters, grid semantics.
#include <QTest>

#include <set>

#include "core/search/grid_searcher.h"
#include "core/search/random_searcher.h"

using namespace tunelab;

namespace {

SearchSpace space_of(const char* text) {
  auto s = parse_space(Json::parse(text));
  if (!s) qFatal("%s", s.error_text().c_str());
  return std::move(*s);
}

const char* kConditional = R"({
  "optimizer": {"choice": ["sgd", "adam"]},
  "lr": {"loguniform": [1e-4, 1e-1]},
  "momentum": {"type": "float", "low": 0, "high": 0.99, "when": {"optimizer": "sgd"}},
  "layers": {"grid_search": [1, 2, 3]}
})";

}  // namespace

class TestSearchers final : public QObject {
  Q_OBJECT
 private slots:
  void randomIsReproducibleAndOrderIndependent() {
    const SearchSpace space = space_of(kConditional);
    RandomSearcher a(space, 5, 11), b(space, 5, 11), c(space, 5, 12);
    std::vector<Json> first;
    for (int i = 0; i < 15; ++i) first.push_back(a.suggest(i).config);
    // Asked in another order (as after a resume), each trial gets the same config.
    for (int i = 14; i >= 0; --i) QVERIFY(b.suggest(i).config == first[static_cast<size_t>(i)]);
    int same = 0;
    for (int i = 0; i < 15; ++i) same += c.suggest(i).config == first[static_cast<size_t>(i)];
    QVERIFY(same < 15);  // another seed, other configs
  }

  void randomEnumeratesGridTimesNumSamples() {
    const SearchSpace space = space_of(kConditional);
    RandomSearcher s(space, 4, 1);
    QCOMPARE(s.total_trials(), int64_t(12));
    std::map<int, int> layers;
    for (int i = 0; i < 12; ++i) {
      const Json cfg = s.suggest(i).config;
      layers[cfg["layers"].get<int>()]++;
      const double lr = cfg["lr"].get<double>();
      QVERIFY(lr >= 1e-4 && lr <= 1e-1);
      // Inactive parameters are absent from the config.
      QCOMPARE(cfg.contains("momentum"), cfg["optimizer"] == "sgd");
    }
    QVERIFY((layers == std::map<int, int>{{1, 4}, {2, 4}, {3, 4}}));
    QCOMPARE(s.suggest(12).kind, Suggestion::Kind::Finished);
  }

  void gridEnumeratesDistinctCombinations() {
    const SearchSpace space = space_of(R"({
      "opt": {"choice": ["sgd", "adam"]},
      "mom": {"type": "float", "low": 0, "high": 0.5, "step": 0.25, "when": {"opt": "sgd"}},
      "bs": {"type": "int", "low": 16, "high": 32, "step": 16},
      "fixed": 3
    })");
    auto g = GridSearcher::create(space, 2);
    QVERIFY2(g.ok(), g.error_text().c_str());
    // sgd x 3 momenta x 2 batch sizes + adam x 2 batch sizes = 8 points, twice.
    QCOMPARE((*g)->total_trials(), int64_t(16));
    std::set<std::string> seen;
    for (int i = 0; i < 8; ++i) {
      const Json cfg = (*g)->suggest(i).config;
      QCOMPARE(cfg["fixed"].get<int>(), 3);
      seen.insert(dump_compact(cfg));
    }
    QCOMPARE(seen.size(), size_t(8));
    QVERIFY((*g)->suggest(8).config == (*g)->suggest(0).config);
    QCOMPARE((*g)->suggest(16).kind, Suggestion::Kind::Finished);
  }

  void gridRejectsContinuous() {
    const SearchSpace space = space_of(R"({"lr": {"loguniform": [1e-4, 1e-1]}})");
    auto g = GridSearcher::create(space, 1);
    QVERIFY(!g.ok());
    QCOMPARE(g.errors()[0].where, std::string("space.lr"));
  }

  void factoryUsesSearchBlock() {
    const SearchSpace space = space_of(kConditional);
    SearchContext ctx{&space, "acc", true, 2, 5, Json{{"type", "random"}, {"seed", 9}}};
    auto s = make_searcher(ctx);
    QVERIFY(s.ok());
    RandomSearcher direct(space, 2, 9);
    QVERIFY((*s)->suggest(3).config == direct.suggest(3).config);
  }
};

QTEST_APPLESS_MAIN(TestSearchers)
#include "test_searchers.moc"
