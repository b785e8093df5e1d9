#include "ui/views/parallel_coordinates.h"

#include <QFontMetricsF>
#include <QHelpEvent>
#include <QMouseEvent>
#include <QToolTip>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <tuple>

#include <cmath>
#include <limits>

#include "core/space/space.h"
#include "core/util/nice_axis.h"
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
  layout_.reset();
  choices_.assign(columns_.size(), {});
  if (s.study.spec.contains("space")) {
    if (auto space = parse_space(s.study.spec["space"])) {
      for (size_t c = 0; c < columns_.size(); ++c) {
        if (columns_[c].numeric || !columns_[c].is_param) continue;
        for (const Parameter& p : space->params()) {
          if (p.name != columns_[c].name) continue;
          for (const Json& v : p.values) {
            choices_[c].push_back(QString::fromStdString(v.is_string() ? v.get<std::string>() : dump_compact(v)));
          }
        }
      }
    }
  }
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

QRectF ParallelCoordinates::plot_rect() const { return layout().plot; }

const ParallelCoordinates::Layout& ParallelCoordinates::layout() const {
  if (!layout_) layout_ = compute_layout();
  return *layout_;
}

void ParallelCoordinates::resizeEvent(QResizeEvent* e) {
  layout_.reset();
  QWidget::resizeEvent(e);
}

bool ParallelCoordinates::event(QEvent* e) {
  if (e->type() == QEvent::ToolTip) {  // an axis name, in full (it may be elided)
    const QPointF at = static_cast<QHelpEvent*>(e)->pos();
    const Layout& l = layout();
    for (size_t c = 0; c < l.names.size(); ++c) {
      if (l.names[c].rect.adjusted(-2, -2, 2, 2).contains(at)) {
        QToolTip::showText(static_cast<QHelpEvent*>(e)->globalPos(), QString::fromStdString(columns_[c].name), this);
        return true;
      }
    }
    QToolTip::hideText();
    e->ignore();
    return true;
  }
  return QWidget::event(e);
}

void ParallelCoordinates::changeEvent(QEvent* e) {
  if (e->type() == QEvent::FontChange || e->type() == QEvent::StyleChange) layout_.reset();
  QWidget::changeEvent(e);
}

std::vector<ParallelCoordinates::Label> ParallelCoordinates::labels() const {
  const Layout& l = layout();
  std::vector<Label> out = l.names;
  for (const auto& column : l.ticks) {
    for (const auto& t : column) out.push_back(t.label);
  }
  return out;
}

