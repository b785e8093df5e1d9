#include "ui/views/parallel_coordinates.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>

#include <cmath>
#include <limits>

#include "ui/charts/chart_panel.h"

namespace tunelab::ui {

ParallelCoordinates::ParallelCoordinates(QWidget* parent) : QWidget(parent) {
  setMinimumSize(300, 200);
  setMouseTracking(false);
}

void ParallelCoordinates::set_summary(const StudySummary& s) {
  columns_.clear();
  ranges_.clear();
  ids_.clear();
  values_.clear();
  color_.clear();
  brushes_.clear();
  std::optional<ChartColumn> objective;
  for (const auto& c : chart_columns(s)) {
    if (c.is_param) columns_.push_back(c);
    if (!c.is_param && c.name == s.objective.metric) objective = c;
  }
  if (objective) columns_.push_back(*objective);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  ranges_.assign(columns_.size(), {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()});
  for (const auto& t : s.trials) {
    if (!t.best_value) continue;
    std::vector<double> row(columns_.size(), nan);
    for (size_t c = 0; c < columns_.size(); ++c) {
      auto v = column_value(s, t, columns_[c]);
      if (!v || (columns_[c].log && *v <= 0)) continue;
      row[c] = *v;
      ranges_[c].first = std::min(ranges_[c].first, *v);
      ranges_[c].second = std::max(ranges_[c].second, *v);
    }
    ids_.push_back(t.rec.id);
    values_.push_back(std::move(row));
  }
  if (!columns_.empty()) {
    const size_t oc = columns_.size() - 1;
    for (const auto& row : values_) {
      const double u = std::isfinite(row[oc]) ? to_unit(oc, row[oc]) : 0.0;
      color_.push_back(s.objective.maximize ? u : 1 - u);
    }
  }
  update();
  emit brushed(std::nullopt);
}

QRectF ParallelCoordinates::plot_rect() const { return QRectF(40, 28, width() - 80, height() - 56); }

double ParallelCoordinates::axis_x(size_t column) const {
  const QRectF r = plot_rect();
  return columns_.size() < 2 ? r.center().x()
                             : r.left() + r.width() * static_cast<double>(column) / static_cast<double>(columns_.size() - 1);
}

double ParallelCoordinates::to_unit(size_t c, double v) const {
  auto [lo, hi] = ranges_[c];
  if (!(hi > lo)) return 0.5;
  if (columns_[c].log) return (std::log(v) - std::log(lo)) / (std::log(hi) - std::log(lo));
  return (v - lo) / (hi - lo);
}

double ParallelCoordinates::from_unit(size_t c, double u) const {
  auto [lo, hi] = ranges_[c];
  if (!(hi > lo)) return lo;
  if (columns_[c].log) return std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo)));
  return lo + u * (hi - lo);
}

std::optional<std::set<int64_t>> ParallelCoordinates::passing() const {
  if (brushes_.empty()) return std::nullopt;
  std::set<int64_t> out;
  for (size_t i = 0; i < ids_.size(); ++i) {
    bool ok = true;
    for (const auto& [c, range] : brushes_) {
      const double v = values_[i][c];
      ok = ok && std::isfinite(v) && v >= range.first && v <= range.second;
    }
    if (ok) out.insert(ids_[i]);
  }
  return out;
}

void ParallelCoordinates::set_brush(size_t column, std::optional<std::pair<double, double>> range) {
  if (column >= columns_.size()) return;
  if (range) {
    brushes_[column] = {std::min(range->first, range->second), std::max(range->first, range->second)};
  } else {
    brushes_.erase(column);
  }
  update();
  emit brushed(passing());
}

void ParallelCoordinates::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base));
  if (columns_.empty()) {
    p.drawText(rect(), Qt::AlignCenter, tr("No finished trials yet"));
    return;
  }
  p.setRenderHint(QPainter::Antialiasing);
  const QRectF r = plot_rect();
  auto y_of = [&](size_t c, double v) { return r.bottom() - to_unit(c, v) * r.height(); };
  const auto pass = passing();
  // Faded lines first, then the ones that pass the brushes.
  for (int layer = 0; layer < 2; ++layer) {
    for (size_t i = 0; i < ids_.size(); ++i) {
      const bool passes = !pass || pass->count(ids_[i]);
      if (passes != (layer == 1)) continue;
      QColor col = passes ? color_map(color_[i]) : QColor(150, 150, 150);
      col.setAlpha(passes ? 170 : 40);
      p.setPen(QPen(col, passes ? 1.3 : 1.0));
      QPainterPath path;
      bool started = false;
      for (size_t c = 0; c < columns_.size(); ++c) {
        const double v = values_[i][c];
        if (!std::isfinite(v)) {
          started = false;
          continue;
        }
        const QPointF pt(axis_x(c), y_of(c, v));
        if (started) path.lineTo(pt);
        else path.moveTo(pt);
        started = true;
      }
      p.drawPath(path);
    }
  }
  p.setPen(palette().color(QPalette::Text));
  for (size_t c = 0; c < columns_.size(); ++c) {
    const double x = axis_x(c);
    p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()));
    const QString name = QString::fromStdString(columns_[c].name) + (columns_[c].log ? QStringLiteral(" (log)") : QString());
    p.drawText(QRectF(x - 80, 4, 160, 20), Qt::AlignCenter, name);
    p.drawText(QRectF(x - 80, r.bottom() + 4, 160, 20), Qt::AlignCenter, QString::number(ranges_[c].first, 'g', 3));
    p.drawText(QRectF(x - 80, r.top() - 18, 160, 16), Qt::AlignCenter | Qt::AlignBottom,
               QString::number(ranges_[c].second, 'g', 3));
    auto draw_brush = [&](double a, double b) {
      const double ya = r.bottom() - a * r.height(), yb = r.bottom() - b * r.height();
      p.fillRect(QRectF(x - 6, std::min(ya, yb), 12, std::abs(ya - yb)), QColor(230, 120, 0, 110));
    };
    if (auto it = brushes_.find(c); it != brushes_.end()) draw_brush(to_unit(c, it->second.first), to_unit(c, it->second.second));
    if (drag_column_ == c) draw_brush(drag_start_, drag_now_);
  }
}

void ParallelCoordinates::mousePressEvent(QMouseEvent* e) {
  const QRectF r = plot_rect();
  for (size_t c = 0; c < columns_.size(); ++c) {
    if (std::abs(e->position().x() - axis_x(c)) < 12) {
      drag_column_ = c;
      drag_start_ = drag_now_ = std::clamp((r.bottom() - e->position().y()) / r.height(), 0.0, 1.0);
      return;
    }
  }
}

void ParallelCoordinates::mouseMoveEvent(QMouseEvent* e) {
  if (!drag_column_) return;
  const QRectF r = plot_rect();
  drag_now_ = std::clamp((r.bottom() - e->position().y()) / r.height(), 0.0, 1.0);
  update();
}

void ParallelCoordinates::mouseReleaseEvent(QMouseEvent*) {
  if (!drag_column_) return;
  const size_t c = *drag_column_;
  drag_column_.reset();
  if (std::abs(drag_now_ - drag_start_) < 0.01) {
    set_brush(c, std::nullopt);
  } else {
    set_brush(c, std::pair(from_unit(c, drag_start_), from_unit(c, drag_now_)));
  }
}

}  // namespace tunelab::ui
