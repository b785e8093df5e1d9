// Sampling through the unit interval: statistical checks over 10,000 draws per parameter.
#include <QTest>

#include <cmath>
#include <map>

#include "core/space/space.h"
#include "core/util/rng.h"

using namespace tunelab;

namespace {

Parameter param(const char* def) {
  auto s = parse_space(Json{{"p", Json::parse(def)}});
  if (!s) qFatal("%s", s.error_text().c_str());
  return s->params()[0];
}

std::vector<double> draw(const Parameter& p, int n = 10000, uint64_t seed = 42) {
  Rng rng(seed);
  std::vector<double> out;
  for (int i = 0; i < n; ++i) out.push_back(p.from_unit(uniform01(rng)).get<double>());
  return out;
}

}  // namespace

class TestSampling final : public QObject {
  Q_OBJECT
 private slots:
  void uniformBoundsAndMean() {
    const auto xs = draw(param(R"({"type": "float", "low": -2, "high": 6})"));
    double sum = 0;
    for (double x : xs) {
      QVERIFY(x >= -2 && x <= 6);
      sum += x;
    }
    QVERIFY(std::abs(sum / xs.size() - 2.0) < 0.1);  // sd of the mean ~ 0.023
  }

  void logUniformFillsDecadesEqually() {
    const auto xs = draw(param(R"({"type": "float", "low": 1e-4, "high": 1, "log": true})"));
    std::map<int, int> decades;
    for (double x : xs) {
      QVERIFY(x >= 1e-4 && x <= 1);
      decades[static_cast<int>(std::floor(std::log10(x)))]++;
    }
    QCOMPARE(decades.size(), size_t(4));  // [1e-4,1e-3) ... [1e-1,1)
    for (const auto& [d, count] : decades) {
      // Expected 2,500 each; 4 sd ~ 170.
      QVERIFY2(std::abs(count - 2500) < 200, qPrintable(QStringLiteral("decade %1: %2").arg(d).arg(count)));
    }
  }

  void floatStepHonouredAndValuesEquallyLikely() {
    const auto xs = draw(param(R"({"type": "float", "low": 0, "high": 1, "step": 0.25})"));
    std::map<double, int> counts;
    for (double x : xs) counts[x]++;
    QCOMPARE(counts.size(), size_t(5));
    for (const auto& [v, c] : counts) {
      QVERIFY(std::abs(v / 0.25 - std::round(v / 0.25)) < 1e-12);
      QVERIFY2(std::abs(c - 2000) < 200, qPrintable(QStringLiteral("%1: %2").arg(v).arg(c)));
    }
  }

  void intRangeInclusiveAndUniform() {
    const auto xs = draw(param(R"({"type": "int", "low": 3, "high": 7})"));
    std::map<double, int> counts;
    for (double x : xs) counts[x]++;
    QCOMPARE(counts.size(), size_t(5));
    QCOMPARE(counts.begin()->first, 3.0);
    QCOMPARE(counts.rbegin()->first, 7.0);
    for (const auto& [v, c] : counts) QVERIFY(std::abs(c - 2000) < 200);
  }

  void intStep() {
    const auto xs = draw(param(R"({"type": "int", "low": 0, "high": 10, "step": 5})"));
    std::map<double, int> counts;
    for (double x : xs) counts[x]++;
    QCOMPARE(counts.size(), size_t(3));
    QVERIFY(counts.count(0) && counts.count(5) && counts.count(10));
  }

  void logIntCoversEnds() {
    const auto xs = draw(param(R"({"type": "int", "low": 1, "high": 1000, "log": true})"));
    int small = 0, large = 0;
    for (double x : xs) {
      QVERIFY(x >= 1 && x <= 1000 && x == std::floor(x));
      if (x < 10) ++small;
      if (x >= 100) ++large;
    }
    // Log-uniform over [0.5, 1000.5] (each integer gets the log-width of its rounding interval).
    const double span = std::log(1000.5 / 0.5);
    const double expect_small = 10000 * std::log(9.5 / 0.5) / span, expect_large = 10000 * std::log(1000.5 / 99.5) / span;
    QVERIFY2(std::abs(small - expect_small) < 200, qPrintable(QString::number(small)));
    QVERIFY2(std::abs(large - expect_large) < 200, qPrintable(QString::number(large)));
  }

