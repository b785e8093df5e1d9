// Analysis charts: a log axis for log parameters, the Pareto chart marks the core's front, history,
// parallel-coordinates brushing, and exported images of the requested size that are not blank.
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

#include <map>
#include <set>

#include <QChart>
#include <QChartView>
#include <QScatterSeries>
#include <QValueAxis>

#include "ui/charts/scatter_chart.h"
#include "ui/charts/study_charts.h"
#include "ui/views/parallel_coordinates.h"
#include "gui_test_util.h"

using namespace tunelab;
using namespace tunelab::ui;

namespace {
StudySummary summary() {
  StudySummary s;
  s.study.spec = {{"space", Json::parse(test::kSpaceWithLog)}};
  s.objective = {"acc", true};
  for (int i = 0; i < 20; ++i) {
    TrialSummary t;
    t.rec.id = i + 1;
    const double lr = 1e-4 * std::pow(10.0, 3.0 * i / 19);
    t.rec.config = {{"lr", lr}, {"units", 8 + 2 * i}, {"act", i % 2 ? "relu" : "tanh"}};
    const double acc = 1 - std::pow(std::log10(lr) + 2.5, 2) / 4;
    t.best = {{"acc", acc}, {"loss", 1 - acc + (i % 3) * 0.05}};
    t.last = t.best;
    t.best_value = acc;
    s.trials.push_back(t);
  }
  s.best_trial = 11;
  return s;
}

// The summary with a successive-halving look: every third trial stopped early after 2 iterations, one
// errored, the rest completed 20 iterations.
StudySummary summary_with_status() {
  StudySummary s = summary();
  for (auto& t : s.trials) {
    const bool early = t.rec.id % 3 == 0;
    t.rec.status = t.rec.id == 20 ? TrialStatus::Error : early ? TrialStatus::Stopped : TrialStatus::Completed;
    t.iterations = early ? 2 : 20;
  }
  return s;
}

// Distinct colours in an image: a blank (single-colour) image has one.
int distinct_colors(const QImage& img) {
  std::set<QRgb> seen;
  for (int y = 0; y < img.height(); y += 3) {
    for (int x = 0; x < img.width(); x += 3) seen.insert(img.pixel(x, y));
  }
  return static_cast<int>(seen.size());
}
}  // namespace

class TestCharts final : public QObject {
  Q_OBJECT
 private slots:
  void scatterUsesLogAxisForLogParameters_data() {
    QTest::addColumn<QString>("x");
    QTest::addColumn<bool>("log");
    QTest::newRow("lr (log)") << QStringLiteral("lr") << true;
    QTest::newRow("units (linear)") << QStringLiteral("units") << false;
    QTest::newRow("loss (a metric)") << QStringLiteral("loss") << false;
  }
  void scatterUsesLogAxisForLogParameters() {
    QFETCH(QString, x);
    QFETCH(bool, log);
    ScatterChart chart;
    auto d = scatter_data(summary(), x.toStdString(), "acc", "units");
    QVERIFY(d.ok());
    chart.set_data(*d);
    QCOMPARE(chart.x_is_log(), log);
    QVERIFY(chart.has_data());
    // Clicking near a point picks its trial.
    const auto i = chart.nearest(QPointF(d->xs[5], d->ys[5]));
    QVERIFY(i.has_value());
    QCOMPARE(d->trial_ids[*i], int64_t(6));
  }

  void paretoChartShowsTheCoreFront() {
    ParetoChart chart;
    auto d = pareto_data(summary(), "loss", Sense::Minimize, "acc", Sense::Maximize);
    QVERIFY(d.ok());
    chart.set_data(*d);
    QVERIFY(!d->front.empty());
    // Each point on the front: no other point has lower loss and higher-or-equal acc.
    for (size_t i : d->front) {
      for (size_t j = 0; j < d->xs.size(); ++j) {
        QVERIFY(!(dominates({d->xs[j], d->ys[j]}, {d->xs[i], d->ys[i]}, {Sense::Minimize, Sense::Maximize})));
      }
    }
  }

  void exportsImagesOfTheRequestedSize_data() {
    QTest::addColumn<QString>("file");
    QTest::newRow("png") << QStringLiteral("c.png");
    QTest::newRow("svg") << QStringLiteral("c.svg");
  }
  void exportsImagesOfTheRequestedSize() {
    QFETCH(QString, file);
    QTemporaryDir dir;
    HistoryChart chart;
    chart.set_data(history_data(summary()), QStringLiteral("acc"));
    const QString path = dir.filePath(file);
    const QString error = chart.save_image(path, QSize(640, 400));
    if (error.contains(QStringLiteral("Qt Svg"))) QSKIP("this build has no Qt Svg (qt6-svg-dev)");
    QVERIFY2(error.isEmpty(), qPrintable(error));
    if (file.endsWith(QStringLiteral(".png"))) {
      QImage img(path);
      QCOMPARE(img.size(), QSize(640, 400));
      QVERIFY(distinct_colors(img) > 10);
    } else {
      QFile f(path);
      QVERIFY(f.open(QIODevice::ReadOnly));
      const QByteArray svg = f.readAll();
      QVERIFY(svg.contains("<svg"));
      QVERIFY(svg.contains("viewBox=\"0 0 640 400\""));
      QVERIFY(svg.size() > 2000);
    }
  }

