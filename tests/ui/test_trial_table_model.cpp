// The monitor's trial table: rows from engine events, sorting and filtering through the proxy,
// linked curves; QAbstractItemModelTester on the model and the proxy.
#include <QAbstractItemModelTester>
#include <QApplication>
#include <QTemporaryDir>
#include <QTest>

#include "core/store/store.h"
#include "ui/bridge/store_watcher.h"
#include "ui/charts/curve_chart.h"
#include "ui/models/study_state.h"
#include "ui/models/trial_filter_proxy.h"
#include "ui/models/trial_table_model.h"

using namespace tunelab;
using namespace tunelab::ui;

namespace {
StudyEvent ev(StudyEvent::Kind kind, int64_t id, Json data) {
  StudyEvent e;
  e.kind = kind;
  e.trial_id = id;
  e.data = std::move(data);
  return e;
}
std::vector<StudyEvent> created(int64_t first, int64_t n) {
  std::vector<StudyEvent> out;
  for (int64_t id = first; id < first + n; ++id) {
    out.push_back(ev(StudyEvent::Kind::TrialCreated, id, {{"lr", 0.001 * static_cast<double>(id)}, {"act", id % 2 ? "relu" : "tanh"}}));
    out.push_back(ev(StudyEvent::Kind::TrialStarted, id, Json::object()));
  }
  return out;
}
}  // namespace

class TestTrialTableModel final : public QObject {
  Q_OBJECT
 private slots:
  void rowsFollowEvents() {
    StudyState state;
    state.reset({"acc", true}, {"lr", "act"});
    TrialTableModel model(&state);
    TrialFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester t1(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t2(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.reset();
    QCOMPARE(model.columnCount(), 8);
    QCOMPARE(model.headerData(2, Qt::Horizontal, Qt::DisplayRole).toString(), QStringLiteral("lr"));
    model.update(state.apply(created(1, 5)));
    QCOMPARE(model.rowCount(), 5);
    std::vector<StudyEvent> results;
    for (int64_t id = 1; id <= 5; ++id) {
      for (int i = 1; i <= 3; ++i) {
        results.push_back(ev(StudyEvent::Kind::TrialResult, id,
                             {{"acc", 0.1 * static_cast<double>(id) + 0.01 * i}, {"training_iteration", i}, {"time_total_s", i * 0.5}}));
      }
    }
    results.push_back(ev(StudyEvent::Kind::TrialEnded, 2, {{"status", "stopped"}, {"reason", "stopped by the user"}}));
    const StudyDelta d = state.apply(results);
    model.update(d);
    QCOMPARE(d.appended.size(), size_t(5));
    QCOMPARE(state.best_trial(), std::optional<int64_t>(5));
    QCOMPARE(model.index(0, model.iteration_column()).data().toInt(), 3);
    QCOMPARE(model.index(1, 1).data().toString(), QStringLiteral("stopped"));
    QCOMPARE(model.index(1, 1).data(Qt::ToolTipRole).toString(), QStringLiteral("stopped by the user"));
    QVERIFY(!model.index(1, 1).data(Qt::DecorationRole).value<QIcon>().isNull());
    QCOMPARE(model.index(4, model.iteration_column() + 2).data().toString(), QStringLiteral("0.53"));
    // Sorting by best, descending: trial 5 first (by value, not by text).
    proxy.sort(model.iteration_column() + 2, Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, 0).data().toLongLong(), 5LL);
    // Filtering: words match any column.
    proxy.set_text(QStringLiteral("tanh running"));
    QCOMPARE(proxy.rowCount(), 1);  // trial 4; trial 2 uses tanh too but was stopped
    proxy.set_text({});
    proxy.set_allowed_ids(std::set<int64_t>{1, 3});
    QCOMPARE(proxy.rowCount(), 2);
    proxy.set_allowed_ids(std::nullopt);
    QCOMPARE(proxy.rowCount(), 5);
    // More trials arrive while sorted.
    model.update(state.apply(created(6, 3)));
    QCOMPARE(proxy.rowCount(), 8);
  }

  void restartedTrialCurveIsOneAttempts() {
    // A trial restarted from its checkpoint at iteration 2: the engine says its curve now ends there, and
    // the new attempt's results replace the abandoned ones instead of being appended after them.
    StudyState state;
    state.reset({"acc", true}, {"lr", "act"});
    state.apply(created(0, 2));
    std::vector<StudyEvent> first;
    for (int i = 1; i <= 5; ++i) first.push_back(ev(StudyEvent::Kind::TrialResult, 0, {{"acc", 0.9 + 0.01 * i}, {"training_iteration", i}}));
    first.push_back(ev(StudyEvent::Kind::TrialResult, 1, {{"acc", 0.5}, {"training_iteration", 1}}));
    state.apply(first);
    QCOMPARE(state.best_trial(), std::optional<int64_t>(0));
    StudyDelta d = state.apply({ev(StudyEvent::Kind::TrialUpdated, 0, {{"curve_until", 2}})});
    QVERIFY(d.rewound.count(0));
    const TrialData& t = state.trials()[0];
    QCOMPARE(t.iterations, (std::vector<double>{1, 2}));
    QCOMPARE(t.metrics.at("acc").size(), size_t(2));
    QCOMPARE(*t.best, 0.92);
    QCOMPARE(t.iteration, int64_t(2));
    d = state.apply({ev(StudyEvent::Kind::TrialResult, 0, {{"acc", 0.3}, {"training_iteration", 3}})});
    QCOMPARE(d.appended.at(0), size_t(2));
    QCOMPARE(t.iterations, (std::vector<double>{1, 2, 3}));
    QCOMPARE(*t.last, 0.3);
    // Without the engine's word (a watched database), an iteration the curve already has rewinds it too,
    // and the study's best is recomputed from what stays.
    d = state.apply({ev(StudyEvent::Kind::TrialResult, 0, {{"acc", 0.1}, {"training_iteration", 1}})});
    QVERIFY(d.rewound.count(0));
    QCOMPARE(t.iterations, (std::vector<double>{1}));
    QCOMPARE(*t.best, 0.1);
    QCOMPARE(state.best_trial(), std::optional<int64_t>(1));
    QVERIFY(d.best_changed);
  }

  void watchedDatabaseFollowsARestartedTrial() {
    // Another process runs the study: the watcher sees attempt 1's iterations 3 to 5 superseded by
    // attempt 2's iteration 3, and the GUI's curve becomes 1, 2 (attempt 1) and 3 (attempt 2).
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("w.db")).toStdString();
    auto writer = Store::open(path, Store::Mode::Create);
    QVERIFY(writer.ok());
    StudyRecord study;
    study.name = "watched";
    study.spec = Json::object();
    QVERIFY((*writer)->create_study(study).ok());
    TrialRecord t;
    t.status = TrialStatus::Running;
    t.config = Json::object();
    (*writer)->put_trial(t);
    for (int i = 1; i <= 5; ++i) (*writer)->append_result({0, i, 0.1 * i, 100.0 + i, Json{{"acc", 0.1 * i}, {"training_iteration", i}}, 1});
    QVERIFY((*writer)->flush().ok());
    StudyState state;
    state.reset({"acc", true}, {});
    StoreWatcher watcher;
    QObject::connect(&watcher, &StoreWatcher::events, [&](const std::vector<StudyEvent>& batch) { state.apply(batch); });
    QObject::connect(&watcher, &StoreWatcher::results, [&](const ResultBlock& block) { state.apply_results(block); });
    QVERIFY(watcher.open(QString::fromStdString(path)).ok());
    QCOMPARE(state.trials().at(0).iterations.size(), size_t(5));
    (*writer)->supersede_results(0, 2, 200);
    (*writer)->append_result({0, 3, 0.05, 201, Json{{"acc", 0.01}, {"training_iteration", 3}}, 2});
    QVERIFY((*writer)->flush().ok());
    QTRY_COMPARE_WITH_TIMEOUT(state.trials().at(0).iterations, (std::vector<double>{1, 2, 3}), 10000);
    QCOMPARE(state.trials().at(0).metrics.at("acc").back(), 0.01);
    QCOMPARE(*state.trials().at(0).best, 0.2);
  }