  void qloguniformQuantisedWithinBounds() {
    const auto xs = draw(param(R"({"qloguniform": [0.001, 1, 0.001]})"));
    for (double x : xs) {
      QVERIFY(x >= 0.001 - 1e-12 && x <= 1 + 1e-12);
      QVERIFY(std::abs(x / 0.001 - std::round(x / 0.001)) < 1e-6);
    }
  }

  void normalMoments() {
    const auto xs = draw(param(R"({"randn": [5, 2]})"));
    double sum = 0, sq = 0;
    for (double x : xs) sum += x;
    const double mean = sum / xs.size();
    for (double x : xs) sq += (x - mean) * (x - mean);
    const double sd = std::sqrt(sq / xs.size());
    QVERIFY2(std::abs(mean - 5) < 0.08, qPrintable(QString::number(mean)));
    QVERIFY2(std::abs(sd - 2) < 0.08, qPrintable(QString::number(sd)));
  }

  void choiceEquallyLikely() {
    const Parameter p = param(R"({"choice": ["a", "b", "c", "d"]})");
    Rng rng(7);
    std::map<std::string, int> counts;
    for (int i = 0; i < 10000; ++i) counts[p.from_unit(uniform01(rng)).get<std::string>()]++;
    QCOMPARE(counts.size(), size_t(4));
    for (const auto& [v, c] : counts) QVERIFY(std::abs(c - 2500) < 200);
  }

  void objectValuesAreLeavesOfAConfig() {
    // A choice among objects: its value is one leaf, not a group of parameters (found by fuzz/spec_fuzzer).
    auto space = parse_space(Json::parse("{\"ch\": {\"choice\": [1, {\"k\": 1}]}, \"c\": {\"type\": \"const\", "
                                         "\"value\": {\"a\": [1]}}, \"g\": {\"x\": {\"uniform\": [0, 1]}}}"));
    QVERIFY2(space.ok(), space.error_text().c_str());
    const Status ok = space->check_config(Json::parse("{\"ch\": {\"k\": 1}, \"c\": {\"a\": [1]}, \"g\": {\"x\": 0.5}}"));
    QVERIFY2(ok.ok(), ok.error_text().c_str());
    const Status unknown = space->check_config(Json::parse("{\"ch\": 1, \"c\": {\"a\": [1]}, \"g\": {\"x\": 0.5, \"y\": 1}}"));
    QCOMPARE(QString::fromStdString(unknown.error_text()), QStringLiteral("config.g.y: is not a parameter of the search space"));
  }

  void oneValueIntRangeRoundTrips() {
    // {"randint": [4, 5]} is the int range [4, 4]; its canonical form parses back (found by fuzz/spec_fuzzer).
    auto space = parse_space(Json::parse("{\"n\": {\"randint\": [4, 5]}, \"m\": {\"type\": \"int\", \"low\": 3, \"high\": 3}}"));
    QVERIFY2(space.ok(), space.error_text().c_str());
    auto again = parse_space(space->to_json());
    QVERIFY2(again.ok(), again.error_text().c_str());
    QVERIFY(again->to_json() == space->to_json());
    QVERIFY(space->find("n")->from_unit(0.9) == Json(4));
    QVERIFY(!parse_space(Json::parse("{\"m\": {\"type\": \"int\", \"low\": 3, \"high\": 2}}")).ok());
    QVERIFY(!parse_space(Json::parse("{\"x\": {\"type\": \"float\", \"low\": 3, \"high\": 3}}")).ok());
  }

  void unitRoundTrip() {
    for (const char* def : {R"({"type": "float", "low": 1e-3, "high": 10, "log": true})",
                            R"({"type": "int", "low": 0, "high": 20, "step": 4})",
                            R"({"choice": [true, false, "x"]})", R"({"type": "float", "low": -1, "high": 1})"}) {
      const Parameter p = param(def);
      Rng rng(3);
      for (int i = 0; i < 200; ++i) {
        const Json v = p.from_unit(uniform01(rng));
        auto u = p.to_unit(v);
        QVERIFY2(u.has_value(), def);
        QVERIFY(*u >= 0 && *u <= 1);
        const Json back = p.from_unit(*u);
        if (v.is_number()) QVERIFY(std::abs(back.get<double>() - v.get<double>()) <= 1e-9 * std::max(1.0, std::abs(v.get<double>())));
        else QVERIFY(back == v);
      }
    }
    QVERIFY(!param(R"({"type": "int", "low": 0, "high": 5})").to_unit(Json(7)).has_value());
  }
};

QTEST_APPLESS_MAIN(TestSampling)
#include "test_sampling.moc"
