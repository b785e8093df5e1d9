#include "ui/views/load_panel.h"

#include <QVBoxLayout>

#include <fstream>
#include <sstream>
#include <string>

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

LoadPanel::LoadPanel(QWidget* parent) : QWidget(parent), chart_(new LoadChart) {
  chart_->set_title(tr("Machine load (GPU panel: when GPU probing is available)"));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(chart_);
  timer_.setInterval(1000);
  connect(&timer_, &QTimer::timeout, this, &LoadPanel::sample);
  clock_.start();
}

void LoadPanel::sample() {
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
