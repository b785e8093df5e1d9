#include "ui/views/load_panel.h"

#include <QFileInfo>
#include <QLabel>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "core/store/store.h"
#include "ui/charts/gpu_chart.h"
#include "ui/charts/study_charts.h"

namespace tunelab::ui {

std::optional<std::pair<long long, long long>> read_cpu_jiffies() {
  std::ifstream f("/proc/stat");
  std::string cpu;
  long long user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  if (!(f >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal) || cpu != "cpu") return {};
  const long long busy = user + nice + system + irq + softirq + steal;
  return std::pair(busy, busy + idle + iowait);
}

std::optional<double> read_memory_percent() {
  std::ifstream f("/proc/meminfo");
  std::string line;
  double total = 0, available = -1;
  while (std::getline(f, line)) {
    std::istringstream in(line);
    std::string key;
    double kb = 0;
    in >> key >> kb;
    if (key == "MemTotal:") total = kb;
    if (key == "MemAvailable:") available = kb;
  }
  if (total <= 0 || available < 0) return {};
  return 100.0 * (total - available) / total;
}

LoadPanel::LoadPanel(QWidget* parent)
    : QWidget(parent), chart_(new LoadChart), gpu_chart_(new GpuChart), stack_(new QStackedWidget), energy_(new QLabel) {
  chart_->set_title(tr("Machine load (no GPU readings)"));
  gpu_chart_->set_title(tr("GPUs: utilisation and memory used"));
  stack_->addWidget(chart_);
  stack_->addWidget(gpu_chart_);
  energy_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  energy_->hide();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(energy_);
  layout->addWidget(stack_, 1);
  timer_.setInterval(1000);
  connect(&timer_, &QTimer::timeout, this, &LoadPanel::sample);
  clock_.start();
}

LoadPanel::~LoadPanel() = default;

void LoadPanel::set_study(const QString& db_path) {
  db_path_ = db_path;
  store_.reset();
  last_stamp_ = -1;
  last_ts_ = -1;
  trial_gpu_.clear();
  first_.reset();
  best_.reset();
  gpu_chart_->clear();
  stack_->setCurrentWidget(chart_);
  energy_->clear();
  energy_->hide();
  if (isVisible()) sample();
}

void LoadPanel::set_objective_range(std::optional<double> first, std::optional<double> best) {
  if (first == first_ && best == best_) return;
  first_ = first;
  best_ = best;
  if (!trial_gpu_.empty() && isVisible()) update_energy();
}

bool LoadPanel::showing_gpus() const { return stack_->currentWidget() == gpu_chart_; }

QString LoadPanel::energy_text() const { return energy_->text(); }

QString LoadPanel::describe_energy(const gpu::EnergyReport& r) {
  QString text = tr("GPU energy: %1 kJ, %2 GPU-hours")
                     .arg(r.energy_j / 1000.0, 0, 'f', r.energy_j < 10000 ? 2 : 1)
                     .arg(r.gpu_seconds / 3600.0, 0, 'g', 3);
  if (r.energy_per_unit_j)
    text += tr(", %1 kJ per point of improvement").arg(*r.energy_per_unit_j / 1000.0, 0, 'g', 3);
  else
    text += tr(", energy per point of improvement: n/a");
  if (r.co2_g) text += tr(", %1 g CO2").arg(*r.co2_g, 0, 'g', 3);
  return text;
}

void LoadPanel::sample() {
  sample_machine();
  poll_store();
}

void LoadPanel::sample_machine() {
  const auto cpu = read_cpu_jiffies();
  const auto mem = read_memory_percent();
  if (!cpu || !mem) return;
  if (last_cpu_ && cpu->second > last_cpu_->second) {
    const double busy = static_cast<double>(cpu->first - last_cpu_->first);
    const double total = static_cast<double>(cpu->second - last_cpu_->second);
    chart_->add_sample(static_cast<double>(clock_.elapsed()) / 1000.0, 100.0 * busy / total, *mem);
  }
  last_cpu_ = cpu;
}

void LoadPanel::poll_store() {
  if (db_path_.isEmpty()) return;
  // Like StoreWatcher: read only when the database or its WAL changed.
  const QFileInfo db(db_path_), wal(db_path_ + QStringLiteral("-wal"));
  if (!db.exists()) return;
  const qint64 stamp =
      db.lastModified().toMSecsSinceEpoch() ^ (wal.exists() ? wal.lastModified().toMSecsSinceEpoch() + wal.size() : 0);
  if (stamp == last_stamp_ && store_) return;
  if (!store_) {
    auto store = Store::open(db_path_.toStdString(), Store::Mode::ReadOnly);
    if (!store) return;  // not created yet, or not a study: try again on the next tick
    store_ = std::move(*store);
  }
  last_stamp_ = stamp;
  if (auto samples = store_->load_gpu_samples_after(last_ts_)) {
    std::vector<GpuSampleRecord> fresh;
    double newest = last_ts_;
    for (auto& s : *samples) {
      if (s.ts <= last_ts_) continue;
      newest = std::max(newest, s.ts);
      fresh.push_back(std::move(s));
    }
    last_ts_ = newest;
    if (!fresh.empty()) {
      gpu_chart_->add_samples(fresh);
      stack_->setCurrentWidget(gpu_chart_);
    }
  }
  if (auto usage = store_->load_trial_gpu()) {
    std::map<int64_t, TrialGpuRecord> by_trial;
    for (auto& u : *usage) by_trial[u.trial_id] = std::move(u);
    const bool changed = by_trial.size() != trial_gpu_.size() ||
                         !std::equal(by_trial.begin(), by_trial.end(), trial_gpu_.begin(), [](const auto& a, const auto& b) {
                           return a.first == b.first && a.second.energy_j == b.second.energy_j &&
                                  a.second.gpu_seconds == b.second.gpu_seconds && a.second.gpus == b.second.gpus;
                         });
    if (changed) {
      trial_gpu_ = std::move(by_trial);
      emit trial_gpu_changed();
    }
  }
  update_energy();
}

void LoadPanel::update_energy() {
  if (trial_gpu_.empty()) {
    if (showing_gpus()) {
      energy_->setText(tr("GPU energy: no trial has finished on a GPU yet"));
      energy_->show();
    }
    return;
  }
  std::vector<TrialGpuRecord> usage;
  usage.reserve(trial_gpu_.size());
  for (const auto& [id, u] : trial_gpu_) usage.push_back(u);
  energy_->setText(describe_energy(gpu::energy_report(usage, first_, best_, gpu::grid_intensity_from_env())));
  energy_->show();
}

void LoadPanel::showEvent(QShowEvent* e) {
  QWidget::showEvent(e);
  sample();
  timer_.start();
}

void LoadPanel::hideEvent(QHideEvent* e) {
  QWidget::hideEvent(e);
  timer_.stop();
}

}  // namespace tunelab::ui
