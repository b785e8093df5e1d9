// Stoppers: trial plateau, experiment plateau, max iterations, metric threshold, trial timeout, study
// timeout, any-of and all-of lists, and validation of the spec's "stoppers" list.
#include <QTest>

#include "core/schedule/stoppers.h"
#include "core/study/spec.h"
#include "schedule_test_util.h"

using namespace tunelab;
using namespace tunelab::testing;

namespace {
using A = Decision::Action;

std::unique_ptr<Stopper> stopper(const char* list, bool maximize = true, std::function<double()> clock = {}) {
  auto s = make_stopper_list(Json::parse(list), context(nullptr, maximize), std::move(clock));
  if (!s) qFatal("%s", s.error_text().c_str());
  return std::move(*s);
}

Json spec_with_stoppers(const char* stoppers) {
  Json j = Json::parse(R"({"name": "s", "objective": {"metric": "acc", "mode": "max"}, "space": {"x": {"uniform": [0, 1]}},
                           "trainable": {"builtin": "synthetic"}})");
  j["stoppers"] = Json::parse(stoppers);
  return j;
}
}  // namespace

class TestStoppers final : public QObject {
  Q_OBJECT
 private slots:
  void trialPlateau() {
    auto s = stopper(R"([{"type": "trial_plateau", "std": 0.01, "num_results": 3, "grace_period": 4}])");
    const double values[] = {0.5, 0.7, 0.700, 0.701, 0.702};
    for (int i = 0; i < 3; ++i) QCOMPARE(s->on_result(snap(0), res(i + 1, values[i])).action, A::Continue);
    // Result 4: std of (0.7, 0.7, 0.701) = 0.00047 < 0.01 and past the grace period.
    const Decision d = s->on_result(snap(0), res(4, values[3]));
    QCOMPARE(d.action, A::Stop);
    QCOMPARE(QString::fromStdString(d.reason),
             QStringLiteral("trial plateau stopped trial 0 after 4 results: std of its last 3 acc values 0.0004714 < 0.01"));
    // Other trials have their own windows; a NaN in the window never stops; a missing metric is not counted.
    for (int i = 0; i < 3; ++i) QCOMPARE(s->on_result(snap(1), res(i + 1, 0.5)).action, A::Continue);
    QCOMPARE(s->on_result(snap(1), res(4, std::nan(""))).action, A::Continue);
    QCOMPARE(s->on_result(snap(1), Json{{"training_iteration", 5}}).action, A::Continue);
    QCOMPARE(s->on_result(snap(1), res(6, 0.5)).action, A::Continue);  // window 0.5, NaN, 0.5
    QCOMPARE(s->on_result(snap(1), res(7, 0.5)).action, A::Continue);  // window NaN, 0.5, 0.5
    QCOMPARE(s->on_result(snap(1), res(8, 0.5)).action, A::Stop);
  }

  void trialPlateauWithThreshold() {
    auto s = stopper(R"([{"type": "trial_plateau", "num_results": 2, "grace_period": 2, "metric_threshold": 0.9}])");
    QCOMPARE(s->on_result(snap(0), res(1, 0.5)).action, A::Continue);
    QCOMPARE(s->on_result(snap(0), res(2, 0.5)).action, A::Continue);  // flat but below 0.9
    auto m = stopper(R"([{"type": "trial_plateau", "num_results": 2, "grace_period": 2, "metric_threshold": 0.1}])", false);
    QCOMPARE(m->on_result(snap(0), res(1, 0.05)).action, A::Continue);
    QCOMPARE(m->on_result(snap(0), res(2, 0.05)).action, A::Stop);  // min mode: 0.05 <= 0.1
  }

  void experimentPlateau() {
    auto s = stopper(R"([{"type": "experiment_plateau", "top": 3, "std": 0.001, "patience": 1}])");
    QVERIFY(!s->stop_study());
    (void)s->on_result(snap(0), res(1, 0.9));
    (void)s->on_result(snap(1), res(1, 0.9));
    QVERIFY(!s->stop_study());  // only 2 values
    (void)s->on_result(snap(2), res(1, 0.9));
    QVERIFY(!s->stop_study());  // plateau for 1 result: patience 1 wants one more
    (void)s->on_result(snap(3), res(1, 0.2));  // not in the top 3: the plateau holds
    const auto why = s->stop_study();
    QVERIFY(why.has_value());
    QCOMPARE(QString::fromStdString(*why),
             QStringLiteral("experiment plateau: the top 3 acc values have std 0 <= 0.001 for 2 results (patience 1)"));
    // A better value breaks the plateau.
    (void)s->on_result(snap(4), res(1, 0.99));
    QVERIFY(!s->stop_study());
  }

