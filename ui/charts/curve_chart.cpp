#include "ui/charts/curve_chart.h"

#include <QChart>
#include <QChartView>
#include <QGraphicsObject>
#include <QGraphicsSceneMouseEvent>
#include <QImage>
#include <QPainter>
#include <QValueAxis>

#include <cmath>

#include "core/analysis/chart_data.h"

namespace tunelab::ui {

namespace {

// Bresenham line into a premultiplied ARGB32 image, blending `color` (with its alpha) over each pixel.
void plot_line(QImage& img, QPointF a, QPointF b, const QColor& color) {
  int x0 = static_cast<int>(std::lround(a.x())), y0 = static_cast<int>(std::lround(a.y()));
  const int x1 = static_cast<int>(std::lround(b.x())), y1 = static_cast<int>(std::lround(b.y()));
  const int w = img.width(), h = img.height();
  if ((x0 < 0 && x1 < 0) || (y0 < 0 && y1 < 0) || (x0 >= w && x1 >= w) || (y0 >= h && y1 >= h)) return;
  const int alpha = color.alpha();
  const uint sr = static_cast<uint>(color.red() * alpha / 255), sg = static_cast<uint>(color.green() * alpha / 255),
             sb = static_cast<uint>(color.blue() * alpha / 255);
  const uint inv = static_cast<uint>(255 - alpha);
  const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
  int err = dx + dy;
  const qsizetype stride = img.bytesPerLine() / 4;
  auto* bits = reinterpret_cast<QRgb*>(img.bits());
  for (int guard = 0; guard < 100000; ++guard) {
    if (x0 >= 0 && y0 >= 0 && x0 < w && y0 < h) {
      QRgb& px = bits[y0 * stride + x0];
      px = qRgba(static_cast<int>(sr + qRed(px) * inv / 255), static_cast<int>(sg + qGreen(px) * inv / 255),
                 static_cast<int>(sb + qBlue(px) * inv / 255), static_cast<int>(static_cast<uint>(alpha) + qAlpha(px) * inv / 255));
    }
    if (x0 == x1 && y0 == y1) break;
    const int e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x0 += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y0 += sy;
    }
  }
}

// A range with headroom, so that a growing series rarely changes it: [lo, hi] widened to whole steps.
std::pair<double, double> padded(double lo, double hi, bool from_zero_ok) {
  if (!(hi > lo)) return {lo - 0.5, hi + 0.5};
  const double span = hi - lo;
  const double step = std::pow(10.0, std::floor(std::log10(span))) / 5;
  double a = std::floor(lo / step) * step, b = std::ceil(hi / step) * step;
  if (from_zero_ok && lo >= 0 && a - step < 0) a = std::min(a, 0.0);
  if (b == hi) b += step;
  return {a, b};
}
}  // namespace

// Paints every trial's line; see CurveChart.
class CurveLayer final : public QGraphicsObject {
 public:
  struct Curve {
    std::vector<double> xs, ys;
    size_t drawn = 0;        // points painted into the cache
    int drawn_points = 0;    // after decimation
    bool finished = false;
  };

  CurveLayer(CurveChart* owner, QChart* chart) : owner_(owner), chart_(chart) {
    setZValue(10);
    setAcceptedMouseButtons(Qt::LeftButton);
    connect(chart_, &QChart::plotAreaChanged, this, [this] {
      prepareGeometryChange();
      invalidate();
    });
  }

  QRectF boundingRect() const override { return chart_->plotArea(); }

  void invalidate() {
    cache_valid_ = false;
    update();
  }

