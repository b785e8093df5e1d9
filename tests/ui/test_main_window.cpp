// The workbench runs studies from the GUI: the table and curves fill, a trial stopped from the table
// ends its process group with "stopped by the user", a concurrency change takes effect live, the study
// controls work while it runs whether or not a trial is selected, and results go where `tunelab run`
// puts them.
#include <QApplication>
#include <QLabel>
#include <QProcess>
#include <QPushButton>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>

#include "core/store/store.h"
#include "ui/bridge/engine_bridge.h"
#include "ui/charts/curve_chart.h"
#include "ui/models/trial_table_model.h"
#include "ui/views/analyze_view.h"
#include "ui/views/design_view.h"
#include "ui/views/main_window.h"
#include "ui/views/monitor_view.h"
#include "ui/views/trial_controls.h"
#include "gui_test_util.h"

using namespace tunelab;

namespace {
int running_count(const ui::MonitorView& m) {
  int n = 0;
  for (const auto& t : m.state().trials()) n += t.status == TrialStatus::Running ? 1 : 0;
  return n;
}

QPushButton* button(const ui::TrialControls* controls, const QString& text) {
  for (QPushButton* b : controls->findChildren<QPushButton*>()) {
    if (b->text() == text) return b;
  }
  return nullptr;
}

// Whether some label in the window's status bar shows `text`.
bool status_bar_shows(ui::MainWindow& w, const QString& text) {
  for (const QLabel* l : w.statusBar()->findChildren<QLabel*>()) {
    if (l->isVisible() && l->text().contains(text)) return true;
  }
  return false;
}
}  // namespace