// Where each axis, name and tick value goes. The plot's edges leave room for half the outermost names
// and the first axis's tick values (drawn left of their axis); names that are wider than the space
// between axes go on two staggered rows, and are elided when even that is too narrow.
ParallelCoordinates::Layout ParallelCoordinates::compute_layout() const {
  Layout out;
  const QFontMetricsF fm(font());
  const double line = fm.height(), pad = 6, n = static_cast<double>(columns_.size());
  const double w = width(), h = height();
  // Tick values first (they set the left margin): 1-2-5 ticks inside each axis's range, as many as the
  // height allows with a line of space between two.
  const double plot_h_guess = std::max(40.0, h - 4 * line - 3 * pad);
  const int max_ticks = std::clamp(static_cast<int>(plot_h_guess / (2.2 * line)) + 1, 2, 6);
  std::vector<std::vector<std::pair<double, QString>>> tick_values(columns_.size());
  double first_tick_w = 0;
  for (size_t c = 0; c < columns_.size(); ++c) {
    const auto [lo, hi] = ranges_[c];
    if (!(lo <= hi)) continue;
    if (columns_[c].log && lo > 0) {
      const NiceAxis a = nice_log_axis(lo, hi, max_ticks);
      for (double t : a.ticks) {
        if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) tick_values[c].emplace_back(t, QString::number(t, 'g', 3));
      }
      if (tick_values[c].size() < 2) {  // less than a decade: its ends
        tick_values[c] = {{lo, QString::number(lo, 'g', 3)}, {hi, QString::number(hi, 'g', 3)}};
      }
    } else if (hi > lo) {
      NiceAxisOptions o;
      o.exact_min = o.exact_max = true;
      o.max_ticks = max_ticks;
      const NiceAxis a = nice_axis(lo, hi, o);
      const double step = columns_[c].numeric ? a.step : std::max(1.0, a.step);  // choices: whole indices
      for (double t : a.ticks) {
        if (std::abs(t / step - std::round(t / step)) > 1e-9) continue;
        const auto i = static_cast<size_t>(std::llround(t));
        const bool named = !columns_[c].numeric && t >= 0 && i < choices_[c].size();
        tick_values[c].emplace_back(t, named ? choices_[c][i]
                                             : columns_[c].numeric ? QString::fromStdString(a.label(t)) : QString::number(i));
      }
    } else {
      tick_values[c] = {{lo, QString::number(lo, 'g', 4)}};
    }
    if (c == 0) {
      for (const auto& [v, text] : tick_values[c]) first_tick_w = std::max(first_tick_w, fm.horizontalAdvance(text));
    }
  }
  // Names: full width if they fit between axes, else staggered, else elided.
  std::vector<QString> names;
  double widest = 0;
  for (const auto& col : columns_) {
    names.push_back(QString::fromStdString(col.name) + (col.log ? QStringLiteral(" (log)") : QString()));
    widest = std::max(widest, fm.horizontalAdvance(names.back()));
  }
  const double gap = 8;
  // The spacing between axes, given margins that fit half the outer names: solve once with the names'
  // widths, then elide to what is left.
  auto spacing_for = [&](double name_w) {
    const double left = std::max({pad + first_tick_w + 6, name_w / 2 + pad, 24.0});
    const double right = std::max(name_w / 2 + pad, 24.0);
    return std::pair(left, right);
  };
  double name_w = widest;
  auto [left, right] = spacing_for(name_w);
  double spacing = n > 1 ? (w - left - right) / (n - 1) : w;
  bool stagger = false;
  if (n > 1 && widest + gap > spacing) {
    stagger = true;
    name_w = std::min(widest, std::max(30.0, 2 * spacing - gap));
    std::tie(left, right) = spacing_for(name_w);
    spacing = (w - left - right) / (n - 1);
    name_w = std::min(widest, std::max(30.0, 2 * spacing - gap));
    if (n == 2) stagger = false;  // two names side by side: elide instead
    if (!stagger) name_w = std::min(widest, std::max(30.0, spacing - gap));
  }
  const int rows = stagger ? 2 : 1;
  const double top = pad + rows * line + pad + line / 2;
  const double bottom = line / 2 + pad;
  out.plot = QRectF(left, top, std::max(10.0, w - left - right), std::max(10.0, h - top - bottom));
  auto x_of = [&](size_t c) {
    return columns_.size() < 2 ? out.plot.center().x()
                               : out.plot.left() + out.plot.width() * static_cast<double>(c) / (n - 1);
  };
  for (size_t c = 0; c < columns_.size(); ++c) {
    Label l;
    l.is_name = true;
    l.text = fm.elidedText(names[c], Qt::ElideMiddle, name_w);
    const double tw = fm.horizontalAdvance(l.text);
    const double row = stagger ? static_cast<double>(c % 2) : 0;
    const double x = std::clamp(x_of(c) - tw / 2, 0.0, std::max(0.0, w - tw));
    l.rect = QRectF(x, pad + row * line, tw, line);
    out.names.push_back(l);
  }
  // Tick values left of their axis, vertically centred on the tick, elided to the space between axes.
  out.ticks.resize(columns_.size());
  const double tick_room = columns_.size() < 2 ? left - pad : std::max(20.0, out.plot.width() / (n - 1) - 10);
  for (size_t c = 0; c < columns_.size(); ++c) {
    for (const auto& [v, text] : tick_values[c]) {
      Tick t;
      t.unit = to_unit(c, v);
      t.label.text = fm.elidedText(text, Qt::ElideRight, c == 0 ? std::max(tick_room, first_tick_w) : tick_room);
      const double tw = fm.horizontalAdvance(t.label.text);
      const double y = out.plot.bottom() - t.unit * out.plot.height();
      t.label.rect = QRectF(x_of(c) - 4 - tw, y - line / 2, tw, line);
      out.ticks[c].push_back(t);
    }
  }
  return out;
}

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
  const Layout& lay = layout();
  QColor halo = palette().color(QPalette::Base);
  halo.setAlpha(200);
  for (size_t c = 0; c < columns_.size(); ++c) {
    const double x = axis_x(c);
    p.setPen(palette().color(QPalette::Text));
    p.drawLine(QPointF(x, r.top()), QPointF(x, r.bottom()));
    const Label& name = lay.names[c];
    p.drawText(name.rect, Qt::AlignCenter, name.text);
    for (const Tick& t : lay.ticks[c]) {
      const double y = r.bottom() - t.unit * r.height();
      p.drawLine(QPointF(x - 3, y), QPointF(x, y));
      p.fillRect(t.label.rect, halo);  // readable over the lines
      p.drawText(t.label.rect, Qt::AlignRight | Qt::AlignVCenter, t.label.text);
    }
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