  void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
    const QRectF area = chart_->plotArea();
    if (area.width() < 2 || area.height() < 2) return;
    const qreal dpr = p->device() ? p->device()->devicePixelRatioF() : 1.0;
    const QSize px((area.size() * dpr).toSize());
    if (cache_.size() != px) cache_valid_ = false;
    if (!cache_valid_) {
      cache_ = QImage(px, QImage::Format_ARGB32_Premultiplied);
      cache_.setDevicePixelRatio(dpr);
      cache_.fill(Qt::transparent);
      ++full_redraws_;
      for (auto& [id, c] : curves_) c.drawn = 0;
      cache_valid_ = true;
    }
    {
      // Segments grouped by pen: a few dozen pen changes per paint instead of one per trial, which is
      // what the raster engine spends most of its time on with a thousand short lines.
      std::map<std::pair<int, bool>, std::vector<QLineF>> groups;
      for (auto& [id, c] : curves_) {
        if (c.drawn >= c.xs.size() || id == best_ || id == selected_) continue;
        collect(c, c.drawn, groups[{color_index(id), c.finished}]);
      }
      // One-pixel lines straight into the cache's pixels: QPainter's per-line set-up costs more than
      // the few pixels each streamed segment covers.
      const QPointF origin = area.topLeft();
      for (const auto& [key, lines] : groups) {
        const QColor col = plain_pen(key.first, key.second).color();
        for (const QLineF& l : lines) plot_line(cache_, (l.p1() - origin) * dpr, (l.p2() - origin) * dpr, col);
      }
    }
    p->drawImage(area.topLeft(), cache_);
    p->save();
    p->setClipRect(area);
    p->setRenderHint(QPainter::Antialiasing);
    for (auto id : {best_, selected_}) {
      if (!id) continue;
      auto it = curves_.find(*id);
      if (it != curves_.end()) draw(*p, it->second, pen_for(*id, it->second));
    }
    p->restore();
  }

  static int color_index(int64_t id) { return static_cast<int>(id % 12); }
  static QPen plain_pen(int color, bool finished) {
    QColor col = QColor::fromHsv(color * 30, 150, 200);
    if (finished) col.setAlpha(60);
    QPen pen(col);
    pen.setWidth(0);  // cosmetic one-pixel lines take the raster engine's fast path (no stroking)
    return pen;
  }
  QPen pen_for(int64_t id, const Curve& c) const {
    QPen pen = plain_pen(color_index(id), c.finished);
    if (best_ == id) {
      pen.setColor(QColor(230, 120, 0));
      pen.setWidthF(2.5);
    }
    if (selected_ == id) {
      pen.setColor(owner_->palette().color(QPalette::Highlight));
      pen.setWidthF(3.5);
    }
    return pen;
  }

  QPointF map_point(double x, double y) const {
    const QRectF area = chart_->plotArea();
    return QPointF(area.left() + (x - x0_) / (x1_ - x0_) * area.width(), area.bottom() - (y - y0_) / (y1_ - y0_) * area.height());
  }

  // The segments of c from point `from` on (from 0: the whole line, decimated when denser than the pixels).
  void collect(Curve& c, size_t from, std::vector<QLineF>& out) {
    const int width = std::max(2, static_cast<int>(chart_->plotArea().width()));
    if (from == 0 && c.xs.size() > static_cast<size_t>(width) * 4) {
      const auto keep = decimate_min_max(c.xs, c.ys, width);
      for (size_t k = 1; k < keep.size(); ++k) {
        out.emplace_back(map_point(c.xs[keep[k - 1]], c.ys[keep[k - 1]]), map_point(c.xs[keep[k]], c.ys[keep[k]]));
      }
      c.drawn_points = static_cast<int>(keep.size());
    } else {
      const size_t start = from > 0 ? from - 1 : 0;  // join the new segment to the last painted point
      if (c.xs.size() - start == 1) out.emplace_back(map_point(c.xs[start], c.ys[start]), map_point(c.xs[start], c.ys[start]));
      for (size_t i = start + 1; i < c.xs.size(); ++i) {
        out.emplace_back(map_point(c.xs[i - 1], c.ys[i - 1]), map_point(c.xs[i], c.ys[i]));
      }
      c.drawn_points = static_cast<int>(from == 0 ? c.xs.size() : static_cast<size_t>(c.drawn_points) + c.xs.size() - from);
    }
    c.drawn = c.xs.size();
  }

  // Draws one emphasised line whole.
  void draw(QPainter& p, Curve& c, const QPen& pen) {
    std::vector<QLineF> lines;
    collect(c, 0, lines);
    p.setPen(pen);
    p.drawLines(lines.data(), static_cast<int>(lines.size()));
  }

  void set_ranges(double x0, double x1, double y0, double y1) {
    if (x0 == x0_ && x1 == x1_ && y0 == y0_ && y1 == y1_) return;
    x0_ = x0;
    x1_ = x1;
    y0_ = y0;
    y1_ = y1;
    invalidate();
  }

  void mousePressEvent(QGraphicsSceneMouseEvent* e) override {
    const QRectF area = chart_->plotArea();
    const QPointF at = e->pos();
    std::optional<int64_t> hit;
    double best_d = 36;  // within 6 pixels
    for (const auto& [id, c] : curves_) {
      for (size_t i = 0; i < c.xs.size(); ++i) {
        const QPointF q(area.left() + (c.xs[i] - x0_) / (x1_ - x0_) * area.width(),
                        area.bottom() - (c.ys[i] - y0_) / (y1_ - y0_) * area.height());
        const double d = (q.x() - at.x()) * (q.x() - at.x()) + (q.y() - at.y()) * (q.y() - at.y());
        if (d < best_d) {
          best_d = d;
          hit = id;
        }
      }
    }
    if (hit) emit owner_->trial_clicked(*hit);
    e->accept();
  }

  CurveChart* owner_;
  QChart* chart_;
  std::map<int64_t, Curve> curves_;
  std::optional<int64_t> selected_, best_;
  QImage cache_;
  bool cache_valid_ = false;
  int full_redraws_ = 0;
  double x0_ = 0, x1_ = 1, y0_ = 0, y1_ = 1;
  double data_x0_ = 0, data_x1_ = 0, data_y0_ = 0, data_y1_ = 0;
  bool have_data_ = false;
};

