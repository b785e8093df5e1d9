// Copying a config: JSON, a Python dict literal and command-line arguments.
#include <QTest>

#include "analysis_test_data.h"
#include "core/analysis/config_format.h"

using namespace tunelab;

class TestConfigFormat final : public QObject {
  Q_OBJECT
 private slots:
  void formats_data() {
    QTest::addColumn<QString>("config");
    QTest::addColumn<QString>("python");
    QTest::addColumn<QString>("cli");
    for (const auto& c : test_data::kConfigCases) {
      QTest::newRow(c.name) << QString::fromUtf8(c.config) << QString::fromUtf8(c.python) << QString::fromUtf8(c.cli);
    }
  }
  void formats() {
    QFETCH(QString, config);
    QFETCH(QString, python);
    QFETCH(QString, cli);
    const Json c = Json::parse(config.toStdString());
    QCOMPARE(QString::fromStdString(config_as_python(c)), python);
    QCOMPARE(QString::fromStdString(config_as_cli_args(c)), cli);
    QVERIFY(Json::parse(config_as_json(c)) == c);
  }
};

QTEST_APPLESS_MAIN(TestConfigFormat)
#include "test_config_format.moc"
