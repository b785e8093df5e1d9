// examples/pytorch_digits runs through the real CLI where PyTorch is installed.
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "support/test_util.h"

using namespace tunelab;

class TestPytorchExample final : public QObject {
  Q_OBJECT
 private slots:
  void runsWhereTorchIsInstalled() {
    QProcess probe;
    probe.start(QStringLiteral("python3"), {QStringLiteral("-c"), QStringLiteral("import torch, sklearn")});
    if (!probe.waitForFinished(120000) || probe.exitCode() != 0) {
      QSKIP("PyTorch (with scikit-learn) is not importable by python3 here; the example needs both");
    }
    QTemporaryDir dir;
    const QString db = dir.filePath(QStringLiteral("pt.db"));
    auto r = test::run_tunelab({QStringLiteral("run"), QStringLiteral(TUNELAB_SOURCE_DIR "/examples/pytorch_digits/spec.json"),
                                QStringLiteral("--db"), db, QStringLiteral("--quiet")},
                               dir.path(), 900000);
    QVERIFY2(r.exit_code == 0, qPrintable(r.err));
    auto show = test::run_tunelab({QStringLiteral("show"), db, QStringLiteral("--json")});
    const Json j = Json::parse(show.out.toStdString());
    double best = 0;
    for (const auto& t : j["trials"]) best = std::max(best, t["best"].value("val_accuracy", 0.0));
    QVERIFY2(best > 0.9, qPrintable(QString::number(best)));
  }
};

QTEST_GUILESS_MAIN(TestPytorchExample)
#include "test_pytorch_example.moc"
