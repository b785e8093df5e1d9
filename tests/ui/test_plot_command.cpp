// `tunelab plot` renders the workbench's charts headless: an image of the requested size, not blank,
// for every kind; bad arguments are errors.
#include <QImage>
#include <QTemporaryDir>
#include <QTest>

#include <cstdlib>
#include <set>

#include "gui_test_util.h"

using namespace tunelab;

class TestPlotCommand final : public QObject {
  Q_OBJECT
 private:
  QTemporaryDir dir_;
  QString db_;

 private slots:
  void initTestCase() {
    QVERIFY(dir_.isValid());
    const QString spec = dir_.filePath(QStringLiteral("spec.json"));
    test::write_file(spec, test::gui_spec(12, 5).dump(2));
    db_ = dir_.filePath(QStringLiteral("study.db"));
    const auto r = test::run_tunelab({QStringLiteral("run"), spec, QStringLiteral("--db"), db_, QStringLiteral("--quiet")}, dir_.path());
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
  }

  void writesAnImageOfTheRequestedSize_data() {
    QTest::addColumn<QStringList>("args");
    QTest::newRow("curves") << QStringList{QStringLiteral("--kind"), QStringLiteral("curves")};
    QTest::newRow("curves by time") << QStringList{QStringLiteral("--kind"), QStringLiteral("curves"), QStringLiteral("--time")};
    QTest::newRow("scatter lr") << QStringList{QStringLiteral("--kind"), QStringLiteral("scatter"), QStringLiteral("--x"), QStringLiteral("lr"),
                                               QStringLiteral("--y"), QStringLiteral("score"), QStringLiteral("--color"), QStringLiteral("x")};
    QTest::newRow("pareto") << QStringList{QStringLiteral("--kind"), QStringLiteral("pareto"), QStringLiteral("--x"), QStringLiteral("loss"),
                                           QStringLiteral("--x-mode"), QStringLiteral("min")};
    QTest::newRow("history") << QStringList{QStringLiteral("--kind"), QStringLiteral("history")};
    QTest::newRow("curves band, best 2") << QStringList{QStringLiteral("--kind"), QStringLiteral("curves"), QStringLiteral("--others"),
                                                        QStringLiteral("band"), QStringLiteral("--best"), QStringLiteral("2")};
    QTest::newRow("scatter by iterations at 2") << QStringList{QStringLiteral("--kind"), QStringLiteral("scatter"), QStringLiteral("--x"),
                                                               QStringLiteral("lr"), QStringLiteral("--color-by"), QStringLiteral("iterations"),
                                                               QStringLiteral("--at-iteration"), QStringLiteral("2")};
    QTest::newRow("importance") << QStringList{QStringLiteral("--kind"), QStringLiteral("importance")};
  }
  void writesAnImageOfTheRequestedSize() {
    QFETCH(QStringList, args);
    const QString out = dir_.filePath(QStringLiteral("%1.png").arg(QString::fromUtf8(QTest::currentDataTag()).replace(QLatin1Char(' '), QLatin1Char('_'))));
    const auto r = test::run_tunelab(QStringList{QStringLiteral("plot"), db_} + args +
                                     QStringList{QStringLiteral("--width"), QStringLiteral("640"), QStringLiteral("--height"),
                                                 QStringLiteral("420"), QStringLiteral("--out"), out});
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QImage img(out);
    QCOMPARE(img.size(), QSize(640, 420));
    std::set<QRgb> colors;
    for (int y = 0; y < img.height(); y += 2) {
      for (int x = 0; x < img.width(); x += 2) colors.insert(img.pixel(x, y));
    }
    QVERIFY2(colors.size() > 20, qPrintable(QString::number(colors.size())));
  }