  // The history's trial axis ends just past the last trial: 300 trials get an axis to 306, with ticks every 100
  // (rounded out to the next tick, it went to 400).
  void historyAxisEndsPastTheLastTrial() {
    HistoryData h;
    for (int i = 1; i <= 300; ++i) {
      h.trial_ids.push_back(i - 1);
      h.xs.push_back(i);
      h.values.push_back(0.5 + 0.001 * i);
      h.best.push_back(0.5 + 0.001 * i);
    }
    HistoryChart chart;
    chart.set_data(h, QStringLiteral("acc"));
    const auto axes = chart.findChild<QChartView*>()->chart()->axes(Qt::Horizontal);
    QCOMPARE(axes.size(), qsizetype(1));
    auto* x = qobject_cast<QValueAxis*>(axes.front());
    QVERIFY(x);
    QCOMPARE(x->min(), 0.0);
    QVERIFY2(x->max() >= 300 && x->max() <= 310, qPrintable(QString::number(x->max())));
    QCOMPARE(x->tickInterval(), 100.0);
  }

  // Exporting a chart shown on screen at another size leaves the shown chart as it was (it is drawn at the
  // image's size, then given its size back).
  void exportLeavesTheShownChartAsItWas() {
    QTemporaryDir dir;
    HistoryChart chart;
    chart.set_data(history_data(summary()), QStringLiteral("acc"));
    chart.resize(500, 300);
    chart.show();
    QVERIFY(QTest::qWaitForWindowExposed(&chart));
    QChart* shown = chart.findChild<QChartView*>()->chart();
    const QSizeF before = shown->size();
    QVERIFY(!before.isEmpty());
    QVERIFY2(chart.save_image(dir.filePath(QStringLiteral("c.png")), QSize(1200, 900)).isEmpty(), "export failed");
    QCOMPARE(QImage(dir.filePath(QStringLiteral("c.png"))).size(), QSize(1200, 900));
    QCOMPARE(shown->size(), before);
    QCOMPARE(chart.size(), QSize(500, 300));
  }

  void scatterSetsStoppedEarlyTrialsApartAndMarksTheBest() {
    const StudySummary s = summary_with_status();
    auto d = scatter_data(s, "lr", "acc");
    QVERIFY(d.ok());
    ScatterChart chart;
    chart.resize(800, 500);
    chart.set_data(*d, s);
    std::map<QString, std::set<int64_t>> groups;
    for (const auto& [name, ids] : chart.groups()) groups[name.section(QLatin1Char(' '), 0, -2)] = {ids.begin(), ids.end()};
    std::set<int64_t> early, done;
    for (int64_t id = 1; id <= 20; ++id) (id % 3 == 0 ? early : id == 20 ? early : done).insert(id);
    early.erase(20);
    QCOMPARE(groups[QStringLiteral("stopped early")], early);
    QCOMPARE(groups[QStringLiteral("completed")], done);
    QCOMPARE(groups[QStringLiteral("errored")], (std::set<int64_t>{20}));
    QVERIFY(chart.point_color(3) != chart.point_color(1));
    QVERIFY(chart.point_color(20) != chart.point_color(3));
    // The best trial: a star of its own, named in the legend.
    QCOMPARE(chart.marked_best(), std::optional<int64_t>(11));
    int stars = 0;
    for (QAbstractSeries* a : chart.findChild<QChartView*>()->chart()->series()) {
      auto* sc = qobject_cast<QScatterSeries*>(a);
      if (sc && sc->markerShape() == QScatterSeries::MarkerShapeStar) {
        ++stars;
        QCOMPARE(sc->count(), 1);
        QCOMPARE(sc->at(0), QPointF(d->xs[10], d->ys[10]));
        QVERIFY(sc->name().contains(QStringLiteral("11")));
      }
    }
    QCOMPARE(stars, 1);
    // The tooltip: id, status, iterations, config.
    const QString tip = chart.tooltip(2);
    QVERIFY2(tip.contains(QStringLiteral("trial 3")) && tip.contains(QStringLiteral("stopped early after 2 iterations")) &&
                 tip.contains(QStringLiteral("units=12")) && tip.contains(QStringLiteral("act=")),
             qPrintable(tip));
    // By the iterations reached: one group per value.
    chart.set_data(*d, s, ScatterChart::Colour::Iterations);
    QCOMPARE(chart.groups().size(), size_t(2));
    QVERIFY(chart.groups()[0].first.startsWith(QStringLiteral("2 iterations")));
    QVERIFY(chart.point_color(3) != chart.point_color(1));
  }

