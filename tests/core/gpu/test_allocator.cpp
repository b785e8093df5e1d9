// The resource allocator with a fake inventory: packing by fraction and by memory, spreading, refusal, release,
// exact fractions, foreign memory, whole GPUs, and the environment a trial gets.
#include <QTest>

#include <map>

#include "core/gpu/allocator.h"

using namespace tunelab;
using namespace tunelab::gpu;

namespace {

std::vector<GpuDevice> fake(const char* text) { return *parse_fake_gpus(text); }

ResourceRequest gpu_request(double gpu, std::optional<double> memory_gb = std::nullopt,
                            Placement placement = Placement::Pack) {
  ResourceRequest r;
  r.cpu = 0;
  r.gpu = gpu;
  r.gpu_memory_gb = memory_gb;
  r.placement = placement;
  return r;
}

// Places requests one after the other; returns the card each went to (-1: refused).
std::vector<int> place_all(ResourceAllocator& a, const std::vector<ResourceRequest>& requests) {
  std::vector<int> where;
  for (const auto& r : requests) {
    auto got = a.allocate(r, false);
    where.push_back(got && !got->gpus.empty() ? got->gpus.front() : -1);
  }
  return where;
}

std::map<std::string, std::string> as_map(const std::vector<std::pair<std::string, std::string>>& env) {
  return {env.begin(), env.end()};
}

}  // namespace

class TestAllocator final : public QObject {
  Q_OBJECT
 private slots:
  void packsAndSpreadsByFraction_data() {
    QTest::addColumn<QString>("gpus");
    QTest::addColumn<QList<double>>("fractions");
    QTest::addColumn<bool>("spread");
    QTest::addColumn<QList<int>>("expected");
    QTest::newRow("pack fills one card first") << "4x80GB" << QList<double>{0.25, 0.25, 0.25, 0.25, 0.25}
                                               << false << QList<int>{0, 0, 0, 0, 1};
    QTest::newRow("spread uses every card") << "4x80GB" << QList<double>{0.25, 0.25, 0.25, 0.25, 0.25} << true
                                            << QList<int>{0, 1, 2, 3, 0};
    QTest::newRow("pack is best fit") << "2x80GB" << QList<double>{0.6, 0.5, 0.4, 0.5} << false
                                      << QList<int>{0, 1, 0, 1};
    QTest::newRow("refused when no card has room") << "2x80GB" << QList<double>{0.75, 0.75, 0.5}
                                                   << false << QList<int>{0, 1, -1};
  }
  void packsAndSpreadsByFraction() {
    QFETCH(QString, gpus);
    QFETCH(QList<double>, fractions);
    QFETCH(bool, spread);
    QFETCH(QList<int>, expected);
    ResourceAllocator a(8, fake(gpus.toUtf8().constData()));
    std::vector<ResourceRequest> rs;
    for (double f : fractions) rs.push_back(gpu_request(f, std::nullopt, spread ? Placement::Spread : Placement::Pack));
    const auto where = place_all(a, rs);
    QCOMPARE(QList<int>(where.begin(), where.end()), expected);
  }

  void packsByMemory() {
    // A tenth of the compute but 30 GB each: only two fit on an 80 GB card, whatever the fraction leaves.
    ResourceAllocator a(8, fake("2x80GB"));
    const auto where = place_all(a, std::vector<ResourceRequest>(5, gpu_request(0.1, 30)));
    QCOMPARE(QList<int>(where.begin(), where.end()), (QList<int>{0, 0, 1, 1, -1}));
    QCOMPARE(a.loads()[0].memory_reserved_mb, 60.0 * 1024);
    // Without gpu_memory_gb the share of memory follows the fraction.
    ResourceAllocator b(8, fake("1x40GB"));
    auto got = b.allocate(gpu_request(0.25), false);
    QVERIFY(got);
    QCOMPARE(got->memory_mb, 10.0 * 1024);
  }

  void refusesUntilReleased() {
    ResourceAllocator a(8, fake("1x80GB"));
    auto first = a.allocate(gpu_request(0.5, 50), false);
    QVERIFY(first);
    QVERIFY(!a.find(gpu_request(0.5, 50), false));
    QVERIFY(!a.find(gpu_request(0.5, 50), true));  // GPUs are never over-committed, even for a lone trial
    a.release(*first);
    QCOMPARE(a.loads()[0].units_used, int64_t(0));
    QVERIFY(a.find(gpu_request(0.5, 50), false));
  }

  void noOverAllocationThroughRounding_data() {
    QTest::addColumn<double>("fraction");
    QTest::addColumn<int>("fit");
    QTest::newRow("tenths") << 0.1 << 10;
    QTest::newRow("thirds") << 1.0 / 3 << 3;
    QTest::newRow("sevenths") << 1.0 / 7 << 7;
    QTest::newRow("fifths") << 0.2 << 5;
    QTest::newRow("0.3") << 0.3 << 3;
    QTest::newRow("0.01") << 0.01 << 100;
  }
  void noOverAllocationThroughRounding() {
    QFETCH(double, fraction);
    QFETCH(int, fit);
    ResourceAllocator a(1000, fake("1x80GB"));
    int placed = 0;
    while (a.allocate(gpu_request(fraction, 0.1), false)) ++placed;
    QCOMPARE(placed, fit);
    QVERIFY(a.loads()[0].units_used <= kUnitsPerGpu);
    // Complementary fractions fill a card exactly.
    ResourceAllocator b(8, fake("1x80GB"));
    QVERIFY(b.allocate(gpu_request(0.7, 1), false));
    QVERIFY(b.allocate(gpu_request(0.3, 1), false));
    QVERIFY(!b.find(gpu_request(0.0001, 1), false));
  }

