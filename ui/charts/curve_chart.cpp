#include "ui/charts/curve_chart.h"

#include <QChart>
#include <QChartView>
#include <QLineSeries>
#include <QValueAxis>

#include <cmath>

#include "core/analysis/chart_data.h"

namespace tunelab::ui {

namespace {
QColor trial_color(int64_t id) {
  return QColor::fromHsv(static_cast<int>((id * 47) % 360), 150, 200);
}
}  // namespace

CurveChart::CurveChart(QWidget* parent) : ChartPanel(parent), x_axis_(new QValueAxis), y_axis_(new QValueAxis) {
  chart()->addAxis(x_axis_, Qt::AlignBottom);
  chart()->addAxis(y_axis_, Qt::AlignLeft);
  x_axis_->setLabelFormat(QStringLiteral("%g"));
  y_axis_->setLabelFormat(QStringLiteral("%g"));
  x_axis_->setTitleText(tr("iteration"));
}

void CurveChart::clear() {
  chart()->removeAllSeries();
  curves_.clear();
  dirty_.clear();
  restyle_.clear();
  selected_.reset();
  best_.reset();
  have_range_ = false;
  x_axis_->setRange(0, 1);
  y_axis_->setRange(0, 1);
}

void CurveChart::set_axis_titles(const QString& x, const QString& y) {
  x_axis_->setTitleText(x);
  y_axis_->setTitleText(y);
}

CurveChart::Curve& CurveChart::curve(int64_t trial) {
  auto it = curves_.find(trial);
  if (it != curves_.end()) return it->second;
  Curve& c = curves_[trial];
  c.series = new QLineSeries;
  chart()->addSeries(c.series);
  c.series->attachAxis(x_axis_);
  c.series->attachAxis(y_axis_);
  connect(c.series, &QLineSeries::clicked, this, [this, trial] { emit trial_clicked(trial); });
  restyle_.insert(trial);
  return c;
}

void CurveChart::append(int64_t trial, const std::vector<double>& xs, const std::vector<double>& ys) {
  Curve& c = curve(trial);
  for (size_t i = 0; i < xs.size() && i < ys.size(); ++i) {
    if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) continue;
    c.xs.push_back(xs[i]);
    c.ys.push_back(ys[i]);
    if (!have_range_) {
      x_min_ = x_max_ = xs[i];
      y_min_ = y_max_ = ys[i];
      have_range_ = true;
      ranges_dirty_ = true;
    } else if (xs[i] < x_min_ || xs[i] > x_max_ || ys[i] < y_min_ || ys[i] > y_max_) {
      x_min_ = std::min(x_min_, xs[i]);
      x_max_ = std::max(x_max_, xs[i]);
      y_min_ = std::min(y_min_, ys[i]);
      y_max_ = std::max(y_max_, ys[i]);
      ranges_dirty_ = true;
    }
  }
  dirty_.insert(trial);
}

void CurveChart::set_finished(int64_t trial, bool finished) {
  Curve& c = curve(trial);
  if (c.finished == finished) return;
  c.finished = finished;
  restyle_.insert(trial);
}

void CurveChart::set_selected(std::optional<int64_t> trial) {
  if (selected_ == trial) return;
  if (selected_) restyle_.insert(*selected_);
  selected_ = trial;
  if (trial && curves_.count(*trial)) restyle_.insert(*trial);
  flush();
}

void CurveChart::set_best(std::optional<int64_t> trial) {
  if (best_ == trial) return;
  if (best_) restyle_.insert(*best_);
  best_ = trial;
  if (trial && curves_.count(*trial)) restyle_.insert(*trial);
}

void CurveChart::restyle(int64_t trial) {
  auto it = curves_.find(trial);
  if (it == curves_.end()) return;
  Curve& c = it->second;
  QPen pen(trial_color(trial));
  pen.setWidthF(1.2);
  if (c.finished) {
    QColor col = pen.color();
    col.setAlpha(70);
    pen.setColor(col);
  }
  if (best_ == trial) {
    pen.setColor(QColor(230, 120, 0));
    pen.setWidthF(2.5);
  }
  if (selected_ == trial) {
    pen.setColor(palette().color(QPalette::Highlight));
    pen.setWidthF(3.5);
  }
  c.series->setPen(pen);
}

void CurveChart::redraw(Curve& c) {
  const int width = std::max(100, view()->width());
  if (c.xs.size() > static_cast<size_t>(width) * 4 || c.decimated) {
    // Dense: replace the whole line with a decimated copy (x is ascending within a trial).
    const auto keep = decimate_min_max(c.xs, c.ys, width);
    QList<QPointF> pts;
    pts.reserve(static_cast<qsizetype>(keep.size()));
    for (size_t k : keep) pts.append(QPointF(c.xs[k], c.ys[k]));
    c.series->replace(pts);
    c.decimated = keep.size() < c.xs.size();
    c.drawn = c.xs.size();
    return;
  }
  QList<QPointF> pts;
  pts.reserve(static_cast<qsizetype>(c.xs.size() - c.drawn));
  for (size_t i = c.drawn; i < c.xs.size(); ++i) pts.append(QPointF(c.xs[i], c.ys[i]));
  if (!pts.isEmpty()) c.series->append(pts);
  c.drawn = c.xs.size();
}

void CurveChart::flush() {
  if (!isVisible()) return;
  for (int64_t id : dirty_) redraw(curves_[id]);
  dirty_.clear();
  for (int64_t id : restyle_) restyle(id);
  restyle_.clear();
  if (ranges_dirty_ && have_range_) {
    const double dy = y_max_ > y_min_ ? (y_max_ - y_min_) * 0.05 : 0.5;
    x_axis_->setRange(x_min_, x_max_ > x_min_ ? x_max_ : x_min_ + 1);
    y_axis_->setRange(y_min_ - dy, y_max_ + dy);
    ranges_dirty_ = false;
  }
}

void CurveChart::showEvent(QShowEvent* e) {
  ChartPanel::showEvent(e);
  flush();
}

void CurveChart::resizeEvent(QResizeEvent* e) {
  ChartPanel::resizeEvent(e);
  // A narrower chart may need sparser lines.
  const size_t width = static_cast<size_t>(std::max(100, view()->width()));
  for (auto& [id, c] : curves_) {
    if (c.decimated || c.xs.size() > width * 4) {
      c.decimated = true;
      dirty_.insert(id);
    }
  }
  flush();
}

bool CurveChart::has_data() const {
  for (const auto& [id, c] : curves_) {
    if (!c.xs.empty()) return true;
  }
  return false;
}

int CurveChart::drawn_points(int64_t trial) const {
  auto it = curves_.find(trial);
  return it == curves_.end() ? -1 : static_cast<int>(it->second.series->count());
}

}  // namespace tunelab::ui
