// Watching a study that another process runs: while a real `tunelab run` writes it, the workbench shows
// the engine's event log and its decisions (from the events and decisions tables, with their stored times),
// the progress with an ETA, and keeps all of it up to date; the study's end shows too.
#include <QApplication>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include "core/store/store.h"
#include "ui/bridge/store_watcher.h"
#include "ui/views/main_window.h"
#include "ui/views/monitor_view.h"
#include "gui_test_util.h"

using namespace tunelab;

namespace {

int finished_count(const QString& progress) {
  const auto m = QRegularExpression(QStringLiteral("done (\\d+)/")).match(progress);
  return m.hasMatch() ? m.captured(1).toInt() : -1;
}

bool holds_trials(const QString& db) {
  if (!QFile::exists(db)) return false;
  auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
  if (!store) return false;
  auto trials = (*store)->load_trials();
  return trials && !trials->empty();
}

}  // namespace

class TestWatch final : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    qputenv("TUNELAB_BIN", TUNELAB_BIN);
    QCoreApplication::setOrganizationName(QStringLiteral("TuneLabTest"));
  }

  void watchedStudyShowsLogDecisionsAndEta() {
    QTemporaryDir dir;
    const test::ScopedCurrentDir cwd(dir.path());
    Json spec = test::gui_spec(16, 12, 0.25);
    spec["name"] = "watched";
    spec["max_concurrent"] = 2;
    spec["scheduler"] = {{"type", "asha"}, {"max_t", 12}, {"grace_period", 1}, {"reduction_factor", 3}};
    const QString spec_path = dir.filePath(QStringLiteral("spec.json"));
    test::write_file(spec_path, spec.dump(2));
    const QString db = dir.filePath(QStringLiteral("study.db"));
    QProcess engine;
    engine.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("run"), spec_path, QStringLiteral("--db"), db,
                                                QStringLiteral("--quiet")});
    QVERIFY(engine.waitForStarted());
    QVERIFY(test::wait_for([&] { return holds_trials(db); }, 30000));

    ui::MainWindow w(QStringLiteral("{}"), dir.path());
    w.show();
    QVERIFY(w.open_database(db));
    ui::MonitorView* m = w.monitor();
    // The engine's event log, read from the events table.
    QVERIFY2(m->log_text().contains(QStringLiteral("study \"watched\" created")), qPrintable(m->log_text()));
    QVERIFY(test::wait_for([&] { return m->log_text().contains(QStringLiteral("trial 0 started")); }, 20000));
    // It grows while the engine runs: trials started later, and the scheduler's decisions.
    QVERIFY2(test::wait_for([&] { return m->log_text().contains(QStringLiteral("trial 3 started")); }, 60000),
             qPrintable(m->log_text()));
    QVERIFY2(test::wait_for([&] { return m->log_text().contains(QStringLiteral(" by scheduler: ")); }, 60000),
             qPrintable(m->log_text()));
    // Progress with an estimated time left, once a trial has finished.
    const QRegularExpression eta(QStringLiteral("ETA \\d+ (s|min|h)"));
    QVERIFY2(test::wait_for([&] { return eta.match(w.status_text()).hasMatch(); }, 60000), qPrintable(w.status_text()));
    QVERIFY(w.status_text().contains(QStringLiteral("/16")));
    const int done_then = finished_count(w.status_text());
    QVERIFY(done_then >= 1);
    QVERIFY(test::wait_for([&] { return finished_count(w.status_text()) > done_then; }, 60000));
    // The log lines carry the time they were stored, in order.
    const QStringList lines = m->log_text().split(QLatin1Char('\n'));
    QVERIFY(lines.size() >= 4);
    QVERIFY(lines.first().startsWith(QLatin1Char('[')));

    QVERIFY(test::wait_for([&] { return engine.state() == QProcess::NotRunning; }, 120000));
    QCOMPARE(engine.exitCode(), 0);
    // The end shows: all done, no ETA, the study's status in the log.
    QVERIFY2(test::wait_for([&] { return w.status_text().startsWith(QStringLiteral("done 16/16")); }, 10000),
             qPrintable(w.status_text()));
    QVERIFY(w.status_text().endsWith(QStringLiteral("ETA -")));
    QVERIFY(test::wait_for([&] { return m->log_text().contains(QStringLiteral("study completed")); }, 10000));
    // Each decision stored is in the log once.
    auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    auto decisions = (*store)->load_decisions();
    QVERIFY(decisions.ok() && !decisions->empty());
    const QString log = m->log_text();
    for (const auto& d : *decisions) {
      const QString line = QStringLiteral("trial %1: %2 by %3").arg(d.trial_id).arg(QString::fromStdString(d.action),
                                                                                     QString::fromStdString(d.source));
      QVERIFY2(log.count(line) >= 1, qPrintable(line));
    }
    auto events = (*store)->load_events();
    QVERIFY(events.ok());
    for (const auto& e : *events) QVERIFY2(log.contains(QString::fromStdString(e.message)), e.message.c_str());
  }

  void aFinishedStudyIsReadOnceThenCostsNothing() {
    QTemporaryDir dir;
    const test::ScopedCurrentDir cwd(dir.path());
    const QString spec_path = dir.filePath(QStringLiteral("spec.json"));
    test::write_file(spec_path, test::gui_spec(6, 10).dump(2));
    const QString db = dir.filePath(QStringLiteral("done.db"));
    QCOMPARE(test::run_tunelab({QStringLiteral("run"), spec_path, QStringLiteral("--db"), db, QStringLiteral("--quiet")})
                 .exit_code,
             0);
    ui::StoreWatcher watcher;
    int batches = 0;
    size_t results = 0;
    QObject::connect(&watcher, &ui::StoreWatcher::events, [&](const std::vector<StudyEvent>&) { ++batches; });
    QObject::connect(&watcher, &ui::StoreWatcher::results, [&](const ResultBlock& b) { results += b.rows.size(); });
    QVERIFY(watcher.open(db).ok());
    QCOMPARE(results, size_t(60));
    const int after_open = batches;
    QVERIFY(after_open >= 1);
    const int64_t read = watcher.watch()->tail().rows_read();
    QVERIFY(read >= 60);
    // Ticks with nothing committed: no batch, no row read.
    QTest::qWait(2500);
    QCOMPARE(batches, after_open);
    QCOMPARE(results, size_t(60));
    QCOMPARE(watcher.watch()->tail().rows_read(), read);
    QCOMPARE(watcher.watch()->progress().completed, int64_t(6));
  }
};

QTEST_MAIN(TestWatch)
#include "test_watch.moc"