  // The chart fills the image: the window-coloured rim around its rounded background is as deep at the bottom as
  // at the top (the image used to end in a band where the chart was drawn smaller than the file).
  void theChartFillsTheImage_data() {
    QTest::addColumn<QStringList>("size");
    QTest::newRow("default size") << QStringList{};
    QTest::newRow("640x420") << QStringList{QStringLiteral("--width"), QStringLiteral("640"), QStringLiteral("--height"), QStringLiteral("420")};
  }
  void theChartFillsTheImage() {
    QFETCH(QStringList, size);
    const QString out = dir_.filePath(QStringLiteral("fill_%1.png").arg(size.size()));
    const auto r = test::run_tunelab(QStringList{QStringLiteral("plot"), db_, QStringLiteral("--kind"), QStringLiteral("curves"),
                                                 QStringLiteral("--out"), out, QStringLiteral("--force")} + size);
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QImage img(out);
    QVERIFY(!img.isNull());
    const QRgb rim = img.pixel(0, 0);
    const int x = img.width() / 2;
    int top = 0, bottom = 0;
    while (top < img.height() && img.pixel(x, top) == rim) ++top;
    while (bottom < img.height() && img.pixel(x, img.height() - 1 - bottom) == rim) ++bottom;
    QVERIFY2(top > 0 && top < img.height() / 10, qPrintable(QString::number(top)));
    QVERIFY2(std::abs(top - bottom) <= 2, qPrintable(QStringLiteral("rim %1 px at the top, %2 px at the bottom").arg(top).arg(bottom)));
  }

  void writesSvg() {
    const QString out = dir_.filePath(QStringLiteral("scatter.svg"));
    const auto r = test::run_tunelab({QStringLiteral("plot"), db_, QStringLiteral("--kind"), QStringLiteral("scatter"), QStringLiteral("--out"), out});
    if (r.err.contains(QStringLiteral("Qt Svg"))) QSKIP("this build has no Qt Svg");
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QVERIFY(f.readAll().contains("<svg"));
  }

  void badArgumentsAreErrors_data() {
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("code");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown kind") << QStringList{QStringLiteral("--kind"), QStringLiteral("pie")} << 1 << QStringLiteral("unknown kind");
    QTest::newRow("unknown column") << QStringList{QStringLiteral("--kind"), QStringLiteral("scatter"), QStringLiteral("--x"), QStringLiteral("nope")}
                                    << 1 << QStringLiteral("no parameter or metric named \"nope\"");
    QTest::newRow("bad size") << QStringList{QStringLiteral("--width"), QStringLiteral("ten")} << 2 << QStringLiteral("--width");
    QTest::newRow("bad others") << QStringList{QStringLiteral("--kind"), QStringLiteral("curves"), QStringLiteral("--others"), QStringLiteral("all")}
                                << 1 << QStringLiteral("--others must be faded or band");
    QTest::newRow("bad best") << QStringList{QStringLiteral("--kind"), QStringLiteral("curves"), QStringLiteral("--best"), QStringLiteral("many")}
                              << 1 << QStringLiteral("--best must be a whole number");
    QTest::newRow("bad colour") << QStringList{QStringLiteral("--kind"), QStringLiteral("scatter"), QStringLiteral("--color-by"), QStringLiteral("mood")}
                                << 1 << QStringLiteral("--color-by must be status or iterations");
    QTest::newRow("bad iteration") << QStringList{QStringLiteral("--kind"), QStringLiteral("scatter"), QStringLiteral("--at-iteration"), QStringLiteral("-3")}
                                   << 1 << QStringLiteral("--at-iteration must be a positive whole number");
    QTest::newRow("bad extension") << QStringList{QStringLiteral("--kind"), QStringLiteral("history"), QStringLiteral("--out"), QStringLiteral("x.gif")}
                                   << 1 << QStringLiteral(".png or .svg");
  }
  void badArgumentsAreErrors() {
    QFETCH(QStringList, args);
    QFETCH(int, code);
    QFETCH(QString, message);
    QStringList all{QStringLiteral("plot"), db_};
    all += args;
    if (!args.contains(QStringLiteral("--out"))) all += QStringList{QStringLiteral("--out"), dir_.filePath(QStringLiteral("bad.png"))};
    const auto r = test::run_tunelab(all);
    QCOMPARE(r.exit_code, code);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
  }
};

QTEST_MAIN(TestPlotCommand)
#include "test_plot_command.moc"