  void scatterValueAtIteration() {
    const StudySummary s = summary_with_status();
    auto d = scatter_data(s, "lr", "acc");
    QVERIFY(d.ok());
    // Curves: trial i's acc at iteration k is i * 0.01 * k, for 2 or 20 iterations.
    std::vector<CurveData> curves;
    for (const auto& t : s.trials) {
      CurveData c;
      c.trial_id = t.rec.id;
      for (int k = 1; k <= t.iterations; ++k) {
        c.xs.push_back(k);
        c.ys.push_back(static_cast<double>(t.rec.id) * 0.01 * k);
      }
      curves.push_back(c);
    }
    const ScatterData at = value_at_iteration(*d, {}, curves, 10);
    for (size_t i = 0; i < at.trial_ids.size(); ++i) {
      const int64_t id = at.trial_ids[i];
      QVERIFY(id % 3 != 0);  // stopped at 2: not there
      QCOMPARE(at.ys[i], static_cast<double>(id) * 0.1);
      QCOMPARE(at.xs[i], d->xs[static_cast<size_t>(id - 1)]);  // lr unchanged
    }
    QCOMPARE(at.trial_ids.size(), size_t(14));
    // At iteration 2 every trial is there.
    QCOMPARE(value_at_iteration(*d, {}, curves, 2).trial_ids.size(), size_t(20));
  }

  void parallelCoordinatesLabelsNeitherOverlapNorClip_data() {
    QTest::addColumn<QSize>("size");
    QTest::addColumn<bool>("long_names");
    QTest::newRow("800x400") << QSize(800, 400) << false;
    QTest::newRow("420x260") << QSize(420, 260) << false;
    QTest::newRow("long names 800x400") << QSize(800, 400) << true;
    QTest::newRow("long names 500x300") << QSize(500, 300) << true;
  }
  void parallelCoordinatesLabelsNeitherOverlapNorClip() {
    QFETCH(QSize, size);
    QFETCH(bool, long_names);
    StudySummary s = summary();
    if (long_names) {
      // Eight parameters with long dotted names and wide values.
      Json space = Json::object();
      for (int p = 0; p < 8; ++p) {
        space["optimizer_schedule_parameter_" + std::to_string(p)] = {{"type", "float"}, {"low", 0.0}, {"high", 123456.0}};
      }
      s.study.spec = {{"space", space}};
      for (auto& t : s.trials) {
        Json c = Json::object();
        for (int p = 0; p < 8; ++p) c["optimizer_schedule_parameter_" + std::to_string(p)] = 1234.5678 * (t.rec.id + p);
        t.rec.config = c;
      }
    }
    ParallelCoordinates pc;
    pc.resize(size);
    pc.set_summary(s);
    QVERIFY(pc.column_count() >= 5);
    const auto labels = pc.labels();
    int names = 0;
    for (const auto& l : labels) {
      names += l.is_name ? 1 : 0;
      QVERIFY2(QRectF(pc.rect()).contains(l.rect),
               qPrintable(QStringLiteral("%1 at %2,%3 %4x%5 is clipped").arg(l.text).arg(l.rect.x()).arg(l.rect.y())
                              .arg(l.rect.width()).arg(l.rect.height())));
      QVERIFY(!l.text.isEmpty());
    }
    QCOMPARE(static_cast<size_t>(names), pc.column_count());
    for (size_t i = 0; i < labels.size(); ++i) {
      for (size_t j = i + 1; j < labels.size(); ++j) {
        QVERIFY2(!labels[i].rect.intersects(labels[j].rect),
                 qPrintable(QStringLiteral("\"%1\" overlaps \"%2\"").arg(labels[i].text, labels[j].text)));
      }
    }
    (void)pc.grab();
  }

  void parallelCoordinatesBrushingFiltersTrials() {
    ParallelCoordinates pc;
    pc.resize(800, 400);
    pc.set_summary(summary());
    QCOMPARE(pc.column_count(), size_t(5));  // lr, units, act, momentum, acc
    std::optional<std::set<int64_t>> got = std::set<int64_t>{};
    connect(&pc, &ParallelCoordinates::brushed, this, [&](const std::optional<std::set<int64_t>>& ids) { got = ids; });
    pc.set_brush(1, std::pair(8.0, 16.0));  // units 8..16: trials 1..5
    QVERIFY(got.has_value());
    QCOMPARE(*got, (std::set<int64_t>{1, 2, 3, 4, 5}));
    pc.set_brush(2, std::pair(0.5, 1.5));  // act = tanh (index 1): trials with odd ids
    QCOMPARE(*got, (std::set<int64_t>{1, 3, 5}));
    pc.set_brush(1, std::nullopt);
    pc.set_brush(2, std::nullopt);
    QVERIFY(!got.has_value());
    // It paints without a display.
    QVERIFY(!pc.grab().toImage().isNull());
  }
};

QTEST_MAIN(TestCharts)
#include "test_charts.moc"
