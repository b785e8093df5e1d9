// Energy figures: the report's arithmetic, and `tunelab show` / `export` on a study run on fake GPUs.
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QTest>

#include "core/gpu/energy.h"
#include "support/test_util.h"

using namespace tunelab;
using namespace tunelab::gpu;

class TestEnergy final : public QObject {
  Q_OBJECT
 private slots:
  void reportArithmetic() {
    const std::vector<TrialGpuRecord> usage = {{0, "0", 0.5, 10, 100, 2000, 3.6e6}, {1, "1", 0.5, 10, 50, 5000, 1.8e6}};
    auto r = energy_report(usage, 0.5, 0.9, 400.0);
    QCOMPARE(r.trials, 2);
    QCOMPARE(r.gpu_seconds, 150.0);
    QCOMPARE(r.energy_j, 5.4e6);
    QCOMPARE(r.peak_memory_mb, 5000.0);
    QVERIFY(std::abs(*r.improvement - 0.4) < 1e-12);
    QVERIFY(std::abs(*r.energy_per_unit_j - 5.4e6 / 0.4) < 1e-3);
    QVERIFY(std::abs(*r.co2_g - 1.5 * 400) < 1e-9);  // 1.5 kWh at 400 g/kWh
    QVERIFY(std::abs(*r.co2_per_unit_g - 600 / 0.4) < 1e-6);
    // No improvement (one result, or no change): no per-unit figures; no grid: no CO2.
    r = energy_report(usage, 0.9, 0.9, std::nullopt);
    QVERIFY(!r.improvement && !r.energy_per_unit_j && !r.co2_g);
    QVERIFY(to_json(r)["co2_g"].is_null());
    QCOMPARE(to_json(r)["energy_kwh"].get<double>(), 1.5);
  }

  void gridIntensityFromTheEnvironment() {
    qputenv("TUNELAB_GRID_INTENSITY", "250");
    QCOMPARE(grid_intensity_from_env().value_or(0), 250.0);
    qputenv("TUNELAB_GRID_INTENSITY", "-3");
    QVERIFY(!grid_intensity_from_env());
    qunsetenv("TUNELAB_GRID_INTENSITY");
    QVERIFY(!grid_intensity_from_env());
  }

  void showAndExportOnFakeGpus() {
    QTemporaryDir dir;
    Json spec = tunelab::test::synthetic_spec({{"num_samples", 4},
                                               {"space", {{"x", {{"type", "float"}, {"low", 0.0}, {"high", 1.0}}},
                                                          {"iterations", 4}, {"sleep_s", 0.1}}},
                                               {"resources_per_trial", {{"cpu", 0.1}, {"gpu", 0.5}}}});
    tunelab::test::write_file(dir.filePath(QStringLiteral("spec.json")), spec.dump());
    qputenv("TUNELAB_FAKE_GPUS", "1x40GB");
    qputenv("TUNELAB_GPU_SAMPLE_S", "0.05");
    auto run = tunelab::test::run_tunelab({QStringLiteral("run"), QStringLiteral("spec.json"), QStringLiteral("--db"),
                                           QStringLiteral("s.db"), QStringLiteral("--quiet")}, dir.path());
    qunsetenv("TUNELAB_FAKE_GPUS");
    qunsetenv("TUNELAB_GPU_SAMPLE_S");
    QVERIFY2(run.exit_code == 0, qPrintable(run.err));
    auto show = tunelab::test::run_tunelab({QStringLiteral("show"), QStringLiteral("s.db"), QStringLiteral("--grid-intensity"),
                                            QStringLiteral("300")}, dir.path());
    QCOMPARE(show.exit_code, 0);
    QVERIFY2(show.out.contains(QStringLiteral("GPU: 4 trials")), qPrintable(show.out));
    QVERIFY(show.out.contains(QStringLiteral("kJ per unit of score improved")));
    QVERIFY(show.out.contains(QStringLiteral("g CO2 at 300 g/kWh")));
    auto json = tunelab::test::run_tunelab({QStringLiteral("show"), QStringLiteral("s.db"), QStringLiteral("--json")}, dir.path());
    const Json j = Json::parse(json.out.toStdString());
    QCOMPARE(j["energy"]["trials"].get<int>(), 4);
    QVERIFY(j["energy"]["energy_j"].get<double>() > 0);
    QVERIFY(j["energy"]["co2_g"].is_null());
    QCOMPARE(j["trials"][0]["gpu"]["fraction"].get<double>(), 0.5);
    auto csv = tunelab::test::run_tunelab({QStringLiteral("export"), QStringLiteral("s.db"), QStringLiteral("--format"),
                                           QStringLiteral("csv"), QStringLiteral("--grid-intensity"), QStringLiteral("300")},
                                          dir.path());
    QCOMPARE(csv.exit_code, 0);
    QVERIFY2(csv.out.section(QLatin1Char('\n'), 0, 0).endsWith(QStringLiteral("gpu_seconds,gpu_peak_memory_mb,energy_j,co2_g")),
             qPrintable(csv.out));
    auto bad = tunelab::test::run_tunelab({QStringLiteral("show"), QStringLiteral("s.db"), QStringLiteral("--grid-intensity"),
                                           QStringLiteral("lots")}, dir.path());
    QCOMPARE(bad.exit_code, 2);
    QVERIFY(bad.err.contains(QStringLiteral("--grid-intensity")));
  }
};

QTEST_GUILESS_MAIN(TestEnergy)
#include "test_energy.moc"
