// Nice axes: ticks at whole multiples of 1, 2 or 5 times a power of ten, ranges that fit the data with
// a small margin, and log axes on decades. Exact expected ticks.
#include <QTest>

#include <cmath>

#include "core/util/nice_axis.h"

using namespace tunelab;

namespace {

using Ticks = std::vector<double>;

bool near(const Ticks& got, const Ticks& want) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::abs(got[i] - want[i]) > 1e-12 * std::max(1.0, std::abs(want[i]))) return false;
  }
  return true;
}

QByteArray show(const Ticks& t) {
  QByteArray out;
  for (double v : t) out += QByteArray::number(v, 'g', 17) + ' ';
  return out;
}

// Whether v is 1, 2 or 5 times a power of ten.
bool one_two_five(double v) {
  const double e = std::floor(std::log10(v));
  const double m = v / std::pow(10.0, e);
  return std::abs(m - 1) < 1e-9 || std::abs(m - 2) < 1e-9 || std::abs(m - 5) < 1e-9 || std::abs(m - 10) < 1e-9;
}

}  // namespace

class TestNiceAxis final : public QObject {
  Q_OBJECT
 private slots:
  void zeroToSixteenAndAHalf() {
    // The old curve chart labelled this 0, 5.5, 11, 16.5.
    const NiceAxis a = nice_axis(0, 16.5);
    QVERIFY2(near(a.ticks, {0, 5, 10, 15, 20}), show(a.ticks));
    QCOMPARE(a.min, 0.0);
    QCOMPARE(a.max, 20.0);
    QCOMPARE(a.step, 5.0);
    QCOMPARE(a.decimals, 0);
    QCOMPARE(QString::fromStdString(a.label(15)), QStringLiteral("15"));
  }

  void xAxisEndsAtTheLastIteration() {
    NiceAxisOptions o;
    o.exact_max = true;
    const NiceAxis a = nice_axis(1, 37, o);
    QCOMPARE(a.max, 37.0);
    QCOMPARE(a.min, 0.0);
    QVERIFY2(near(a.ticks, {0, 10, 20, 30}), show(a.ticks));
    const NiceAxis b = nice_axis(1, 100, o);
    QCOMPARE(b.max, 100.0);
    QVERIFY2(near(b.ticks, {0, 20, 40, 60, 80, 100}), show(b.ticks));
  }

  void accuracyStaysWithinZeroAndOne() {
    // The old chart drew accuracy 0.1..0.95 from -0.4 to 1.4.
    const NiceAxis a = nice_axis(0.1, 0.95);
    QCOMPARE(a.min, 0.0);
    QCOMPARE(a.max, 1.0);
    QVERIFY2(near(a.ticks, {0, 0.2, 0.4, 0.6, 0.8, 1.0}), show(a.ticks));
    QCOMPARE(QString::fromStdString(a.label(a.ticks[3])), QStringLiteral("0.6"));
    // A narrow band near the top keeps a tight range.
    const NiceAxis b = nice_axis(0.95, 0.99);
    QVERIFY(b.min >= 0.9 && b.min <= 0.95);
    QCOMPARE(b.max, 1.0);
    QVERIFY2(near(b.ticks, {0.94, 0.95, 0.96, 0.97, 0.98, 0.99, 1.0}) || near(b.ticks, {0.94, 0.96, 0.98, 1.0}),
             show(b.ticks));
  }

  void marginsDoNotCrossZero() {
    const NiceAxis a = nice_axis(0.02, 3.1);
    QCOMPARE(a.min, 0.0);
    QVERIFY2(near(a.ticks, {0, 1, 2, 3, 4}) || near(a.ticks, {0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5}), show(a.ticks));
    const NiceAxis b = nice_axis(-12, -0.5);
    QCOMPARE(b.max, 0.0);
    QVERIFY2(near(b.ticks, {-15, -10, -5, 0}), show(b.ticks));
  }

