// Chart data: decimation keeps extremes, history tracks the best so far, scatter knows log parameters,
// and the Pareto data marks the front (ties and mixed senses).
#include <QTest>

#include <cmath>

#include "analysis_test_data.h"
#include "core/analysis/chart_data.h"

using namespace tunelab;

namespace {
StudySummary make_summary(bool maximize) {
  StudySummary s;
  s.study.spec = Json::parse(test_data::kChartSpec);
  s.objective = {"acc", maximize};
  const double accs[] = {0.5, 0.7, 0.6, 0.9, 0.8};
  for (int i = 0; i < 5; ++i) {
    TrialSummary t;
    t.rec.id = i + 1;
    t.rec.config = {{"lr", std::pow(10.0, -5 + i)}, {"units", 8 + i}, {"act", i % 2 ? "tanh" : "relu"}, {"fixed", 3}};
    t.best = {{"acc", accs[i]}, {"loss", 1 - accs[i]}, {"training_iteration", 3}};
    t.last = {{"acc", accs[i] - 0.1}, {"loss", 1.1 - accs[i]}, {"training_iteration", 4}};
    t.best_value = accs[i];
    s.trials.push_back(t);
  }
  return s;
}
}  // namespace

class TestChartData final : public QObject {
  Q_OBJECT
 private slots:
  void columnsListParamsThenMetrics() {
    const auto cols = chart_columns(make_summary(true));
    QVERIFY(cols.size() >= 5);
    QCOMPARE(cols[0].name, std::string("lr"));
    QVERIFY(cols[0].is_param && cols[0].log);
    QCOMPARE(cols[2].name, std::string("act"));
    QVERIFY(!cols[2].numeric);
    QCOMPARE(cols[3].name, std::string("acc"));
    QCOMPARE(cols.back().name, std::string("training_iteration"));
  }

  void scatterUsesBestForObjectiveAndIndexForChoices() {
    const auto s = make_summary(true);
    auto d = scatter_data(s, "lr", "acc", "act");
    QVERIFY(d.ok());
    QVERIFY(d->x.log);
    QCOMPARE(d->xs.size(), size_t(5));
    QCOMPARE(d->ys[3], 0.9);             // best, not last
    QCOMPARE(d->colors[1], 1.0);         // "tanh" is the second value
    auto loss = scatter_data(s, "units", "loss");
    QVERIFY(loss.ok());
    QVERIFY(std::abs(loss->ys[0] - 0.6) < 1e-12);  // last result for other metrics
    QVERIFY(!scatter_data(s, "nope", "acc").ok());
  }

  void historyTracksBestSoFar_data() {
    QTest::addColumn<bool>("maximize");
    QTest::addColumn<QList<double>>("best");
    QTest::newRow("max") << true << QList<double>{0.5, 0.7, 0.7, 0.9, 0.9};
    QTest::newRow("min") << false << QList<double>{0.5, 0.5, 0.5, 0.5, 0.5};
  }
  void historyTracksBestSoFar() {
    QFETCH(bool, maximize);
    QFETCH(QList<double>, best);
    const auto h = history_data(make_summary(maximize));
    QCOMPARE(h.best.size(), size_t(5));
    for (qsizetype i = 0; i < best.size(); ++i) QCOMPARE(h.best[static_cast<size_t>(i)], best[i]);
    QCOMPARE(h.xs[4], 5.0);
  }

  void paretoMarksTheFrontWithMixedSenses() {
    auto s = make_summary(true);
    // acc (max) against units (min): a bigger net must buy accuracy to stay on the front.
    auto d = pareto_data(s, "units", Sense::Minimize, "acc", Sense::Maximize);
    QVERIFY(d.ok());
    // units 8..12 with acc .5 .7 .6 .9 .8: front = 8 (.5), 9 (.7), 11 (.9).
    QCOMPARE(d->on_front, (std::vector<bool>{true, true, false, true, false}));
    QCOMPARE(d->front, (std::vector<size_t>{0, 1, 3}));
  }

  void paretoKeepsTies() {
    auto s = make_summary(true);
    s.trials[4].rec.config["units"] = 11;
    s.trials[4].best["acc"] = 0.9;
    s.trials[4].best_value = 0.9;
    auto d = pareto_data(s, "units", Sense::Minimize, "acc", Sense::Maximize);
    QVERIFY(d.ok());
    QVERIFY(d->on_front[3] && d->on_front[4]);
  }

  void decimationKeepsExtremes() {
    std::vector<double> xs, ys;
    for (int i = 0; i < 10000; ++i) {
      xs.push_back(i);
      ys.push_back(std::sin(i * 0.01));
    }
    ys[5000] = 10;   // a spike must survive
    ys[7000] = -10;
    const auto keep = decimate_min_max(xs, ys, 100);
    QVERIFY(keep.size() <= 400);
    QVERIFY(keep.size() >= 200);
    QVERIFY(std::find(keep.begin(), keep.end(), size_t(5000)) != keep.end());
    QVERIFY(std::find(keep.begin(), keep.end(), size_t(7000)) != keep.end());
    QCOMPARE(keep.front(), size_t(0));
    QCOMPARE(keep.back(), size_t(9999));
    QVERIFY(std::is_sorted(keep.begin(), keep.end()));
    QCOMPARE(decimate_min_max({0, 1, 2}, {1, 2, 3}, 100).size(), size_t(3));
  }
};

QTEST_APPLESS_MAIN(TestChartData)
#include "test_chart_data.moc"
