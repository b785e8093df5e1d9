// The workbench and imported studies: File > Import… offers both kinds, an imported Ray Tune study opens
// with its trials and curves, and an Optuna storage dropped on the window is imported and opened.
#include <QAction>
#include <QMenu>
#include <QMenuBar>
#include <QMimeData>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>

#include <sqlite3.h>

#include <filesystem>

#include "core/importers/ray_import.h"
#include "core/store/store.h"
#include "ui/views/analyze_view.h"
#include "ui/views/main_window.h"
#include "ui/views/monitor_view.h"
#include "gui_test_util.h"

using namespace tunelab;

namespace {
const std::string kData = std::string(TUNELAB_TEST_DATA) + "/import";
}

class TestImportWindow final : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { QCoreApplication::setOrganizationName(QStringLiteral("TuneLabTest")); }

  void fileMenuOffersBothKinds() {
    QTemporaryDir dir;
    ui::MainWindow w(QString(), dir.path());
    QMenu* import = w.menuBar()->findChild<QMenu*>(QStringLiteral("importMenu"));
    QVERIFY(import);
    QCOMPARE(import->title(), QStringLiteral("&Import…"));
    QStringList texts;
    for (QAction* a : import->actions()) texts << a->text();
    QCOMPARE(texts, (QStringList{QStringLiteral("Ray Tune experiment folder…"), QStringLiteral("Optuna storage (SQLite)…")}));
    QVERIFY(w.acceptDrops());
  }

  void opensAnImportedRayStudy() {
    QTemporaryDir dir;
    auto s = read_ray_experiment(kData + "/ray/asha_nested", {"", "", "min"});
    QVERIFY2(s.ok(), s.error_text().c_str());
    const QString db = dir.filePath(QStringLiteral("asha.db"));
    QVERIFY(write_import(*s, db.toStdString()).ok());
    ui::MainWindow w(QString(), dir.path());
    w.show();
    QVERIFY(w.open_database(db));
    QTRY_COMPARE_WITH_TIMEOUT(w.monitor()->table()->model()->rowCount(), 4, 10000);
    QCOMPARE(w.monitor()->state().best_trial(), std::optional<int64_t>(0));
    w.show_view(ui::MainWindow::Analyze);
    w.analyze()->refresh();
    QVERIFY(w.analyze()->summary().has_value());
    QCOMPARE(w.analyze()->summary()->trials.size(), size_t(4));
  }

  void droppedOptunaStorageIsImported() {
    QTemporaryDir dir;
    const test::ScopedCurrentDir cwd(dir.path());
    // A storage with one study (the fixture's two-objective one), so nothing needs asking.
    const std::string copy = dir.filePath(QStringLiteral("one.db")).toStdString();
    std::filesystem::copy_file(kData + "/optuna.db", copy);
    sqlite3* h = nullptr;
    sqlite3_open(copy.c_str(), &h);
    QCOMPARE(sqlite3_exec(h, "DELETE FROM studies WHERE study_name != 'two_obj'", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(h);
    ui::MainWindow w(QString(), dir.path());
    w.show();
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(QString::fromStdString(copy))});
    QVERIFY(w.handle_drop(&mime, false));
    QVERIFY(w.db_path().startsWith(dir.path() + QStringLiteral("/tunelab_results/two_obj-")));
    QTRY_COMPARE_WITH_TIMEOUT(w.monitor()->table()->model()->rowCount(), 12, 10000);
    auto store = Store::open(w.db_path().toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    auto origin = (*store)->load_study_origin();
    QVERIFY(origin.ok() && origin->find("\"study\":\"two_obj\"") != std::string::npos);
    // A folder that is neither kind: refused, nothing opened.
    QMimeData bad;
    bad.setUrls({QUrl::fromLocalFile(dir.filePath(QStringLiteral("tunelab_results")))});
    const QString before = w.db_path();
    QVERIFY(!w.handle_drop(&bad, false));
    QCOMPARE(w.db_path(), before);
  }
};

QTEST_MAIN(TestImportWindow)
#include "test_import_window.moc"