  void maxIterationsThresholdAndTimeouts() {
    auto s = stopper(R"([{"type": "max_iterations", "max_iter": 2}])");
    QCOMPARE(s->on_result(snap(0), res(1, 0.1)).action, A::Continue);
    QCOMPARE(s->on_result(snap(1), res(1, 0.1)).action, A::Continue);
    const Decision limit = s->on_result(snap(0), res(2, 0.1));
    QCOMPARE(QString::fromStdString(limit.reason), QStringLiteral("max_iterations completed trial 0: 2 results reached max_iter 2"));
    QVERIFY(limit.reached_end);  // it completed its planned iterations

    auto t = stopper(R"([{"type": "metric_threshold", "threshold": 0.9}, {"type": "metric_threshold", "metric": "loss", "threshold": 0.1, "mode": "min"}])");
    QCOMPARE(t->on_result(snap(0), Json{{"acc", 0.89}, {"loss", 0.2}}).action, A::Continue);
    const Decision reached = t->on_result(snap(0), Json{{"acc", 0.9}});
    QCOMPARE(QString::fromStdString(reached.reason), QStringLiteral("metric threshold completed trial 0: acc 0.9 >= 0.9"));
    QVERIFY(reached.reached_end);
    QCOMPARE(QString::fromStdString(t->on_result(snap(1), Json{{"loss", 0.05}}).reason),
             QStringLiteral("metric threshold completed trial 1: loss 0.05 <= 0.1"));
    QCOMPARE(t->on_result(snap(1), Json{{"acc", nullptr}}).action, A::Continue);

    auto tt = stopper(R"([{"type": "trial_timeout", "timeout_s": 60}])");
    QCOMPARE(tt->on_result(snap(0), Json{{"time_total_s", 59.9}}).action, A::Continue);
    const Decision d = tt->on_result(snap(0), Json{{"time_total_s", 60.5}});
    QCOMPARE(QString::fromStdString(d.reason), QStringLiteral("trial timeout stopped trial 0: time_total_s 60.5 >= 60 s"));
    QVERIFY(!d.reached_end);  // stopped early

    double now = 100;
    auto study = stopper(R"([{"type": "timeout", "timeout_s": 30}])", true, [&] { return now; });
    now = 129;
    QVERIFY(!study->stop_study());
    now = 130;
    QCOMPARE(QString::fromStdString(*study->stop_study()),
             QStringLiteral("timeout: 30 s elapsed in this session (timeout_s 30)"));
  }

