// The curve chart at 5,000 trials: exactly the selected trial, the best K and the running trials are
// drawn in full; the rest is one faded background or a median and 10-90 % band, switched on the
// panel. Axes on the charts: 1-2-5 ticks, accuracy within [0, 1], the x axis ending at the last iteration.
#include <QAreaSeries>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QLineSeries>
#include <QSpinBox>
#include <QTest>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "ui/charts/curve_chart.h"
#include "ui/charts/study_charts.h"

using namespace tunelab;
using namespace tunelab::ui;

namespace {

constexpr int kTrials = 5000;
constexpr int kRunningFrom = 4989;  // trials 4989..5000 still run

// Trial id's value at iteration i: each trial has its own plateau; three in four stop at 25 iterations.
double value(int64_t id, int i) { return (0.3 + 0.65 * static_cast<double>((id * 7919) % kTrials) / kTrials) * (1 - std::exp(-i / 15.0)); }
int length(int64_t id) { return id % 4 == 0 ? 100 : 25; }

void fill(CurveChart& chart) {
  for (int64_t id = 1; id <= kTrials; ++id) {
    std::vector<double> xs, ys;
    for (int i = 1; i <= length(id); ++i) {
      xs.push_back(i);
      ys.push_back(value(id, i));
    }
    chart.append(id, xs, ys);
    chart.set_finished(id, id < kRunningFrom);
  }
}

QChart* chart_of(QWidget& w) { return w.findChild<QChartView*>()->chart(); }

// The chart's series by kind: trial lines (named "#id ..."), band areas and other lines.
struct Drawn {
  std::set<int64_t> trial_lines;
  int areas = 0, other_lines = 0, xy = 0;
};
Drawn drawn(QWidget& w) {
  Drawn d;
  for (QAbstractSeries* s : chart_of(w)->series()) {
    if (auto* a = qobject_cast<QAreaSeries*>(s)) {
      (void)a;
      ++d.areas;
    } else if (auto* l = qobject_cast<QXYSeries*>(s)) {
      ++d.xy;
      if (l->name().startsWith(QLatin1Char('#'))) d.trial_lines.insert(l->name().mid(1).section(QLatin1Char(' '), 0, 0).toLongLong());
      else ++d.other_lines;
    }
  }
  return d;
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double at = q * static_cast<double>(v.size() - 1);
  const size_t i = static_cast<size_t>(at);
  return i + 1 >= v.size() ? v.back() : v[i] + (v[i + 1] - v[i]) * (at - static_cast<double>(i));
}

bool one_two_five(double v) {
  const double m = v / std::pow(10.0, std::floor(std::log10(v)));
  return std::abs(m - 1) < 1e-9 || std::abs(m - 2) < 1e-9 || std::abs(m - 5) < 1e-9;
}

}  // namespace

