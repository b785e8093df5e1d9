// The design view's space editor: edits update the spec, invalid input shows the CLI's error,
// undo/redo restore the space, and the model passes QAbstractItemModelTester.
#include <QAbstractItemModelTester>
#include <QPlainTextEdit>
#include <QTableView>
#include <QTest>

#include "ui/design/space_lint.h"
#include "ui/models/space_model.h"
#include "ui/views/component_form.h"
#include "ui/views/design_view.h"
#include "ui/views/distribution_preview.h"
#include "gui_test_util.h"

using namespace tunelab;
using ui::SpaceModel;

class TestSpaceModel final : public QObject {
  Q_OBJECT
 private slots:
  void loadsAndWritesBackTheSpace() {
    SpaceModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const Json space = Json::parse(test::kSpaceWithLog);
    m.set_space(space, false);
    QCOMPARE(m.rowCount(), 4);
    QCOMPARE(m.index(0, SpaceModel::Name).data().toString(), QStringLiteral("lr"));
    QCOMPARE(m.index(0, SpaceModel::Log).data(Qt::CheckStateRole).toInt(), int(Qt::Checked));
    QCOMPARE(m.index(2, SpaceModel::Values).data().toString(), QStringLiteral("relu, tanh"));
    QCOMPARE(m.index(3, SpaceModel::Condition).data().toString(), QStringLiteral("act = relu"));
    QVERIFY(m.errors().empty());
    // The written space parses to the same parameters.
    auto a = parse_space(space), b = parse_space(m.to_json());
    QVERIFY(a.ok() && b.ok());
    QVERIFY(a->to_json() == b->to_json());
  }

  void editingUpdatesTheSpaceAndInvalidInputShowsTheError_data() {
    QTest::addColumn<int>("column");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("error");
    QTest::newRow("high below low") << int(SpaceModel::High) << QStringLiteral("0.00001") << QStringLiteral("space.lr");
    QTest::newRow("not a number") << int(SpaceModel::Low) << QStringLiteral("abc") << QStringLiteral("space.lr.low");
    QTest::newRow("unknown type") << int(SpaceModel::Type) << QStringLiteral("bogus") << QStringLiteral("space.lr");
  }
  void editingUpdatesTheSpaceAndInvalidInputShowsTheError() {
    QFETCH(int, column);
    QFETCH(QString, value);
    QFETCH(QString, error);
    SpaceModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.set_space(Json::parse(test::kSpaceWithLog), false);
    // A valid edit first: the JSON follows.
    QVERIFY(m.setData(m.index(0, SpaceModel::High), QStringLiteral("0.5"), Qt::EditRole));
    QCOMPARE(m.to_json()["lr"]["high"].get<double>(), 0.5);
    QVERIFY(m.errors().empty());
    QVERIFY(m.setData(m.index(0, column), value, Qt::EditRole));
    QVERIFY(!m.errors().empty());
    // The message is parse_space's, with its path, on the row's tooltip.
    const QString tip = m.index(0, SpaceModel::Name).data(Qt::ToolTipRole).toString();
    QVERIFY2(tip.startsWith(error), qPrintable(tip));
    auto direct = parse_space(m.to_json());
    QVERIFY(!direct.ok());
    QVERIFY(tip.contains(QString::fromStdString(direct.errors().front().message)));
    QVERIFY(m.index(0, 0).data(Qt::BackgroundRole).isValid());
  }

  void undoAndRedoRestoreTheSpace() {
    SpaceModel m;
    QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    m.set_space(Json::parse(test::kSpaceWithLog), false);
    const Json original = m.to_json();
    m.setData(m.index(1, SpaceModel::High), QStringLiteral("128"), Qt::EditRole);
    m.add_row();
    m.move_row(0, 1);
    m.remove_row(2);
    const Json edited = m.to_json();
    QVERIFY(edited != original);
    QCOMPARE(m.undo_stack()->count(), 4);
    while (m.undo_stack()->canUndo()) m.undo_stack()->undo();
    QVERIFY(m.to_json() == original);
    QCOMPARE(m.rowCount(), 4);
    while (m.undo_stack()->canRedo()) m.undo_stack()->redo();
    QVERIFY(m.to_json() == edited);
    QCOMPARE(m.index(0, SpaceModel::Name).data().toString(), QStringLiteral("units"));
  }

