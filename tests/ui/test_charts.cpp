// Analysis charts: a log axis for log parameters, the Pareto chart marks the core's front, history,
// parallel-coordinates brushing, and exported images of the requested size that are not blank.
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

#include <set>

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
