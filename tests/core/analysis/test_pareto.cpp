// Pareto fronts: known sets with ties and mixed senses, NaN, and agreement with brute force.
#include <QTest>

#include <cmath>
#include <random>

#include "core/util/pareto.h"

using namespace tunelab;

namespace {

using Points = std::vector<std::vector<double>>;

std::vector<size_t> brute_front(const Points& p, const std::vector<Sense>& s) {
  std::vector<size_t> f;
  for (size_t i = 0; i < p.size(); ++i) {
    bool dom = false;
    for (size_t j = 0; j < p.size() && !dom; ++j) dom = j != i && dominates(p[j], p[i], s);
    if (!dom) f.push_back(i);
  }
  return f;
}

}  // namespace

class TestPareto final : public QObject {
  Q_OBJECT
 private slots:
  void knownSetMinMin() {
    const Points p = {{1, 5}, {2, 3}, {3, 4}, {4, 1}, {2, 3}, {5, 5}};
    // (3,4) is dominated by (2,3); (5,5) by everything; the duplicate (2,3) stays.
    QVERIFY((pareto_front(p, {Sense::Minimize, Sense::Minimize}) == std::vector<size_t>{0, 1, 3, 4}));
  }
  void mixedSenses() {
    // Maximise accuracy, minimise time.
    const Points p = {{0.9, 10}, {0.8, 5}, {0.9, 12}, {0.7, 5}, {0.95, 30}};
    QVERIFY((pareto_front(p, {Sense::Maximize, Sense::Minimize}) == std::vector<size_t>{0, 1, 4}));
  }
  void tiesOnOneAxis() {
    // Same first value: only the best second value survives.
    const Points p = {{1, 2}, {1, 3}, {1, 2}, {0, 9}};
    QVERIFY((pareto_front(p, {Sense::Minimize, Sense::Minimize}) == std::vector<size_t>{0, 2, 3}));
  }
  void nanIsWorst() {
    // A NaN loses to any number: (1,1) dominates (NaN,0); (2,NaN) survives on its first value; (NaN,NaN) loses to all.
    const Points p = {{NAN, 0}, {1, 1}, {2, NAN}, {NAN, NAN}};
    QVERIFY((pareto_front(p, {Sense::Maximize, Sense::Maximize}) == std::vector<size_t>{1, 2}));
  }
  void ranksAndCrowding() {
    const Points p = {{1, 4}, {2, 2}, {4, 1}, {3, 3}, {5, 5}};
    const auto r = pareto_ranks(p, {Sense::Minimize, Sense::Minimize});
    QVERIFY((r == std::vector<int>{0, 0, 0, 1, 2}));
    const auto d = crowding_distance(p, {0, 1, 2});
    QVERIFY(std::isinf(d[0]) && std::isinf(d[2]));
    QCOMPARE(d[1], (4.0 - 1.0) / 3.0 + (4.0 - 1.0) / 3.0);
  }
  void matchesBruteForce_data() {
    QTest::addColumn<int>("dims");
    QTest::addColumn<int>("levels");
    QTest::newRow("2d continuous") << 2 << 0;
    QTest::newRow("2d with ties") << 2 << 4;
    QTest::newRow("3d continuous") << 3 << 0;
    QTest::newRow("3d with ties") << 3 << 3;
  }
  void matchesBruteForce() {
    QFETCH(int, dims);
    QFETCH(int, levels);
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(0, 1);
    for (int round = 0; round < 200; ++round) {
      const size_t n = 1 + rng() % 60;
      Points p(n, std::vector<double>(static_cast<size_t>(dims)));
      for (auto& x : p) for (auto& v : x) v = levels ? std::floor(u(rng) * levels) : u(rng);
      std::vector<Sense> s;
      for (int k = 0; k < dims; ++k) s.push_back(rng() % 2 ? Sense::Maximize : Sense::Minimize);
      QVERIFY(pareto_front(p, s) == brute_front(p, s));
      // Every rank-r point is dominated by some rank-(r-1) point and by no point of rank >= r.
      const auto r = pareto_ranks(p, s);
      for (size_t i = 0; i < n; ++i) {
        for (size_t j = 0; j < n; ++j) {
          if (dominates(p[j], p[i], s)) QVERIFY(r[j] < r[i]);
        }
      }
    }
  }
};

QTEST_APPLESS_MAIN(TestPareto)
#include "test_pareto.moc"
