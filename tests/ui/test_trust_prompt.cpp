// A study file opened in the workbench that would run a command asks for trust once before running;
// the answer is remembered per file content (SHA-256), and a changed file asks again. The dialog is
// answered programmatically.
#include <QApplication>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include "ui/bridge/engine_bridge.h"
#include "ui/views/main_window.h"
#include "ui/views/trust_prompt.h"
#include "gui_test_util.h"

using namespace tunelab;

namespace {

int g_prompts = 0;

// Answers the trust question when it shows: clicks the button named `answer` ("trust" or "distrust").
void answer_when_asked(const QString& answer) {
  auto* timer = new QTimer;
  timer->setInterval(20);
  QObject::connect(timer, &QTimer::timeout, timer, [timer, answer] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (!box || box->objectName() != QStringLiteral("trust_prompt")) return;
    ++g_prompts;
    if (auto* b = box->findChild<QPushButton*>(answer)) b->click();
    timer->deleteLater();
  });
  timer->start();
}

// A spec file whose trainable is a command (the synthetic trainable through the tunelab binary).
QString write_spec(const QTemporaryDir& dir, const QString& name, int samples) {
  Json j = test::synthetic_spec({{"num_samples", samples}});
  j["trainable"] = {{"command", {TUNELAB_BIN, "trial", "synthetic"}}};
  const QString path = dir.filePath(name);
  test::write_file(path, j.dump(2));
  return path;
}

bool run_file(const QString& path, const QString& base) {
  const test::ScopedCurrentDir cwd(base);  // the study goes to base/tunelab_results
  ui::MainWindow w(QString(), base);
  if (!w.open_spec(path)) return false;
  const bool started = w.start_study();
  if (started) test::wait_for([&] { return !w.bridge()->running(); }, 30000);
  return started;
}

}  // namespace

class TestTrustPrompt final : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    qputenv("TUNELAB_BIN", TUNELAB_BIN);
    QCoreApplication::setOrganizationName(QStringLiteral("TuneLabTrustTest"));
    QSettings().clear();
  }
  void cleanupTestCase() { QSettings().clear(); }

  void asksOncePerContent() {
    QTemporaryDir dir;
    const QString spec = write_spec(dir, QStringLiteral("a.json"), 2);
    QFile f(spec);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QString hash = ui::TrustPrompt::content_hash(f.readAll());
    QVERIFY(!ui::TrustPrompt::remembered(hash).has_value());

    // First run: asked, trusted, run.
    g_prompts = 0;
    answer_when_asked(QStringLiteral("trust"));
    QVERIFY(run_file(spec, dir.path()));
    QCOMPARE(g_prompts, 1);
    QCOMPARE(ui::TrustPrompt::remembered(hash), std::optional<bool>(true));
    // Opened again (a new window, as after a restart): runs without asking.
    QVERIFY(run_file(spec, dir.path()));
    QCOMPARE(g_prompts, 1);

    // The file changes: asked again; refused, so nothing runs, and the refusal is remembered too.
    Json changed = test::synthetic_spec({{"num_samples", 3}});
    changed["trainable"] = {{"command", {"/bin/sh", "-c", "touch pwned"}}};
    test::write_file(spec, changed.dump(2));
    answer_when_asked(QStringLiteral("distrust"));
    QVERIFY(!run_file(spec, dir.path()));
    QCOMPARE(g_prompts, 2);
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("pwned"))));
    QVERIFY(!run_file(spec, dir.path()));
    QCOMPARE(g_prompts, 2);

    // A built-in trainable runs nothing from the file: no question.
    test::write_file(spec, test::synthetic_spec({{"num_samples", 1}}).dump(2));
    QVERIFY(run_file(spec, dir.path()));
    QCOMPARE(g_prompts, 2);
  }
};

QTEST_MAIN(TestTrustPrompt)
#include "test_trust_prompt.moc"
