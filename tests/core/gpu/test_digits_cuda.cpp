// The CUDA path of digits_mlp against the CPU path. Needs libtunelab_cuda.so (a build with TUNELAB_CUDA) and a
// CUDA device; otherwise it checks that the CPU path is kept, and skips the comparison.
#include <QFileInfo>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>

#include "core/trainables/cuda_lib.h"
#include "core/trainables/digits_mlp.h"

using namespace tunelab;
using namespace tunelab::trainables;

namespace {

const DigitsSplit& split() {
  static const DigitsSplit s = split_digits(*load_digits());
  return s;
}

const CudaLib* lib(std::string* why) {
  // The library sits beside the tunelab binary, not beside this test.
  const QString beside = QFileInfo(QStringLiteral(TUNELAB_BIN)).absolutePath() + QStringLiteral("/libtunelab_cuda.so");
  if (qEnvironmentVariableIsEmpty("TUNELAB_CUDA_LIB") && QFileInfo::exists(beside)) qputenv("TUNELAB_CUDA_LIB", beside.toUtf8());
  return cuda_lib(why);
}

}  // namespace

class TestDigitsCuda final : public QObject {
  Q_OBJECT
 private slots:
  void withoutCudaTheCpuPathStays() {
    std::string why;
    if (lib(&why)) QSKIP("a CUDA device is present: covered by matchesTheCpuPath");
    DigitsMlpParams p;
    p.epochs = 1;
    DigitsMlp model(p, split());
    const Status s = model.use_cuda();
    QVERIFY(!s);
    QVERIFY(!s.error_text().empty());
    QVERIFY(!model.on_cuda());
    QVERIFY(std::isfinite(model.train_epoch()));
  }

  // Tolerance (float GEMMs sum in another order): after each of 3 epochs the training losses agree within 1e-3
  // relative, then the validation loss within 1e-3 relative and the accuracy within 1% (3 of 360 samples).
  void matchesTheCpuPath_data() {
    QTest::addColumn<double>("dropout");
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("hidden");
    QTest::newRow("plain") << 0.0 << 32 << 64;
    QTest::newRow("dropout") << 0.3 << 16 << 128;
    QTest::newRow("full batch") << 0.0 << 100000 << 32;
  }
  void matchesTheCpuPath() {
    QFETCH(double, dropout);
    QFETCH(int, batch);
    QFETCH(int, hidden);
    std::string why;
    if (!lib(&why)) QSKIP(("no CUDA: " + why).c_str());
    DigitsMlpParams p;
    p.dropout = dropout;
    p.batch_size = batch;
    p.hidden = hidden;
    p.seed = 7;
    DigitsMlp cpu(p, split()), gpu(p, split());
    QVERIFY2(gpu.use_cuda(), "use_cuda");
    QVERIFY(gpu.on_cuda());
    for (int e = 0; e < 3; ++e) {
      const double a = cpu.train_epoch(), b = gpu.train_epoch();
      QVERIFY2(std::abs(a - b) <= 1e-3 * std::max(1.0, std::abs(a)), (std::to_string(a) + " vs " + std::to_string(b)).c_str());
    }
    const Evaluation ea = cpu.evaluate(), eb = gpu.evaluate();
    QVERIFY2(std::abs(ea.loss - eb.loss) <= 1e-3 * std::max(1.0, ea.loss), (std::to_string(ea.loss) + " vs " + std::to_string(eb.loss)).c_str());
    QVERIFY(std::abs(ea.accuracy - eb.accuracy) <= 0.01);
    // Checkpoints hold the same state: save from the GPU model, load into a CPU model, evaluate the same.
    QTemporaryDir dir;
    const std::string path = dir.filePath(QStringLiteral("c.bin")).toStdString();
    QVERIFY(gpu.save_checkpoint(path));
    DigitsMlp reloaded(p, split());
    QVERIFY(reloaded.load_checkpoint(path));
    QCOMPARE(reloaded.evaluate().accuracy, eb.accuracy);
  }
};

QTEST_GUILESS_MAIN(TestDigitsCuda)
#include "test_digits_cuda.moc"