  void designViewKeepsFormsTableAndJsonInStep() {
    ui::DesignView v;
    v.set_spec_text(QString::fromStdString(test::gui_spec(3, 2).dump(2)), QStringLiteral("/tmp"));
    QVERIFY2(v.errors().isEmpty(), qPrintable(v.errors().join(QLatin1Char('\n'))));
    SpaceModel* m = v.space_model();
    QAbstractItemModelTester tester(m, QAbstractItemModelTester::FailureReportingMode::QtTest);
    // Table -> JSON text.
    QVERIFY(m->setData(m->index(0, SpaceModel::High), QStringLiteral("0.8"), Qt::EditRole));
    Json shown = Json::parse(v.json_editor()->toPlainText().toStdString());
    QCOMPARE(shown["space"]["x"]["high"].get<double>(), 0.8);
    // An invalid edit shows parse_spec's message, naming the parameter.
    QVERIFY(m->setData(m->index(0, SpaceModel::Low), QStringLiteral("2"), Qt::EditRole));
    QVERIFY(!v.errors().isEmpty());
    QVERIFY2(v.errors().join(QLatin1Char(' ')).contains(QStringLiteral("space.x")), qPrintable(v.errors().join(QLatin1Char(' '))));
    m->undo_stack()->undo();
    QVERIFY(v.errors().isEmpty());
    // JSON text -> table and forms.
    Json edited = shown;
    edited["space"]["y"] = {{"type", "int"}, {"low", 1}, {"high", 9}};
    edited["num_samples"] = 9;
    v.json_editor()->setPlainText(QString::fromStdString(edited.dump(2)));
    v.apply_json_edit();
    QCOMPARE(m->rowCount(), 5);
    QVERIFY(v.spec()["num_samples"] == 9);
    // Forms generated from the engine's definitions list every searcher.
    QVERIFY(v.search_form()->types().contains(QStringLiteral("random")));
    QVERIFY(v.search_form()->types().contains(QStringLiteral("grid")));
  }

  void previewUsesALogAxisForLogParameters() {
    ui::DesignView v;
    v.set_spec_text(QString::fromStdString(test::gui_spec(3, 2).dump(2)), QStringLiteral("/tmp"));
    v.show();
    int lr_row = -1;
    for (int r = 0; r < v.space_model()->rowCount(); ++r) {
      if (v.space_model()->index(r, 0).data().toString() == QStringLiteral("lr")) lr_row = r;
    }
    QVERIFY(lr_row >= 0);
    v.space_table()->selectRow(lr_row);
    QVERIFY(v.preview()->log_axis());
    // Log-uniform samples fill log-spaced bins about evenly.
    const auto& c = v.preview()->counts();
    QCOMPARE(c.size(), size_t(30));
    QVERIFY(*std::min_element(c.begin(), c.end()) > 20);
    v.space_table()->selectRow(0);  // x: uniform, linear axis
    QVERIFY(!v.preview()->log_axis());
  }

  void lintWarnsAboutWideRangesWithoutLog() {
    const Json space = {{"lr", {{"type", "float"}, {"low", 1e-5}, {"high", 1e-1}}},
                        {"units", {{"type", "int"}, {"low", 8}, {"high", 64}}}};
    const auto w = ui::lint_space(space);
    QCOMPARE(w.size(), size_t(1));
    QCOMPARE(w[0].where, std::string("space.lr"));
    QVERIFY(w[0].message.find("log") != std::string::npos);
  }
};

QTEST_MAIN(TestSpaceModel)
#include "test_space_model.moc"
