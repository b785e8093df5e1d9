// The workbench controls a study that another process runs (`tunelab run`): with the study opened from its
// database, the Monitor's controls are on and act through the study's control channel. Stopping a trial ends
// its process; the study pauses and resumes; an added trial joins it. A read-only study shows the controls
// off, with the reason as their tooltip.
#include <QApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/store/store.h"
#include "ui/bridge/db_control.h"
#include "ui/views/main_window.h"
#include "ui/views/monitor_view.h"
#include "ui/views/trial_controls.h"
#include "gui_test_util.h"
#include "support/store_util.h"

using namespace tunelab;
using test::trial;
using test::trials_of;

namespace {

QPushButton* button(const ui::TrialControls* controls, const QString& text) {
  for (QPushButton* b : controls->findChildren<QPushButton*>()) {
    if (b->text() == text) return b;
  }
  return nullptr;
}

int running_in_store(const QString& db) {
  int n = 0;
  for (const auto& t : trials_of(db)) n += t.status == TrialStatus::Running;
  return n;
}

// `tunelab run` of a slow study in its own process.
struct HeadlessRun {
  QProcess p;
  QString db;
  HeadlessRun(const QTemporaryDir& dir, const QString& db_path, int samples) : db(db_path) {
    Json spec = test::gui_spec(samples, 600, 0.05);
    spec["max_concurrent"] = 2;
    spec["space"]["checkpoint"] = true;
    const QString spec_path = dir.filePath(QStringLiteral("spec.json"));
    test::write_file(spec_path, spec.dump(2));
    p.start(QStringLiteral(TUNELAB_BIN), {QStringLiteral("run"), spec_path, QStringLiteral("--db"), db, QStringLiteral("--quiet")});
    p.waitForStarted();
  }
  ~HeadlessRun() {
    if (p.state() != QProcess::NotRunning) {
      ::kill(static_cast<pid_t>(p.processId()), SIGINT);
      if (!p.waitForFinished(30000)) p.kill();
    }
    p.waitForFinished();
  }
};

}  // namespace