  void anyOfAndAllOf() {
    auto any = stopper(R"([{"type": "combined", "stoppers": [{"type": "max_iterations", "max_iter": 3},
                                                             {"type": "metric_threshold", "threshold": 0.9}]}])");
    QCOMPARE(any->on_result(snap(0), res(1, 0.95)).action, A::Stop);
    QVERIFY(any->on_result(snap(1), res(1, 0.95)).reached_end);  // the threshold's verdict travels up
    // Several fire at once: a child that reached the planned end wins over one that stops early.
    auto mixed = stopper(R"([{"type": "combined", "stoppers": [{"type": "trial_timeout", "timeout_s": 1},
                                                               {"type": "max_iterations", "max_iter": 1}]}])");
    const Decision m = mixed->on_result(snap(0), Json{{"acc", 0.5}, {"time_total_s", 2.0}});
    QVERIFY(m.reached_end);
    QVERIFY(QString::fromStdString(m.reason).startsWith(QStringLiteral("max_iterations")));
    auto all = stopper(R"([{"type": "all", "stoppers": [{"type": "max_iterations", "max_iter": 2},
                                                        {"type": "metric_threshold", "threshold": 0.9}]}])");
    QCOMPARE(all->on_result(snap(0), res(1, 0.95)).action, A::Continue);  // threshold only
    QCOMPARE(all->on_result(snap(0), res(2, 0.5)).action, A::Continue);   // iterations only
    const Decision d = all->on_result(snap(0), res(3, 0.95));
    QCOMPARE(d.action, A::Stop);
    QVERIFY(QString::fromStdString(d.reason).startsWith(QStringLiteral("all stoppers agree: max_iterations completed")));
    QCOMPARE(d.details["all"].size(), size_t(2));
    QVERIFY(d.reached_end);  // the docs' example ends trials as completed
    // Study-level: all-of needs every child to say so.
    double now = 0;
    auto both = stopper(R"([{"type": "all", "stoppers": [{"type": "timeout", "timeout_s": 10},
                                                         {"type": "experiment_plateau", "top": 1}]}])", true, [&] { return now; });
    now = 20;
    QVERIFY(!both->stop_study());
    (void)both->on_result(snap(0), res(1, 0.5));
    QVERIFY(both->stop_study().has_value());
    // An empty list never fires.
    auto none = stopper("[]");
    QCOMPARE(none->on_result(snap(0), res(1, 1.0)).action, A::Continue);
    QVERIFY(!none->stop_study());
  }

  void specValidatesStoppers_data() {
    QTest::addColumn<QByteArray>("stoppers");
    QTest::addColumn<QString>("where");
    QTest::newRow("not a list") << QByteArray(R"({"type": "timeout"})") << QStringLiteral("stoppers");
    QTest::newRow("bad option") << QByteArray(R"([{"type": "max_iterations", "max_iter": 3}, {"type": "trial_plateau", "std": "x"}])")
                                << QStringLiteral("stoppers[1].std");
    QTest::newRow("unknown option") << QByteArray(R"([{"type": "trial_plateau", "sdt": 1}])") << QStringLiteral("stoppers[0].sdt");
    QTest::newRow("unknown type") << QByteArray(R"([{"type": "plateau"}])") << QStringLiteral("stoppers[0].type");
    QTest::newRow("missing required") << QByteArray(R"([{"type": "max_iterations"}])") << QStringLiteral("stoppers[0].max_iter");
    QTest::newRow("nested") << QByteArray(R"([{"type": "all", "stoppers": [{"type": "timeout", "timeout_s": -1}]}])")
                            << QStringLiteral("stoppers[0].stoppers[0].timeout_s");
    QTest::newRow("bad mode") << QByteArray(R"([{"type": "trial_plateau", "mode": "up"}])") << QStringLiteral("stoppers[0].mode");
    QTest::newRow("empty nested") << QByteArray(R"([{"type": "combined", "stoppers": []}])") << QStringLiteral("stoppers[0].stoppers");
  }
  void specValidatesStoppers() {
    QFETCH(QByteArray, stoppers);
    QFETCH(QString, where);
    auto spec = parse_spec(spec_with_stoppers(stoppers.constData()), "/tmp");
    QVERIFY(!spec.ok());
    QCOMPARE(QString::fromStdString(spec.errors()[0].where), where);
  }

  void specFillsStopperDefaults() {
    auto spec = parse_spec(spec_with_stoppers(R"([{"type": "trial_plateau"}, {"type": "max_iterations", "max_iter": 5}])"), "/tmp");
    QVERIFY2(spec.ok(), spec.error_text().c_str());
    QVERIFY(spec->stoppers == Json::parse(R"([{"type": "trial_plateau", "std": 0.01, "num_results": 4, "grace_period": 4},
                                              {"type": "max_iterations", "max_iter": 5}])"));
    auto none = parse_spec(spec_with_stoppers("[]"), "/tmp");
    QVERIFY(none.ok() && none->stoppers.empty());
  }

  void specChecksSchedulerOptionsTogether() {
    Json j = spec_with_stoppers("[]");
    j["scheduler"] = Json::parse(R"({"type": "threshold", "lower": 2, "upper": 1})");
    auto spec = parse_spec(j, "/tmp");
    QVERIFY(!spec.ok());
    QCOMPARE(QString::fromStdString(spec.errors()[0].where), QStringLiteral("scheduler.lower"));
    j["scheduler"] = Json::parse(R"({"type": "asha", "max_t": 30, "grace_period": 1, "reduction_factor": 3})");
    QVERIFY(parse_spec(j, "/tmp").ok());
  }
};

QTEST_APPLESS_MAIN(TestStoppers)
#include "test_stoppers.moc"