  void cardFilledByAForeignProcessIsSkipped() {
    std::map<int, double> free = {{0, 10 * 1024.0}, {1, 80 * 1024.0}};
    ResourceAllocator a(8, fake("2x80GB"), [&free](int pos) { return std::optional<double>(free[pos]); });
    auto got = a.allocate(gpu_request(0.25, 20), false);
    QVERIFY(got);
    QCOMPARE(got->gpus, std::vector<int>{1});  // card 0 has only 10 GB free
    // Our own trial's memory is not counted twice: card 1 shows 20 GB in use, all of it ours.
    free[1] = 60 * 1024.0;
    QVERIFY(a.allocate(gpu_request(0.25, 50), false));
    free[1] = 10 * 1024.0;
    QVERIFY(!a.find(gpu_request(0.25, 20), false));
  }

  void wholeGpus() {
    ResourceAllocator a(8, fake("4x80GB"));
    auto part = a.allocate(gpu_request(0.5), false);
    QCOMPARE(part->gpus, std::vector<int>{0});
    auto two = a.allocate(gpu_request(2), false);
    QVERIFY(two);
    QCOMPARE(two->gpus, (std::vector<int>{1, 2}));  // card 0 is shared: not whole
    QCOMPARE(two->units, kUnitsPerGpu);
    QVERIFY(!a.find(gpu_request(2), false));
    QVERIFY(a.find(gpu_request(1), false));
  }

  void cpuSlotsAsBefore() {
    ResourceAllocator a(2, {});
    ResourceRequest r;
    r.cpu = 1.5;
    QVERIFY(a.allocate(r, true));
    QVERIFY(!a.find(r, false));
    ResourceRequest big;
    big.cpu = 5;
    QVERIFY(a.find(big, true));  // a lone trial always runs
  }

  void unsatisfiableRequests_data() {
    QTest::addColumn<QString>("gpus");
    QTest::addColumn<double>("gpu");
    QTest::addColumn<double>("memory");
    QTest::addColumn<QString>("where");
    QTest::newRow("no GPU") << "" << 0.5 << 0.0 << "resources_per_trial.gpu";
    QTest::newRow("too many GPUs") << "2x80GB" << 3.0 << 0.0 << "resources_per_trial.gpu";
    QTest::newRow("too much memory") << "2x16GB" << 0.5 << 20.0 << "resources_per_trial.gpu_memory_gb";
    QTest::newRow("fits") << "1x16GB,1x80GB" << 0.5 << 20.0 << "";
  }
  void unsatisfiableRequests() {
    QFETCH(QString, gpus);
    QFETCH(double, gpu);
    QFETCH(double, memory);
    QFETCH(QString, where);
    ResourceAllocator a(8, gpus.isEmpty() ? std::vector<GpuDevice>{} : fake(gpus.toUtf8().constData()));
    const Status s = a.check_satisfiable(gpu_request(gpu, memory > 0 ? std::optional<double>(memory) : std::nullopt));
    QCOMPARE(QString::fromStdString(s ? std::string() : s.errors().front().where), where);
  }

  void trialEnvironment() {
    const auto devices = fake("4x80GB");
    ResourceAllocator a(8, devices);
    a.allocate(gpu_request(0.5), false);
    auto quarter = a.allocate(gpu_request(0.25, 12.5), false);
    auto env = as_map(trial_gpu_env(*quarter, devices, false));
    QCOMPARE(env["CUDA_VISIBLE_DEVICES"], std::string("0"));
    QCOMPARE(env["TUNELAB_GPU_FRACTION"], std::string("0.25"));
    QCOMPARE(env["TUNELAB_GPU_MEMORY_GB"], std::string("12.5"));
    QVERIFY(!env.count("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"));
    env = as_map(trial_gpu_env(*quarter, devices, true));
    QCOMPARE(env["CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"], std::string("25"));
    auto two = a.allocate(gpu_request(2), false);
    env = as_map(trial_gpu_env(*two, devices, true));
    QCOMPARE(env["CUDA_VISIBLE_DEVICES"], std::string("1,2"));
    QCOMPARE(env["TUNELAB_GPU_FRACTION"], std::string("1"));
    QVERIFY(!env.count("CUDA_MPS_ACTIVE_THREAD_PERCENTAGE"));
    // A trial without a GPU on a GPU machine sees none; without GPUs nothing is set.
    env = as_map(trial_gpu_env(Allocation{}, devices, false));
    QCOMPARE(env.size(), size_t(1));
    QCOMPARE(env["CUDA_VISIBLE_DEVICES"], std::string());
    QVERIFY(trial_gpu_env(Allocation{}, {}, false).empty());
    // Real devices are named by UUID.
    GpuDevice real;
    real.index = 3;
    real.uuid = "GPU-abcdef";
    real.memory_total_mb = 1024;
    Allocation one;
    one.gpus = {0};
    one.units = kUnitsPerGpu;
    QCOMPARE(as_map(trial_gpu_env(one, {real}, false))["CUDA_VISIBLE_DEVICES"], std::string("GPU-abcdef"));
  }
};

QTEST_GUILESS_MAIN(TestAllocator)
#include "test_allocator.moc"