class TestWatchControl final : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    qputenv("TUNELAB_BIN", TUNELAB_BIN);
    QCoreApplication::setOrganizationName(QStringLiteral("TuneLabTest"));
  }

  void controlsAWatchedStudy() {
    QTemporaryDir dir;
    const test::ScopedCurrentDir cwd(dir.path());
    HeadlessRun run(dir, dir.filePath(QStringLiteral("study.db")), 3);
    QVERIFY(test::wait_for([&] { auto t = trial(run.db, 1); return t && t->last_iteration >= 1 && t->pgid > 0; }, 30000));

    ui::MainWindow w(QStringLiteral("{}"), dir.path());
    w.show();
    QVERIFY(w.open_database(run.db));
    ui::TrialControls* controls = w.monitor()->controls();
    QVERIFY(test::wait_for([&] { return button(controls, QStringLiteral("Stop study"))->isEnabled(); }, 5000));
    QVERIFY(button(controls, QStringLiteral("Pause study"))->isEnabled());
    QVERIFY(controls->findChild<QSpinBox*>()->isEnabled());

    // Stop trial 0 from the Monitor: its process really ends.
    QVERIFY(test::wait_for([&] { return w.monitor()->state().index_of(0).has_value(); }, 10000));
    w.monitor()->select_trial(0);
    QVERIFY(button(controls, QStringLiteral("Stop trial"))->isEnabled());
    const int64_t pgid = trial(run.db, 0)->pgid;
    QVERIFY(pgid > 0 && ::kill(static_cast<pid_t>(-pgid), 0) == 0);
    QElapsedTimer clock;
    clock.start();
    QMetaObject::invokeMethod(controls, "stop_trial");
    QVERIFY(test::wait_for([&] { return ::kill(static_cast<pid_t>(-pgid), 0) != 0; }, 10000));
    qInfo("stop from the watching window until the trial's process group is gone: %lld ms", static_cast<long long>(clock.elapsed()));
    QVERIFY(test::wait_for([&] { return trial(run.db, 0)->status == TrialStatus::Stopped; }, 15000));
    QVERIFY(test::wait_for([&] { return w.monitor()->log_text().contains(QStringLiteral("applied: trial 0 stopped")); }, 5000));

    // Stopping it again is refused by the checks, with the reason shown.
    QMetaObject::invokeMethod(controls, "stop_trial");
    QVERIFY(test::wait_for([&] { return w.monitor()->log_text().contains(QStringLiteral("refused: trial 0: already ended")); }, 5000));

    // Pause the study: nothing runs; resume it: trials run again.
    QVERIFY(test::wait_for([&] { return running_in_store(run.db) >= 1; }, 15000));
    QMetaObject::invokeMethod(controls, "pause_study");
    QVERIFY(test::wait_for([&] { return w.monitor()->log_text().contains(QStringLiteral("applied: study paused")); }, 5000));
    QVERIFY(test::wait_for([&] { return running_in_store(run.db) == 0; }, 15000));
    QVERIFY(button(controls, QStringLiteral("Resume study"))->isEnabled());
    QMetaObject::invokeMethod(controls, "resume_study");
    QVERIFY(test::wait_for([&] { return running_in_store(run.db) >= 1; }, 15000));

    // Add a trial (the dialog's result, through the Monitor's control interface).
    Json config = trial(run.db, 1)->config;
    config["x"] = 0.375;
    w.monitor()->study_control()->add_trial(config, std::nullopt);
    QVERIFY(test::wait_for([&] { return trials_of(run.db).size() == 4; }, 15000));
    QCOMPARE(trial(run.db, 3)->config["x"].get<double>(), 0.375);
    QVERIFY(test::wait_for([&] { return w.monitor()->state().index_of(3).has_value(); }, 10000));

    // Stop the study: the engine ends, and the controls turn off with the reason.
    QMetaObject::invokeMethod(controls, "stop_study");
    QVERIFY(run.p.waitForFinished(30000));
    QVERIFY(test::wait_for([&] { return !button(controls, QStringLiteral("Stop study"))->isEnabled(); }, 5000));
    QVERIFY2(button(controls, QStringLiteral("Stop study"))->toolTip().contains(QStringLiteral("No engine is running")),
             qPrintable(button(controls, QStringLiteral("Stop study"))->toolTip()));
    QCOMPARE(test::processes_left(dir.path().toStdString()), 0);
  }

  void readOnlyStudyHasControlsOff() {
    QTemporaryDir dir;
    const QString sub = dir.filePath(QStringLiteral("ro"));
    QDir().mkpath(sub);
    HeadlessRun run(dir, QString(sub + QStringLiteral("/study.db")), 1);
    QVERIFY(test::wait_for([&] { auto t = trial(run.db, 0); return t && t->last_iteration >= 1; }, 30000));
    bool mounted = false;
    const QByteArray mnt = sub.toUtf8();
    if (::geteuid() != 0) {
      ::chmod(run.db.toUtf8().constData(), 0444);
    } else if (::mount(mnt.constData(), mnt.constData(), nullptr, MS_BIND, nullptr) == 0) {
      mounted = ::mount(nullptr, mnt.constData(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) == 0;
      if (!mounted) ::umount2(mnt.constData(), MNT_DETACH);
    }
    if (!mounted && ::geteuid() == 0) QSKIP("running as root without mount: a read-only file cannot be made");
    bool enabled = true;
    QString tip;
    {
      ui::MainWindow w(QStringLiteral("{}"), dir.path());
      w.show();
      if (w.open_database(run.db)) {
        QPushButton* stop = button(w.monitor()->controls(), QStringLiteral("Stop study"));
        enabled = stop->isEnabled();
        tip = stop->toolTip();
      }
    }
    if (mounted) ::umount2(mnt.constData(), MNT_DETACH);
    QVERIFY(!enabled);
    QVERIFY2(tip.contains(QStringLiteral("read-only")), qPrintable(tip));
    QVERIFY2(tip.contains(QStringLiteral("who may write its database file")), qPrintable(tip));
  }
};

QTEST_MAIN(TestWatchControl)
#include "test_watch_control.moc"