  void oddSpansGetOneTwoFiveSteps_data() {
    QTest::addColumn<double>("lo");
    QTest::addColumn<double>("hi");
    QTest::newRow("0.534722") << 0.0 << 0.534722 * 5;
    QTest::newRow("tiny") << 1e-6 << 7.3e-6;
    QTest::newRow("large") << 1234.0 << 98765.0;
    QTest::newRow("negative") << -3.3 << 7.1;
    QTest::newRow("loss") << 0.0123 << 2.71828;
    QTest::newRow("seconds") << 0.0 << 3599.0;
  }
  void oddSpansGetOneTwoFiveSteps() {
    QFETCH(double, lo);
    QFETCH(double, hi);
    const NiceAxis a = nice_axis(lo, hi);
    QVERIFY2(one_two_five(a.step), QByteArray::number(a.step, 'g', 17));
    QVERIFY(a.min <= lo && a.max >= hi);
    QVERIFY(a.ticks.size() >= 2 && a.ticks.size() <= 6);
    for (double t : a.ticks) {
      const double k = t / a.step;
      QVERIFY2(std::abs(k - std::round(k)) < 1e-9, QByteArray::number(t, 'g', 17));
      QVERIFY(t >= a.min - 1e-12 && t <= a.max + 1e-12);
      QVERIFY(std::abs(t - 0.534722) > 1e-9);
      // Every label prints the tick exactly: no 0.30000000000000004 and no 5.5 on a step of 5.
      const double back = std::stod(a.label(t));
      QVERIFY2(std::abs(back - t) <= a.step * 1e-9, a.label(t).c_str());
    }
    // A small margin: the range is no more than about one step wider than the data on each side.
    QVERIFY(a.min >= lo - a.step - (hi - lo) * 0.05);
    QVERIFY(a.max <= hi + a.step + (hi - lo) * 0.05);
  }

  void decimalTicksAreExact() {
    const NiceAxis a = nice_axis(0.1, 0.7);
    for (double t : a.ticks) QCOMPARE(t, std::round(t * 10) / 10);
    QCOMPARE(QString::fromStdString(a.label(0.3)), QStringLiteral("0.3"));
  }

  void singleValueAndBadInput() {
    const NiceAxis a = nice_axis(5, 5);
    QVERIFY(a.min < 5 && a.max > 5);
    QVERIFY(one_two_five(a.step));
    const NiceAxis z = nice_axis(0, 0);
    QCOMPARE(z.min, 0.0);
    QVERIFY(z.max > 0);
    const NiceAxis n = nice_axis(NAN, 3);
    QCOMPARE(n.min, 0.0);
    QCOMPARE(n.max, 1.0);
    const NiceAxis v = nice_axis_of({NAN, 0.25, 0.75, INFINITY});
    QCOMPARE(v.min, 0.2);
    QCOMPARE(v.max, 0.8);
  }

  void maxTicksIsRespected() {
    NiceAxisOptions o;
    o.max_ticks = 3;
    const NiceAxis a = nice_axis(0, 16.5, o);
    QVERIFY2(near(a.ticks, {0, 10, 20}), show(a.ticks));
  }

  void logAxesKeepDecades() {
    const NiceAxis a = nice_log_axis(1.2e-4, 0.09);
    QCOMPARE(a.min, 1e-4);
    QCOMPARE(a.max, 0.1);
    QVERIFY2(near(a.ticks, {1e-4, 1e-3, 1e-2, 1e-1}), show(a.ticks));
    const NiceAxis one = nice_log_axis(3, 3);
    QCOMPARE(one.min, 1.0);
    QCOMPARE(one.max, 10.0);
    const NiceAxis wide = nice_log_axis(1e-9, 1e9, 5);
    QVERIFY(wide.ticks.size() <= 6);
    QCOMPARE(wide.ticks.front(), 1e-9);
    QCOMPARE(nice_step(16.5, 5), 5.0);
  }
};

QTEST_MAIN(TestNiceAxis)
#include "test_nice_axis.moc"