  void curvesAppendIncrementallyAndDecimate() {
    CurveChart chart;
    chart.resize(400, 300);
    chart.show();
    std::vector<double> xs, ys;
    for (int i = 0; i < 100; ++i) {
      xs.push_back(i);
      ys.push_back(i * 0.01);
    }
    chart.append(1, xs, ys);
    chart.flush();
    (void)chart.grab();  // paints
    QCOMPARE(chart.drawn_points(1), 100);
    const int redraws = chart.full_redraws();
    // A point inside the axis ranges is drawn incrementally: no full redraw.
    chart.append(1, {100}, {0.5});
    chart.flush();
    (void)chart.grab();
    QCOMPARE(chart.drawn_points(1), 101);
    QCOMPARE(chart.full_redraws(), redraws);
    // Far denser than the pixels: decimated.
    std::vector<double> bx, by;
    for (int i = 0; i < 20000; ++i) {
      bx.push_back(i);
      by.push_back((i % 7) * 0.1);
    }
    chart.append(2, bx, by);
    chart.flush();
    (void)chart.grab();
    QVERIFY(chart.full_redraws() > redraws);  // the x range grew
    QVERIFY(chart.drawn_points(2) > 0);
    QVERIFY(chart.drawn_points(2) < 20000 / 4);
    // Hidden charts do no drawing work until shown.
    chart.hide();
    chart.append(3, {0, 1}, {0, 1});
    chart.flush();
    QApplication::processEvents();
    QCOMPARE(chart.drawn_points(3), 0);
    chart.show();
    (void)chart.grab();
    QCOMPARE(chart.drawn_points(3), 2);
    QCOMPARE(chart.series_count(), 3);
  }
};

QTEST_MAIN(TestTrialTableModel)
#include "test_trial_table_model.moc"