CurveChart::CurveChart(QWidget* parent) : ChartPanel(parent), x_axis_(new QValueAxis), y_axis_(new QValueAxis) {
  chart()->addAxis(x_axis_, Qt::AlignBottom);
  chart()->addAxis(y_axis_, Qt::AlignLeft);
  x_axis_->setLabelFormat(QStringLiteral("%g"));
  y_axis_->setLabelFormat(QStringLiteral("%g"));
  x_axis_->setTitleText(tr("iteration"));
  layer_ = new CurveLayer(this, chart());
  chart()->scene()->addItem(layer_);
}

CurveChart::~CurveChart() = default;

void CurveChart::clear() {
  layer_->curves_.clear();
  layer_->selected_.reset();
  layer_->best_.reset();
  layer_->have_data_ = false;
  x_axis_->setRange(0, 1);
  y_axis_->setRange(0, 1);
  layer_->set_ranges(0, 1, 0, 1);
  layer_->invalidate();
}

void CurveChart::set_axis_titles(const QString& x, const QString& y) {
  x_axis_->setTitleText(x);
  y_axis_->setTitleText(y);
}

void CurveChart::append(int64_t trial, const std::vector<double>& xs, const std::vector<double>& ys) {
  CurveLayer::Curve& c = layer_->curves_[trial];
  CurveLayer& l = *layer_;
  for (size_t i = 0; i < xs.size() && i < ys.size(); ++i) {
    if (!std::isfinite(xs[i]) || !std::isfinite(ys[i])) continue;
    c.xs.push_back(xs[i]);
    c.ys.push_back(ys[i]);
    if (!l.have_data_) {
      l.data_x0_ = l.data_x1_ = xs[i];
      l.data_y0_ = l.data_y1_ = ys[i];
      l.have_data_ = true;
    }
    l.data_x0_ = std::min(l.data_x0_, xs[i]);
    l.data_x1_ = std::max(l.data_x1_, xs[i]);
    l.data_y0_ = std::min(l.data_y0_, ys[i]);
    l.data_y1_ = std::max(l.data_y1_, ys[i]);
  }
}

void CurveChart::set_finished(int64_t trial, bool finished) {
  auto& c = layer_->curves_[trial];
  if (c.finished == finished) return;
  c.finished = finished;
  layer_->invalidate();  // its faded line replaces the bright one in the cache
}

void CurveChart::set_selected(std::optional<int64_t> trial) {
  if (layer_->selected_ == trial) return;
  layer_->selected_ = trial;
  layer_->invalidate();
}

void CurveChart::set_best(std::optional<int64_t> trial) {
  if (layer_->best_ == trial) return;
  layer_->best_ = trial;
  layer_->invalidate();
}

void CurveChart::flush() {
  CurveLayer& l = *layer_;
  if (l.have_data_) {
    // Keep the ranges while the data fits them, so appends rarely redraw the whole cache.
    if (l.data_x0_ < l.x0_ || l.data_x1_ > l.x1_ || l.data_y0_ < l.y0_ || l.data_y1_ > l.y1_ ||
        (l.x0_ == 0 && l.x1_ == 1 && l.y0_ == 0 && l.y1_ == 1)) {
      // Growing data (iterations, a rising metric) doubles the x range and adds half the y span, so a
      // curve that streams 200 points changes the ranges about ten times.
      const bool first = l.x0_ == 0 && l.x1_ == 1 && l.y0_ == 0 && l.y1_ == 1;
      const double grow_x = first ? 0.1 : 1.0, grow_y = first ? 0.1 : 0.5;
      const auto [x0, x1] = padded(l.data_x0_, l.data_x1_ + (l.data_x1_ - l.data_x0_) * grow_x, true);
      const double dy = (l.data_y1_ - l.data_y0_) * grow_y;
      const auto [y0, y1] = padded(l.data_y0_ - dy, l.data_y1_ + dy, false);
      x_axis_->setRange(x0, x1);
      y_axis_->setRange(y0, y1);
      l.set_ranges(x0, x1, y0, y1);
    }
  }
  l.update();
}

void CurveChart::fit() {
  layer_->x0_ = 0;
  layer_->x1_ = 1;
  layer_->y0_ = 0;
  layer_->y1_ = 1;
  flush();
}

bool CurveChart::has_data() const { return layer_->have_data_; }
int CurveChart::series_count() const { return static_cast<int>(layer_->curves_.size()); }
int CurveChart::full_redraws() const { return layer_->full_redraws_; }

int CurveChart::drawn_points(int64_t trial) const {
  auto it = layer_->curves_.find(trial);
  return it == layer_->curves_.end() ? -1 : it->second.drawn_points;
}

}  // namespace tunelab::ui