class TestCurveChartScale final : public QObject {
  Q_OBJECT
 private slots:
  void fiveThousandTrialsDrawOnlyThePromisedSeries() {
    CurveChart chart;
    chart.resize(1200, 700);
    chart.show();
    fill(chart);
    chart.set_selected(77);
    chart.fit();
    (void)chart.grab();
    QCOMPARE(chart.series_count(), kTrials);
    QCOMPARE(chart.best_count(), 10);

    // The best 10 by their curves' best value, computed here from the data.
    std::vector<std::pair<double, int64_t>> scores;
    for (int64_t id = 1; id <= kTrials; ++id) scores.emplace_back(-value(id, length(id)), id);
    std::sort(scores.begin(), scores.end());
    std::vector<int64_t> best;
    for (int i = 0; i < 10; ++i) best.push_back(scores[static_cast<size_t>(i)].second);
    QCOMPARE(chart.best_trials(), best);

    std::set<int64_t> emphasised(best.begin(), best.end());
    emphasised.insert(77);
    std::set<int64_t> running;
    for (int64_t id = kRunningFrom; id <= kTrials; ++id) {
      if (!emphasised.count(id)) running.insert(id);
    }
    const auto got_running = chart.running_trials();
    QCOMPARE(std::set<int64_t>(got_running.begin(), got_running.end()), running);
    std::set<int64_t> full = emphasised;
    full.insert(running.begin(), running.end());
    const auto got_full = chart.full_trials();
    QCOMPARE(std::set<int64_t>(got_full.begin(), got_full.end()), full);
    QCOMPARE(chart.background_trials(), kTrials - static_cast<int>(full.size()));

    // Faded: the best and the selected trial are the chart's only series; the rest is one image.
    QCOMPARE(chart.others(), CurveChart::Others::Faded);
    Drawn d = drawn(chart);
    QCOMPARE(d.trial_lines, emphasised);
    QCOMPARE(d.areas, 0);
    QCOMPARE(d.other_lines, 0);
    QVERIFY(d.xy <= 10 + 1);
    QVERIFY(chart.describe(best.front()).contains(QStringLiteral("best #1")));

    // Band, chosen on the panel: one area (10-90 %) and one median line, per iteration, of exactly the
    // trials not drawn in full.
    chart.others_box()->setCurrentIndex(1);
    QCOMPARE(chart.others(), CurveChart::Others::Band);
    d = drawn(chart);
    QCOMPARE(d.trial_lines, emphasised);
    QCOMPARE(d.areas, 1);
    QCOMPARE(d.other_lines, 1);
    const auto& band = chart.band();
    QCOMPARE(band.xs.size(), size_t(100));
    QCOMPARE(band.xs.front(), 1.0);
    QCOMPARE(band.xs.back(), 100.0);
    for (int i : {1, 10, 25, 26, 60, 100}) {
      std::vector<double> at;
      for (int64_t id = 1; id <= kTrials; ++id) {
        if (!full.count(id) && length(id) >= i) at.push_back(value(id, i));
      }
      const size_t k = static_cast<size_t>(i - 1);
      QVERIFY(std::abs(band.median[k] - quantile(at, 0.5)) < 1e-12);
      QVERIFY(std::abs(band.low[k] - quantile(at, 0.1)) < 1e-12);
      QVERIFY(std::abs(band.high[k] - quantile(at, 0.9)) < 1e-12);
      QVERIFY(band.low[k] < band.median[k] && band.median[k] < band.high[k]);
    }
    (void)chart.grab();

    // Fewer best trials, set on the panel: fewer series, the band takes the others.
    chart.best_box()->setValue(3);
    QCOMPARE(chart.best_trials(), std::vector<int64_t>(best.begin(), best.begin() + 3));
    d = drawn(chart);
    QCOMPARE(d.trial_lines, (std::set<int64_t>{best[0], best[1], best[2], 77}));
    QCOMPARE(chart.background_trials(), kTrials - 4 - static_cast<int>(running.size()));

    // The study's best trial (by its objective) comes first; back to faded lines: no band left.
    chart.set_best(123);
    chart.others_box()->setCurrentIndex(0);
    QCOMPARE(chart.best_trials().front(), int64_t(123));
    d = drawn(chart);
    QCOMPARE(d.areas, 0);
    QCOMPARE(d.other_lines, 0);
    QCOMPARE(d.trial_lines, (std::set<int64_t>{123, best[0], best[1], 77}));

    // A trial that ends leaves the running ones; an explicit score ranks it.
    chart.set_finished(5000, true);
    chart.set_score(5000, 10.0);
    chart.flush();
    QCOMPARE(chart.best_trials()[1], int64_t(5000));
    const auto still = chart.running_trials();
    QVERIFY(std::find(still.begin(), still.end(), 5000) == still.end());
  }

  void accuracyAxesFitTheData() {
    CurveChart chart;
    chart.resize(800, 500);
    chart.show();
    // Accuracy from 0.1 to 0.95 over 37 iterations.
    for (int64_t id = 1; id <= 20; ++id) {
      std::vector<double> xs, ys;
      for (int i = 1; i <= 37; ++i) {
        xs.push_back(i);
        ys.push_back(0.1 + 0.85 * (static_cast<double>(id) / 20) * (i - 1) / 36.0);
      }
      chart.append(id, xs, ys);
      chart.set_finished(id, true);
    }
    chart.fit();
    auto* x = qobject_cast<QValueAxis*>(chart_of(chart)->axes(Qt::Horizontal).at(0));
    auto* y = qobject_cast<QValueAxis*>(chart_of(chart)->axes(Qt::Vertical).at(0));
    QVERIFY(x && y);
    QCOMPARE(x->max(), 37.0);  // ends at the last iteration
    QCOMPARE(x->min(), 0.0);
    QVERIFY2(y->min() >= 0 && y->min() <= 0.1 && y->max() <= 1 && y->max() >= 0.95,
             qPrintable(QStringLiteral("%1 .. %2").arg(y->min()).arg(y->max())));
    for (QValueAxis* a : {x, y}) {
      QCOMPARE(a->tickType(), QValueAxis::TicksDynamic);
      QVERIFY(one_two_five(a->tickInterval()));
      const double k = a->tickAnchor() / a->tickInterval();
      QVERIFY(std::abs(k - std::round(k)) < 1e-9);
    }
    // The history chart's axes too.
    HistoryData h;
    for (int i = 0; i < 30; ++i) {
      h.xs.push_back(i + 1);
      h.values.push_back(0.1 + 0.85 * i / 29.0);
      h.best.push_back(h.values.back());
    }
    HistoryChart history;
    history.set_data(h, QStringLiteral("accuracy"));
    auto* hy = qobject_cast<QValueAxis*>(chart_of(history)->axes(Qt::Vertical).at(0));
    QVERIFY(hy && hy->min() >= 0 && hy->max() <= 1);
    QVERIFY(one_two_five(hy->tickInterval()));
  }
};

QTEST_MAIN(TestCurveChartScale)
#include "test_curve_chart_scale.moc"