class TestMainWindow final : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    // Built-in trainables run as `tunelab trial NAME`; this test binary is not tunelab.
    qputenv("TUNELAB_BIN", TUNELAB_BIN);
    QCoreApplication::setOrganizationName(QStringLiteral("TuneLabTest"));
  }

  void runsAStudyAndFillsTableAndCurves() {
    QTemporaryDir dir;
    const test::ScopedCurrentDir cwd(dir.path());
    ui::MainWindow w(QString::fromStdString(test::gui_spec(5, 4).dump(2)), dir.path());
    w.show();
    QVERIFY(w.design()->errors().isEmpty());
    QVERIFY(w.start_study());
    QTRY_VERIFY_WITH_TIMEOUT(w.status_text().startsWith(QStringLiteral("done 5/5")), 30000);
    QTRY_VERIFY_WITH_TIMEOUT(!w.bridge()->running(), 10000);
    QTableView* table = w.monitor()->table();
    QCOMPARE(table->model()->rowCount(), 5);
    auto* model = w.monitor()->model();
    for (int r = 0; r < 5; ++r) {
      QCOMPARE(model->index(r, 1).data().toString(), QStringLiteral("completed"));
      QCOMPARE(model->index(r, model->iteration_column()).data().toInt(), 4);
    }
    // Every trial has a curve of 4 points, and the best is known.
    QCOMPARE(w.monitor()->curves()->series_count(), 5);
    for (const auto& t : w.monitor()->state().trials()) QCOMPARE(w.monitor()->curves()->drawn_points(t.id), 4);
    QVERIFY(w.monitor()->state().best_trial().has_value());
    // Selecting in the table selects the same trial for the charts.
    w.monitor()->select_trial(3);
    QCOMPARE(w.monitor()->selected_trial(), std::optional<int64_t>(3));
    // The analysis reads the same study back from its store.
    w.show_view(ui::MainWindow::Analyze);
    w.analyze()->refresh();
    QVERIFY(w.analyze()->summary().has_value());
    QCOMPARE(w.analyze()->summary()->trials.size(), size_t(5));
    QVERIFY(w.analyze()->best_config_text(QStringLiteral("cli")).contains(QStringLiteral("--x ")));
  }

  // The Analyze view re-reads a changing study every 2 s, or every ten times what a reading took when that is
  // longer, at most every minute: a study whose summary takes 0.4 s is read every 4 s.
  void analyzeReadsASlowStudyLessOften() {
    QCOMPARE(ui::AnalyzeView::refresh_interval_ms(0), qint64(2000));
    QCOMPARE(ui::AnalyzeView::refresh_interval_ms(150), qint64(2000));
    QCOMPARE(ui::AnalyzeView::refresh_interval_ms(400), qint64(4000));
    QCOMPARE(ui::AnalyzeView::refresh_interval_ms(100000), qint64(60000));
  }

  void stoppingATrialEndsItsProcessGroup() {
    QTemporaryDir dir;
    const test::ScopedCurrentDir cwd(dir.path());
    // Slow trials: 200 reports 0.05 s apart.
    ui::MainWindow w(QString::fromStdString(test::gui_spec(2, 200, 0.05).dump(2)), dir.path());
    w.show();
    QVERIFY(w.start_study());
    QVERIFY(test::wait_for([&] { return running_count(*w.monitor()) >= 1 && w.monitor()->state().trials().front().iteration >= 2; }, 30000));
    const int64_t id = w.monitor()->state().trials().front().id;
    w.monitor()->select_trial(id);
    const QString db = w.db_path();
    // The process group of the running attempt, from the store.
    int64_t pgid = 0;
    QVERIFY(test::wait_for([&] {
      auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
      if (!store) return false;
      auto trials = (*store)->load_trials();
      if (!trials) return false;
      for (const auto& t : *trials) {
        if (t.id == id) pgid = t.pgid;
      }
      return pgid > 0;
    }, 10000));
    QVERIFY(::kill(static_cast<pid_t>(-pgid), 0) == 0);
    // The Stop trial button.
    QMetaObject::invokeMethod(w.monitor()->controls(), "stop_trial");
    QVERIFY(test::wait_for([&] {
      const auto& t = w.monitor()->state().trials().front();
      return t.status == TrialStatus::Stopped;
    }, 15000));
    QCOMPARE(QString::fromStdString(w.monitor()->state().trials().front().reason), QStringLiteral("stopped by the user"));
    QVERIFY(w.monitor()->log_text().contains(QStringLiteral("stop by user: stopped by the user")));
    // Its process group is gone.
    QVERIFY(test::wait_for([&] { return ::kill(static_cast<pid_t>(-pgid), 0) != 0; }, 10000));
    w.bridge()->stop_study();
    QTRY_VERIFY_WITH_TIMEOUT(!w.bridge()->running(), 20000);
    auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    auto decisions = (*store)->load_decisions();
    QVERIFY(decisions.ok());
    bool recorded = false;
    for (const auto& d : *decisions) recorded = recorded || (d.trial_id == id && d.source == "user" && d.reason == "stopped by the user");
    QVERIFY(recorded);
  }

  void concurrencyChangesLive() {
    QTemporaryDir dir;
    const test::ScopedCurrentDir cwd(dir.path());
    Json spec = test::gui_spec(8, 40, 0.05);
    spec["max_concurrent"] = 1;
    ui::MainWindow w(QString::fromStdString(spec.dump(2)), dir.path());
    w.show();
    QVERIFY(w.start_study());
    QVERIFY(test::wait_for([&] { return running_count(*w.monitor()) == 1; }, 30000));
    // With one slot, never more than one runs.
    QVERIFY(!test::wait_for([&] { return running_count(*w.monitor()) > 1; }, 800));
    w.bridge()->set_max_concurrent(3);
    QVERIFY(test::wait_for([&] { return running_count(*w.monitor()) == 3; }, 15000));
    w.bridge()->stop_study();
    QTRY_VERIFY_WITH_TIMEOUT(!w.bridge()->running(), 20000);
  }

  void pauseResumeAndAddTrials() {
    if (!ui::EngineBridge::supports_pause() || !ui::EngineBridge::supports_add_trial()) {
      QSKIP("this engine has no pause or add-trial commands");
    }
    QTemporaryDir dir;
    const test::ScopedCurrentDir cwd(dir.path());
    Json spec = test::gui_spec(1, 60, 0.05);
    spec["space"]["checkpoint"] = true;
    ui::MainWindow w(QString::fromStdString(spec.dump(2)), dir.path());
    w.show();
    QVERIFY(w.start_study());
    QVERIFY(test::wait_for([&] { return !w.monitor()->state().trials().empty() && w.monitor()->state().trials().front().iteration >= 3; }, 30000));
    const int64_t id = w.monitor()->state().trials().front().id;
    w.bridge()->pause_trial(id);
    QVERIFY(test::wait_for([&] { return w.monitor()->state().trials().front().status == TrialStatus::Paused; }, 15000));
    const int64_t at = w.monitor()->state().trials().front().iteration;
    w.bridge()->resume_trial(id);
    QVERIFY(test::wait_for([&] { return w.monitor()->state().trials().front().iteration > at; }, 15000));
    // A hand-written trial joins the study: a copy of the first with another x (constants must keep their value).
    Json config = w.monitor()->state().trials().front().config;
    config["x"] = 0.25;
    w.bridge()->add_trial(config, id);
    QVERIFY(test::wait_for([&] { return w.monitor()->state().trials().size() == 2; }, 15000));
    QVERIFY(w.monitor()->state().trials().back().config["x"] == 0.25);
    w.bridge()->stop_study();
    QTRY_VERIFY_WITH_TIMEOUT(!w.bridge()->running(), 20000);
  }

  void opensAStoredStudy() {
    QTemporaryDir dir;
    const test::ScopedCurrentDir cwd(dir.path());
    QString db;
    {
      ui::MainWindow w(QString::fromStdString(test::gui_spec(3, 3).dump(2)), dir.path());
      QVERIFY(w.start_study());
      QTRY_VERIFY_WITH_TIMEOUT(!w.bridge()->running(), 30000);
      db = w.db_path();
    }
    ui::MainWindow w(QStringLiteral("{}"), dir.path());
    w.show();
    QVERIFY(w.open_database(db));
    QCOMPARE(w.monitor()->model()->rowCount(), 3);
    QCOMPARE(w.monitor()->curves()->series_count(), 3);
    QVERIFY(w.status_text().startsWith(QStringLiteral("done 3/3")));
  }

  void studyControlsNeedNoSelectedTrial() {
    QTemporaryDir dir;
    const test::ScopedCurrentDir cwd(dir.path());
    ui::MainWindow w(QString::fromStdString(test::gui_spec(2, 200, 0.05).dump(2)), dir.path());
    w.show();
    const ui::TrialControls* controls = w.monitor()->controls();
    QPushButton* stop_study = button(controls, QStringLiteral("Stop study"));
    QPushButton* pause_study = button(controls, QStringLiteral("Pause study"));
    QPushButton* stop_trial = button(controls, QStringLiteral("Stop trial"));
    auto* concurrency = controls->findChild<QSpinBox*>();
    QVERIFY(stop_study && pause_study && stop_trial && concurrency);
    const bool pause = ui::EngineBridge::supports_pause();
    // No study: nothing to act on.
    QVERIFY(!stop_study->isEnabled());
    QVERIFY(!pause_study->isEnabled());
    QVERIFY(!concurrency->isEnabled());
    QVERIFY(w.start_study());
    // While it runs, with no trial row selected, the study's controls work; the trial's need a trial.
    QVERIFY(test::wait_for([&] { return running_count(*w.monitor()) >= 1; }, 30000));
    QVERIFY(!w.monitor()->selected_trial().has_value());
    QVERIFY(stop_study->isEnabled());
    QVERIFY(concurrency->isEnabled());
    QCOMPARE(pause_study->isEnabled(), pause);
    QVERIFY(!stop_trial->isEnabled());
    // Selecting a trial and clearing the selection again leaves them on.
    w.monitor()->select_trial(w.monitor()->state().trials().front().id);
    QVERIFY(stop_trial->isEnabled());
    w.monitor()->table()->clearSelection();
    QVERIFY(!stop_trial->isEnabled());
    QVERIFY(stop_study->isEnabled());
    QVERIFY(concurrency->isEnabled());
    // The button stops the study; then they are off.
    stop_study->click();
    QTRY_VERIFY_WITH_TIMEOUT(!w.bridge()->running(), 20000);
    QTRY_VERIFY_WITH_TIMEOUT(!stop_study->isEnabled(), 5000);
    QVERIFY(!pause_study->isEnabled());
    QVERIFY(!concurrency->isEnabled());
  }

  void studyControlsAreOnForAStudyAnotherProcessRuns() {
    QTemporaryDir dir;
    const test::ScopedCurrentDir cwd(dir.path());
    const QString spec = dir.filePath(QStringLiteral("spec.json"));
    test::write_file(spec, test::gui_spec(2, 200, 0.05).dump(2));
    const QString db = dir.filePath(QStringLiteral("other.db"));
    QProcess engine;
    engine.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("run"), spec, QStringLiteral("--db"), db,
                                                QStringLiteral("--quiet")});
    QVERIFY(engine.waitForStarted());
    ui::MainWindow w(QStringLiteral("{}"), dir.path());
    w.show();
    QVERIFY(test::wait_for([&] {
      if (!QFile::exists(db)) return false;
      auto store = Store::open(db.toStdString(), Store::Mode::ReadOnly);
      if (!store) return false;
      auto trials = (*store)->load_trials();
      return trials && !trials->empty();
    }, 30000));
    QVERIFY(w.open_database(db));
    QVERIFY(test::wait_for([&] { return running_count(*w.monitor()) >= 1; }, 30000));
    // The study's controls act on it through its control channel (tests/ui/test_watch_control.cpp).
    const ui::TrialControls* controls = w.monitor()->controls();
    QVERIFY(button(controls, QStringLiteral("Stop study"))->isEnabled());
    QVERIFY(button(controls, QStringLiteral("Pause study"))->isEnabled());
    QVERIFY(controls->findChild<QSpinBox*>()->isEnabled());
    engine.terminate();  // SIGTERM: the engine ends the study as interrupted
    QVERIFY(engine.waitForFinished(20000));
  }

  void resultsGoWhereTunelabRunPutsThem() {
    // As from a checkout: the spec in resources/studies/, the workbench started at the checkout's root.
    QTemporaryDir dir;
    const QString studies = dir.filePath(QStringLiteral("resources/studies"));
    QVERIFY(QDir().mkpath(studies));
    const QString spec = QDir(studies).filePath(QStringLiteral("demo.json"));
    Json j = test::gui_spec(2, 2);
    j["name"] = "demo";
    test::write_file(spec, j.dump(2));
    const test::ScopedCurrentDir cwd(dir.path());
    ui::MainWindow w(QString(), dir.path());
    w.show();
    QVERIFY(w.open_spec(spec));
    QVERIFY(w.start_study());
    const QFileInfo db(w.db_path());
    QVERIFY(db.isAbsolute());
    const QString folder = db.absolutePath();  // tunelab_results/demo-YYYYmmdd-HHMMSS
    QVERIFY(QFileInfo(folder).fileName().startsWith(QStringLiteral("demo-")));
    QCOMPARE(QFileInfo(QFileInfo(folder).absolutePath()).canonicalFilePath(),
             QFileInfo(dir.filePath(QStringLiteral("tunelab_results"))).canonicalFilePath());
    // The status bar names the folder while the study runs and after it ends.
    QVERIFY(status_bar_shows(w, folder));
    QTRY_VERIFY_WITH_TIMEOUT(!w.bridge()->running(), 30000);
    QVERIFY(db.exists());
    QVERIFY(status_bar_shows(w, folder));
    // Nothing beside the spec.
    QVERIFY(!QFile::exists(QDir(studies).filePath(QStringLiteral("tunelab_results"))));
    QCOMPARE(QDir(studies).entryList(QDir::NoDotAndDotDot | QDir::AllEntries), QStringList{QStringLiteral("demo.json")});
  }

  void badSpecIsReportedNotRun() {
    QTemporaryDir dir;
    const test::ScopedCurrentDir cwd(dir.path());
    ui::MainWindow w(QStringLiteral("{\"name\": \"x\"}"), dir.path());
    QVERIFY(!w.design()->errors().isEmpty());
    // start_study shows a message box; close it as soon as it opens.
    QTimer::singleShot(0, [] {
      if (QWidget* box = QApplication::activeModalWidget()) box->close();
    });
    QTimer::singleShot(200, [] {
      if (QWidget* box = QApplication::activeModalWidget()) box->close();
    });
    QVERIFY(!w.start_study());
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("tunelab_results"))));
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
