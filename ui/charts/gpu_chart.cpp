#include "ui/charts/gpu_chart.h"

#include <QChart>
#include <QLegend>
#include <QLineSeries>
#include <QPen>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

#include "core/util/nice_axis.h"

namespace tunelab::ui {

GpuChart::GpuChart(QWidget* parent)
    : ChartPanel(parent), x_(new QValueAxis), util_axis_(new QValueAxis), mem_axis_(new QValueAxis) {
  chart()->legend()->show();
  chart()->legend()->setAlignment(Qt::AlignTop);
  apply_nice_axis(x_, nice_axis(0, 10), QStringLiteral(" s"));
  apply_nice_axis(util_axis_, nice_axis(0, 100));
  util_axis_->setTitleText(tr("utilisation %"));
  apply_nice_axis(mem_axis_, nice_axis(0, mem_max_gb_));
  mem_axis_->setTitleText(tr("memory used (GiB)"));
  chart()->addAxis(x_, Qt::AlignBottom);
  chart()->addAxis(util_axis_, Qt::AlignLeft);
  chart()->addAxis(mem_axis_, Qt::AlignRight);
  set_title(tr("GPUs"));
}

void GpuChart::clear() {
  for (auto& [gpu, l] : lines_) {
    chart()->removeSeries(l.util);
    chart()->removeSeries(l.mem);
    delete l.util;
    delete l.mem;
  }
  lines_.clear();
  t0_ = -1;
  t_max_ = 0;
  mem_max_gb_ = 1;
  apply_nice_axis(x_, nice_axis(0, 10), QStringLiteral(" s"));
  apply_nice_axis(mem_axis_, nice_axis(0, mem_max_gb_));
}

GpuChart::Lines& GpuChart::lines_for(int gpu) {
  auto it = lines_.find(gpu);
  if (it != lines_.end()) return it->second;
  Lines l;
  const QColor colour = color_map(std::fmod(0.15 + 0.27 * static_cast<double>(gpu), 1.0));
  l.util = new QLineSeries;
  l.util->setName(tr("GPU %1 util").arg(gpu));
  l.util->setColor(colour);
  l.mem = new QLineSeries;
  l.mem->setName(tr("GPU %1 memory").arg(gpu));
  QPen pen(colour);
  pen.setStyle(Qt::DashLine);
  pen.setWidthF(1.5);
  l.mem->setPen(pen);
  chart()->addSeries(l.util);
  chart()->addSeries(l.mem);
  l.util->attachAxis(x_);
  l.util->attachAxis(util_axis_);
  l.mem->attachAxis(x_);
  l.mem->attachAxis(mem_axis_);
  return lines_.emplace(gpu, l).first->second;
}

void GpuChart::add_samples(const std::vector<GpuSampleRecord>& samples) {
  if (samples.empty()) return;
  // Points per series, gathered first so each series gets one append call.
  std::map<int, std::pair<QList<QPointF>, QList<QPointF>>> added;
  for (const auto& s : samples) {
    if (t0_ < 0) t0_ = s.ts;
    const double t = s.ts - t0_;
    t_max_ = std::max(t_max_, t);
    auto& [util, mem] = added[s.gpu];
    if (s.utilization_pct) util.append(QPointF(t, *s.utilization_pct));
    if (s.memory_used_mb) {
      const double gb = *s.memory_used_mb / 1024.0;
      mem.append(QPointF(t, gb));
      mem_max_gb_ = std::max(mem_max_gb_, gb * 1.1);
    }
  }
  for (auto& [gpu, pts] : added) {
    Lines& l = lines_for(gpu);
    if (!pts.first.isEmpty()) l.util->append(pts.first);
    if (!pts.second.isEmpty()) l.mem->append(pts.second);
    if (l.util->count() > kMaxPoints) l.util->removePoints(0, l.util->count() - kMaxPoints);
    if (l.mem->count() > kMaxPoints) l.mem->removePoints(0, l.mem->count() - kMaxPoints);
  }
  double t_min = t_max_;
  for (const auto& [gpu, l] : lines_) {
    if (l.util->count() > 0) t_min = std::min(t_min, l.util->at(0).x());
    if (l.mem->count() > 0) t_min = std::min(t_min, l.mem->at(0).x());
  }
  NiceAxisOptions window;  // the time window as it is, ticks inside it
  window.exact_min = window.exact_max = true;
  apply_nice_axis(x_, nice_axis(t_min, std::max(t_max_, t_min + 10), window), QStringLiteral(" s"));
  apply_nice_axis(mem_axis_, nice_axis(0, mem_max_gb_));
}

int GpuChart::utilization_points(int gpu) const {
  auto it = lines_.find(gpu);
  return it == lines_.end() ? -1 : static_cast<int>(it->second.util->count());
}

int GpuChart::memory_points(int gpu) const {
  auto it = lines_.find(gpu);
  return it == lines_.end() ? -1 : static_cast<int>(it->second.mem->count());
}

}  // namespace tunelab::ui
