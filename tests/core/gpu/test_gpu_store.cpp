// The store's GPU tables: samples round-trip with their missing readings (all, or those after a time), and a
// trial's GPU use adds up over its attempts.
#include <QTemporaryDir>
#include <QTest>

#include "core/store/store.h"

using namespace tunelab;

class TestGpuStore final : public QObject {
  Q_OBJECT
 private slots:
  void samplesRoundTrip() {
    QTemporaryDir dir;
    auto store = Store::open(dir.filePath(QStringLiteral("s.db")).toStdString(), Store::Mode::Create);
    QVERIFY2(store, store.error_text().c_str());
    GpuSampleRecord a{10.5, 0, 87.0, 1024.0, 250.5, 61.0, 12345.0};
    GpuSampleRecord b{11.5, 3, std::nullopt, 2048.0, std::nullopt, std::nullopt, std::nullopt};
    (*store)->add_gpu_samples({a, b});
    (*store)->add_gpu_samples({});
    QVERIFY((*store)->flush());
    const auto got = *(*store)->load_gpu_samples();
    QCOMPARE(got.size(), size_t(2));
    QCOMPARE(got[0].ts, 10.5);
    QCOMPARE(*got[0].utilization_pct, 87.0);
    QCOMPARE(*got[0].energy_j, 12345.0);
    QCOMPARE(got[1].gpu, 3);
    QVERIFY(!got[1].utilization_pct && !got[1].power_w && !got[1].energy_j);
    QCOMPARE(*got[1].memory_used_mb, 2048.0);
    // Only the readings newer than a time (the GUI's incremental read).
    const auto newer = *(*store)->load_gpu_samples_after(10.5);
    QCOMPARE(newer.size(), size_t(1));
    QCOMPARE(newer[0].gpu, 3);
    QCOMPARE((*store)->load_gpu_samples_after(0)->size(), size_t(2));
    QVERIFY((*store)->load_gpu_samples_after(11.5)->empty());
  }

  void trialUsageAddsUpOverAttempts() {
    QTemporaryDir dir;
    auto store = Store::open(dir.filePath(QStringLiteral("s.db")).toStdString(), Store::Mode::Create);
    QVERIFY(store);
    (*store)->add_trial_gpu({4, "0", 0.5, 20, 10, 3000, 500});
    (*store)->add_trial_gpu({4, "1", 0.5, 20, 5, 2000, 250});  // a second attempt, on another card
    (*store)->add_trial_gpu({2, "0,1", 1, 80, 7, 100, 70});
    QVERIFY((*store)->flush());
    const auto got = *(*store)->load_trial_gpu();
    QCOMPARE(got.size(), size_t(2));
    QCOMPARE(got[0].trial_id, int64_t(2));
    QCOMPARE(got[1].trial_id, int64_t(4));
    QCOMPARE(got[1].gpus, std::string("1"));
    QCOMPARE(got[1].gpu_seconds, 15.0);
    QCOMPARE(got[1].peak_memory_mb, 3000.0);
    QCOMPARE(got[1].energy_j, 750.0);
  }
};

QTEST_GUILESS_MAIN(TestGpuStore)
#include "test_gpu_store.moc"
