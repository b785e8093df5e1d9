// Parameter importance: the parameter that drives the objective ranks first; noise ranks near zero.
#include <QTest>

#include <cmath>
#include <random>

#include "analysis_test_data.h"
#include "core/analysis/importance.h"

using namespace tunelab;

namespace {
SearchSpace space_of(const Json& j) {
  auto s = parse_space(j);
  if (!s) throw std::runtime_error(s.error_text());
  return std::move(*s);
}
}  // namespace

class TestImportance final : public QObject {
  Q_OBJECT
 private slots:
  void drivingParameterRanksFirst_data() {
    QTest::addColumn<int>("seed");
    QTest::newRow("seed 1") << 1;
    QTest::newRow("seed 7") << 7;
  }
  void drivingParameterRanksFirst() {
    QFETCH(int, seed);
    const SearchSpace space = space_of(Json::parse(test_data::kImportanceSpace));
    std::mt19937 rng(static_cast<unsigned>(seed));
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<Json> configs;
    std::vector<double> values;
    for (int i = 0; i < 300; ++i) {
      const double lr = std::pow(10.0, -5 + 4 * u(rng));
      const std::string act = u(rng) < 0.5 ? "relu" : "tanh";
      configs.push_back({{"lr", lr}, {"noise", u(rng)}, {"act", act}});
      // Accuracy peaks at lr = 1e-3 (in log space); the activation adds a smaller step.
      values.push_back(-std::pow(std::log10(lr) + 3, 2) + (act == "relu" ? 0.5 : 0.0) + 0.05 * u(rng));
    }
    const auto imp = param_importance(space, configs, values);
    QCOMPARE(imp.size(), size_t(3));
    QCOMPARE(imp[0].name, std::string("lr"));
    QCOMPARE(imp[1].name, std::string("act"));
    QVERIFY(imp[0].importance > 0.6);
    QVERIFY(imp[2].importance < 0.02);  // noise
    double sum = 0;
    for (const auto& p : imp) sum += p.importance;
    QVERIFY(std::abs(sum - 1) < 1e-9);
    QCOMPARE(imp[0].trials, int64_t(300));
  }

  void inactiveConditionalTrialsAreLeftOut() {
    const SearchSpace space = space_of(Json::parse(test_data::kConditionalSpace));
    std::vector<Json> configs;
    std::vector<double> values;
    for (int i = 0; i < 40; ++i) {
      if (i % 2) configs.push_back({{"opt", "adam"}});
      else configs.push_back({{"opt", "sgd"}, {"momentum", (i % 10) / 10.0}});
      values.push_back(i % 2 ? 1.0 : 0.0);
    }
    const auto imp = param_importance(space, configs, values);
    QCOMPARE(imp[0].name, std::string("opt"));
    QCOMPARE(imp[1].trials, int64_t(20));
    QCOMPARE(imp[1].importance, 0.0);  // momentum does not vary the objective among sgd trials
  }

  void constantObjectiveGivesZeros() {
    const SearchSpace space = space_of(Json::parse(test_data::kUnitSpace));
    const auto imp = param_importance(space, {{{"x", 0.1}}, {{"x", 0.5}}, {{"x", 0.9}}, {{"x", 0.3}}}, {1, 1, 1, 1});
    QCOMPARE(imp.size(), size_t(1));
    QCOMPARE(imp[0].importance, 0.0);
  }

  void nonFiniteValuesAreSkipped() {
    const SearchSpace space = space_of(Json::parse(test_data::kUnitSpace));
    std::vector<Json> configs;
    std::vector<double> values;
    for (int i = 0; i < 50; ++i) {
      configs.push_back({{"x", i / 50.0}});
      values.push_back(i % 5 == 0 ? std::nan("") : i / 50.0);
    }
    const auto imp = param_importance(space, configs, values);
    QCOMPARE(imp[0].trials, int64_t(40));
    QCOMPARE(imp[0].importance, 1.0);
  }
};

QTEST_APPLESS_MAIN(TestImportance)
#include "test_importance.moc"
