// The minimal workbench window runs a study off the GUI thread and shows its trials.
#include <QApplication>
#include <QPushButton>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include "support/test_util.h"
#include "ui/views/main_window.h"

using namespace tunelab;

class TestMainWindow final : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    // Built-in trainables run as `tunelab trial NAME`; this test binary is not tunelab.
    qputenv("TUNELAB_BIN", TUNELAB_BIN);
  }

  void runsAStudyAndFillsTheTable() {
    QTemporaryDir dir;
    const Json spec = test::synthetic_spec({{"num_samples", 5}, {"space", {{"x", {{"uniform", {0, 1}}}}, {"iterations", 4}}}});
    ui::MainWindow w(QString::fromStdString(spec.dump(2)), dir.path());
    w.show();
    QVERIFY(w.start_study());
    auto* table = w.findChild<QTableView*>();
    QVERIFY(table);
    QTRY_VERIFY_WITH_TIMEOUT(w.status_text().startsWith(QStringLiteral("done 5/5")), 30000);
    QTRY_COMPARE_WITH_TIMEOUT(table->model()->rowCount(), 5, 5000);
    // Every row reached iteration 4 and shows its status.
    QTRY_VERIFY_WITH_TIMEOUT(table->model()->index(4, 1).data().toString() == QStringLiteral("completed"), 5000);
    QCOMPARE(table->model()->index(0, 2).data().toInt(), 4);
    QVERIFY(QFile::exists(dir.filePath(QStringLiteral("tunelab_results"))));
  }

  void badSpecIsReportedNotRun() {
    QTemporaryDir dir;
    ui::MainWindow w(QStringLiteral("{\"name\": \"x\"}"), dir.path());
    QVERIFY(!w.start_study());
    QVERIFY(!QFile::exists(dir.filePath(QStringLiteral("tunelab_results"))));
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
