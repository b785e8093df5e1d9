// The Monitor's resource panel with GPUs: per-GPU utilisation and memory lines fed from the store's gpu_samples
// (fake GPUs, TUNELAB_FAKE_GPUS), nothing read while the panel is hidden, the study's energy line, and the
// trial table's GPU column.
#include <QApplication>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QTest>

#include "core/analysis/summary.h"
#include "core/store/store.h"
#include "ui/bridge/engine_bridge.h"
#include "ui/charts/gpu_chart.h"
#include "ui/models/trial_table_model.h"
#include "ui/views/load_panel.h"
#include "ui/views/main_window.h"
#include "ui/views/monitor_view.h"
#include "gui_test_util.h"

using namespace tunelab;

namespace {
std::vector<GpuSampleRecord> readings(int gpus, int count, double t0) {
  std::vector<GpuSampleRecord> out;
  for (int i = 0; i < count; ++i) {
    for (int g = 0; g < gpus; ++g) {
      GpuSampleRecord s;
      s.ts = t0 + i;
      s.gpu = g;
      s.utilization_pct = 50.0 + g;
      if (g == 0) s.memory_used_mb = 1024.0 * i;  // card 1 reports no memory
      out.push_back(s);
    }
  }
  return out;
}
}  // namespace

class TestGpuPanel final : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() {
    qputenv("TUNELAB_BIN", TUNELAB_BIN);
    QCoreApplication::setOrganizationName(QStringLiteral("TuneLabTest"));
  }

  void chartKeepsLinesPerGpu() {
    ui::GpuChart chart;
    QVERIFY(!chart.has_data());
    QCOMPARE(chart.utilization_points(0), -1);
    chart.add_samples(readings(2, 5, 1000));
    QCOMPARE(chart.gpu_count(), 2);
    QCOMPARE(chart.utilization_points(0), 5);
    QCOMPARE(chart.utilization_points(1), 5);
    QCOMPARE(chart.memory_points(0), 5);
    QCOMPARE(chart.memory_points(1), 0);
    // Appending adds to the lines; each keeps at most kMaxPoints.
    chart.add_samples(readings(2, 3, 1005));
    QCOMPARE(chart.utilization_points(1), 8);
    chart.add_samples(readings(2, ui::GpuChart::kMaxPoints, 2000));
    QCOMPARE(chart.utilization_points(0), ui::GpuChart::kMaxPoints);
    QCOMPARE(chart.memory_points(0), ui::GpuChart::kMaxPoints);
    chart.clear();
    QCOMPARE(chart.gpu_count(), 0);
  }

  void describesEnergy_data() {
    QTest::addColumn<double>("energy_j");
    QTest::addColumn<double>("gpu_seconds");
    QTest::addColumn<double>("improvement");  // 0: none
    QTest::addColumn<QString>("text");
    QTest::newRow("with improvement") << 12345.0 << 7200.0 << 0.5
                                      << QStringLiteral("GPU energy: 12.3 kJ, 2 GPU-hours, 24.7 kJ per point of improvement");
    QTest::newRow("small") << 1500.0 << 90.0 << 3.0
                           << QStringLiteral("GPU energy: 1.50 kJ, 0.025 GPU-hours, 0.5 kJ per point of improvement");
    QTest::newRow("no improvement") << 1500.0 << 90.0 << 0.0
                                    << QStringLiteral("GPU energy: 1.50 kJ, 0.025 GPU-hours, energy per point of improvement: n/a");
  }
  void describesEnergy() {
    QFETCH(double, energy_j);
    QFETCH(double, gpu_seconds);
    QFETCH(double, improvement);
    QFETCH(QString, text);
    TrialGpuRecord u;
    u.trial_id = 1;
    u.energy_j = energy_j;
    u.gpu_seconds = gpu_seconds;
    std::optional<double> first = 1.0, best;
    if (improvement > 0) best = 1.0 + improvement;
    const gpu::EnergyReport r = gpu::energy_report({u}, first, best, std::nullopt);
    QCOMPARE(ui::LoadPanel::describe_energy(r), text);
  }

  void studyWithFakeGpusFillsPanel() {
    qputenv("TUNELAB_FAKE_GPUS", "2x80GB");
    qputenv("TUNELAB_GPU_SAMPLE_S", "0.1");
    QTemporaryDir dir;
    const test::ScopedCurrentDir cwd(dir.path());
    Json spec = test::gui_spec(4, 8, 0.15);
    spec["resources_per_trial"] = {{"cpu", 0.1}, {"gpu", 0.5}};
    spec["max_concurrent"] = 4;
    ui::MainWindow w(QString::fromStdString(spec.dump(2)), dir.path());
    w.show();
    ui::MonitorView* m = w.monitor();
    ui::LoadPanel* panel = m->load_panel();
    QTabWidget* tabs = nullptr;
    for (QTabWidget* t : m->findChildren<QTabWidget*>())
      if (t->indexOf(panel) >= 0) tabs = t;
    QVERIFY(tabs);
    tabs->setCurrentIndex(0);  // the event log: the panel is hidden
    QVERIFY(w.start_study());
    QVERIFY(test::wait_for([&] {
      for (const auto& t : m->state().trials())
        if (t.iteration >= 3) return true;
      return false;
    }, 30000));
    // Hidden: nothing read.
    QVERIFY(!panel->isVisible());
    QCOMPARE(panel->gpu_chart()->gpu_count(), 0);
    QVERIFY(!panel->showing_gpus());
    // Shown: it catches up at once, one pair of lines per card.
    tabs->setCurrentWidget(panel);
    QVERIFY(panel->isVisible());
    QVERIFY(panel->showing_gpus());
    QCOMPARE(panel->gpu_chart()->gpu_count(), 2);
    const int util0 = panel->gpu_chart()->utilization_points(0);
    QVERIFY(util0 >= 2);
    QVERIFY(panel->gpu_chart()->utilization_points(1) >= 2);
    QVERIFY(panel->gpu_chart()->memory_points(0) >= 2);
    QVERIFY(panel->gpu_chart()->memory_points(1) >= 2);
    QTRY_VERIFY_WITH_TIMEOUT(w.status_text().startsWith(QStringLiteral("done 4/4")), 60000);
    QTRY_VERIFY_WITH_TIMEOUT(!w.bridge()->running(), 10000);
    // Points kept coming while it was shown; the energy of every trial is read once stored.
    QTRY_VERIFY_WITH_TIMEOUT(panel->trial_gpu().size() == 4, 5000);
    QVERIFY(panel->gpu_chart()->utilization_points(0) > util0);

    // The figures are those `tunelab show` computes from the store.
    auto store = Store::open(w.bridge()->db_path().toStdString(), Store::Mode::ReadOnly);
    QVERIFY(store.ok());
    auto summary = summarize(**store);
    QVERIFY(summary.ok());
    QVERIFY(summary->energy.has_value());
    const gpu::EnergyReport& r = *summary->energy;
    QCOMPARE(r.trials, 4);
    QVERIFY(r.energy_j > 0);
    QVERIFY(r.gpu_seconds > 0);
    const QString prefix = QStringLiteral("GPU energy: %1 kJ, %2 GPU-hours, ")
                               .arg(r.energy_j / 1000.0, 0, 'f', r.energy_j < 10000 ? 2 : 1)
                               .arg(r.gpu_seconds / 3600.0, 0, 'g', 3);
    QTRY_VERIFY_WITH_TIMEOUT(panel->energy_text().startsWith(prefix), 5000);
    QVERIFY2(panel->energy_text().contains(QStringLiteral("kJ per point of improvement")), qPrintable(panel->energy_text()));

    // The trial table's GPU column: each trial held half of card 0 or 1.
    auto* model = m->model();
    QVERIFY(model->gpu_column() >= 0);
    QCOMPARE(model->columnCount(), model->gpu_column() + 1);
    QCOMPARE(model->headerData(model->gpu_column(), Qt::Horizontal, Qt::DisplayRole).toString(), QStringLiteral("GPU"));
    int on_card[2] = {0, 0};
    for (int r0 = 0; r0 < model->rowCount(); ++r0) {
      const QString cell = model->index(r0, model->gpu_column()).data().toString();
      QVERIFY2(cell.contains(QStringLiteral("\u00d70.5, ")) && cell.endsWith(QStringLiteral(" kJ")), qPrintable(cell));
      ++on_card[cell.startsWith(QLatin1Char('1')) ? 1 : 0];
    }
    QCOMPARE(on_card[0] + on_card[1], 4);
    qunsetenv("TUNELAB_FAKE_GPUS");
    qunsetenv("TUNELAB_GPU_SAMPLE_S");
  }
};

QTEST_MAIN(TestGpuPanel)
#include "test_gpu_panel.moc"
