#include "ui/charts/curve_chart.h"

#include <QAreaSeries>
#include <QBoxLayout>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QGraphicsObject>
#include <QGraphicsSceneHoverEvent>
#include <QGraphicsSceneMouseEvent>
#include <QImage>
#include <QLabel>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "core/analysis/chart_data.h"
#include "core/util/nice_axis.h"

namespace tunelab::ui {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

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

// Ten distinct colours for the best trials (best first).
QColor rank_color(size_t rank) {
  static const QColor colors[] = {QColor(230, 120, 0), QColor(31, 119, 180), QColor(44, 160, 44), QColor(214, 39, 40),
                                  QColor(148, 103, 189), QColor(140, 86, 75), QColor(227, 119, 194), QColor(23, 190, 207),
                                  QColor(188, 189, 34), QColor(60, 60, 60)};
  return colors[rank % 10];
}

// The q-quantile of sorted values, interpolated.
double quantile(const std::vector<double>& sorted, double q) {
  const double at = q * static_cast<double>(sorted.size() - 1);
  const size_t i = static_cast<size_t>(at);
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + (sorted[i + 1] - sorted[i]) * (at - static_cast<double>(i));
}

}  // namespace

// Paints the running trials (each in its own colour) and the faded background into cached images;
// see CurveChart.
class CurveLayer final : public QGraphicsObject {
 public:
  enum class Role { Background, Live, Series };
  struct Curve {
    std::vector<double> xs, ys;
    size_t drawn = 0;        // points painted into its cache
    int drawn_points = 0;    // after decimation
    bool finished = false;
    Role role = Role::Live;   // how it is drawn now
    // The cached image it is painted into: Live (running), Background (ended, not among the best K) or
    // none (Series: ended and among the best K). A running trial stays in the live cache and the
    // selected trial in its cache, under their series, so that the best K changing while results
    // stream in, or a click on another trial, redraws no cache.
    Role cache = Role::Live;
    bool series_dirty = true;
    std::optional<double> score;
    double y_min = kInf, y_max = -kInf;
    QString label;
  };

  CurveLayer(CurveChart* owner, QChart* chart) : QGraphicsObject(chart), owner_(owner), chart_(chart) {
    // Over the grid and the axes, under the series (Qt Charts stacks its series at 4).
    setZValue(3.5);
    setAcceptedMouseButtons(Qt::LeftButton);
    setAcceptHoverEvents(true);
    connect(chart_, &QChart::plotAreaChanged, this, [this] {
      prepareGeometryChange();
      invalidate();
    });
  }

  QRectF boundingRect() const override { return chart_->plotArea(); }

  void invalidate() {
    bg_valid_ = live_valid_ = false;
    update();
  }

  // Draws the curves of `role` not yet painted into `cache` (all of them after a reset).
  void paint_into(QImage& cache, bool& valid, Role role, const QSize& px, qreal dpr) {
    if (cache.size() != px) valid = false;
    if (!valid) {
      cache = QImage(px, QImage::Format_ARGB32_Premultiplied);
      cache.setDevicePixelRatio(dpr);
      cache.fill(Qt::transparent);
      ++full_redraws_;
      for (auto& [id, c] : curves_) {
        if (c.cache == role) c.drawn = 0;
      }
      valid = true;
    }
    // Segments grouped by colour; one-pixel lines straight into the cache's pixels: QPainter's per-line
    // set-up costs more than the few pixels each segment covers.
    std::map<int, std::vector<QLineF>> groups;
    for (auto& [id, c] : curves_) {
      if (c.cache != role || c.drawn >= c.xs.size()) continue;
      collect(c, c.drawn, groups[role == Role::Live ? static_cast<int>(id % 12) : 0]);
    }
    const QPointF origin = chart_->plotArea().topLeft();
    for (const auto& [key, lines] : groups) {
      const QColor col = role == Role::Live ? QColor::fromHsv(key * 30, 150, 200) : QColor(110, 110, 110, 45);
      for (const QLineF& l : lines) plot_line(cache, (l.p1() - origin) * dpr, (l.p2() - origin) * dpr, col);
    }
  }

  void paint(QPainter* p, const QStyleOptionGraphicsItem*, QWidget*) override {
    const QRectF area = chart_->plotArea();
    if (area.width() < 2 || area.height() < 2) return;
    const qreal dpr = p->device() ? p->device()->devicePixelRatioF() : 1.0;
    const QSize px((area.size() * dpr).toSize());
    if (owner_->others_ == CurveChart::Others::Faded) {
      paint_into(bg_, bg_valid_, Role::Background, px, dpr);
      p->drawImage(area.topLeft(), bg_);
    }
    paint_into(live_, live_valid_, Role::Live, px, dpr);
    p->drawImage(area.topLeft(), live_);
  }

  QPointF map_point(double x, double y) const {
    const QRectF area = chart_->plotArea();
    return QPointF(area.left() + (x - x0_) / (x1_ - x0_) * area.width(), area.bottom() - (y - y0_) / (y1_ - y0_) * area.height());
  }

  // The points of c to draw: all of them, or a decimated subset when denser than the pixels.
  std::vector<size_t> kept(const Curve& c) const {
    const int width = std::max(2, static_cast<int>(chart_->plotArea().width()));
    if (c.xs.size() > static_cast<size_t>(width) * 4) return decimate_min_max(c.xs, c.ys, width);
    std::vector<size_t> all(c.xs.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = i;
    return all;
  }

  // The segments of c from point `from` on (from 0: the whole line, decimated when denser than the pixels).
  void collect(Curve& c, size_t from, std::vector<QLineF>& out) {
    if (from == 0) {
      const auto keep = kept(c);
      if (keep.size() == 1) out.emplace_back(map_point(c.xs[0], c.ys[0]), map_point(c.xs[0], c.ys[0]));
      for (size_t k = 1; k < keep.size(); ++k) {
        out.emplace_back(map_point(c.xs[keep[k - 1]], c.ys[keep[k - 1]]), map_point(c.xs[keep[k]], c.ys[keep[k]]));
      }
      c.drawn_points = static_cast<int>(keep.size());
    } else {
      for (size_t i = from; i < c.xs.size(); ++i) {  // joined to the last painted point
        out.emplace_back(map_point(c.xs[i - 1], c.ys[i - 1]), map_point(c.xs[i], c.ys[i]));
      }
      c.drawn_points += static_cast<int>(c.xs.size() - from);
    }
    c.drawn = c.xs.size();
  }

  void set_ranges(double x0, double x1, double y0, double y1) {
    if (x0 == x0_ && x1 == x1_ && y0 == y0_ && y1 == y1_) return;
    x0_ = x0;
    x1_ = x1;
    y0_ = y0;
    y1_ = y1;
    for (auto& [id, c] : curves_) c.series_dirty = true;
    invalidate();
  }

  // The trial whose line passes within 6 pixels of `at` (chart coordinates), among `roles`.
  std::optional<int64_t> hit(QPointF at, std::initializer_list<Role> roles) const {
    std::optional<int64_t> found;
    double best_d = 36;
    for (const auto& [id, c] : curves_) {
      if (std::find(roles.begin(), roles.end(), c.role) == roles.end()) continue;
      for (size_t i = 0; i < c.xs.size(); ++i) {
        const QPointF q = map_point(c.xs[i], c.ys[i]);
        const double d = (q.x() - at.x()) * (q.x() - at.x()) + (q.y() - at.y()) * (q.y() - at.y());
        if (d < best_d) {
          best_d = d;
          found = id;
        }
      }
    }
    return found;
  }

  void mousePressEvent(QGraphicsSceneMouseEvent* e) override {
    if (auto id = hit(e->pos(), {Role::Series, Role::Live, Role::Background})) emit owner_->trial_clicked(*id);
    e->accept();
  }

  void hoverMoveEvent(QGraphicsSceneHoverEvent* e) override {
    if (auto id = hit(e->pos(), {Role::Live})) {
      QToolTip::showText(e->screenPos(), owner_->describe(*id));
    } else {
      QToolTip::hideText();
    }
  }

  CurveChart* owner_;
  QChart* chart_;
  std::map<int64_t, Curve> curves_;
  std::optional<int64_t> selected_, best_;
  QImage bg_, live_;
  bool bg_valid_ = false, live_valid_ = false;
  int full_redraws_ = 0;
  double x0_ = 0, x1_ = 1, y0_ = 0, y1_ = 1;
  double data_x0_ = 0, data_x1_ = 0, data_y0_ = 0, data_y1_ = 0;
  bool have_data_ = false, ranged_ = false, fit_pending_ = false;
};

CurveChart::CurveChart(QWidget* parent)
    : ChartPanel(parent),
      x_axis_(new QValueAxis),
      y_axis_(new QValueAxis),
      others_box_(new QComboBox),
      best_box_(new QSpinBox),
      summary_(new QLabel) {
  chart()->addAxis(x_axis_, Qt::AlignBottom);
  chart()->addAxis(y_axis_, Qt::AlignLeft);
  x_axis_->setTitleText(tr("iteration"));
  apply_nice_axis(x_axis_, nice_axis(0, 1));
  apply_nice_axis(y_axis_, nice_axis(0, 1));
  chart()->legend()->setAlignment(Qt::AlignRight);
  layer_ = new CurveLayer(this, chart());
  best_box_->setRange(0, 100);
  best_box_->setValue(best_k_);
  best_box_->setToolTip(tr("How many of the best trials are drawn in full, each in its own colour"));
  others_box_->addItems({tr("faded lines"), tr("median and 10–90 % band")});
  others_box_->setToolTip(tr("How the trials that are not drawn in full (not among the best, not running, not "
                             "selected) are shown"));
  summary_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  auto* bar = new QHBoxLayout;
  bar->setContentsMargins(4, 2, 4, 0);
  bar->addWidget(new QLabel(tr("Best")));
  bar->addWidget(best_box_);
  bar->addWidget(new QLabel(tr("in full; the others as")));
  bar->addWidget(others_box_);
  bar->addWidget(summary_, 1);
  static_cast<QBoxLayout*>(layout())->insertLayout(0, bar);
  connect(best_box_, &QSpinBox::valueChanged, this, &CurveChart::set_best_count);
  connect(others_box_, &QComboBox::currentIndexChanged, this,
          [this](int i) { set_others(i == 1 ? Others::Band : Others::Faded); });
}

CurveChart::~CurveChart() = default;

void CurveChart::clear() {
  for (auto& [id, s] : series_) {
    chart()->removeSeries(s);
    delete s;
  }
  series_.clear();
  if (band_area_) {
    chart()->removeSeries(band_area_);
    chart()->removeSeries(band_median_);
    delete band_area_;
    delete band_median_;
    band_area_ = nullptr;
    band_median_ = nullptr;
  }
  band_ = {};
  ranked_.clear();
  legend_order_.clear();
  CurveLayer& l = *layer_;
  l.curves_.clear();
  l.selected_.reset();
  l.best_.reset();
  l.have_data_ = l.ranged_ = l.fit_pending_ = false;
  apply_nice_axis(x_axis_, nice_axis(0, 1));
  apply_nice_axis(y_axis_, nice_axis(0, 1));
  l.set_ranges(0, 1, 0, 1);
  l.invalidate();
  roles_dirty_ = band_dirty_ = true;
  summary_->clear();
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
    c.y_min = std::min(c.y_min, ys[i]);
    c.y_max = std::max(c.y_max, ys[i]);
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
  c.series_dirty = true;
  if (c.role == CurveLayer::Role::Background) band_dirty_ = true;
  if (!c.score) roles_dirty_ = true;  // ranked by its curve
}

void CurveChart::set_finished(int64_t trial, bool finished) {
  auto& c = layer_->curves_[trial];
  if (c.finished == finished) return;
  c.finished = finished;
  roles_dirty_ = true;
}

void CurveChart::set_selected(std::optional<int64_t> trial) {
  if (layer_->selected_ == trial) return;
  layer_->selected_ = trial;
  roles_dirty_ = true;
  flush();
}

void CurveChart::set_best(std::optional<int64_t> trial) {
  if (layer_->best_ == trial) return;
  layer_->best_ = trial;
  roles_dirty_ = true;
}

void CurveChart::set_score(int64_t trial, std::optional<double> score) {
  auto& c = layer_->curves_[trial];
  if (c.score == score) return;
  c.score = score;
  roles_dirty_ = true;
}

void CurveChart::set_maximize(bool maximize) {
  if (maximize_ == maximize) return;
  maximize_ = maximize;
  roles_dirty_ = true;
}

void CurveChart::set_label(int64_t trial, const QString& label) { layer_->curves_[trial].label = label; }

void CurveChart::set_best_count(int k) {
  k = std::clamp(k, 0, 100);
  if (best_box_->value() != k) {
    const QSignalBlocker block(best_box_);
    best_box_->setValue(k);
  }
  if (best_k_ == k) return;
  best_k_ = k;
  roles_dirty_ = true;
  flush();
}

void CurveChart::set_others(Others mode) {
  if (others_box_->currentIndex() != (mode == Others::Band ? 1 : 0)) {
    const QSignalBlocker block(others_box_);
    others_box_->setCurrentIndex(mode == Others::Band ? 1 : 0);
  }
  if (others_ == mode) return;
  others_ = mode;
  layer_->bg_valid_ = false;
  band_dirty_ = true;
  flush();
}

void CurveChart::showEvent(QShowEvent* e) {
  ChartPanel::showEvent(e);
  if (pending_) flush();
}

// Who is drawn how: the selected trial and the best K as series, running trials live, the rest as background.
void CurveChart::update_roles() {
  using Role = CurveLayer::Role;
  CurveLayer& l = *layer_;
  roles_dirty_ = false;
  std::vector<std::pair<double, int64_t>> scored;  // smaller is better
  scored.reserve(l.curves_.size());
  for (const auto& [id, c] : l.curves_) {
    const double s = c.score ? *c.score : maximize_ ? c.y_max : c.y_min;
    if (!std::isfinite(s) || id == l.best_) continue;
    scored.emplace_back(maximize_ ? -s : s, id);
  }
  ranked_.clear();
  size_t k = static_cast<size_t>(best_k_);
  if (k > 0 && l.best_ && l.curves_.count(*l.best_)) {
    ranked_.push_back(*l.best_);
    --k;
  }
  k = std::min(k, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(k), scored.end());
  for (size_t i = 0; i < k; ++i) ranked_.push_back(scored[i].second);
  const std::set<int64_t> top(ranked_.begin(), ranked_.end());
  for (auto& [id, c] : l.curves_) {
    const bool is_top = top.count(id) > 0;
    const Role cache = !c.finished ? Role::Live : is_top ? Role::Series : Role::Background;
    if (cache != c.cache) {
      if (c.cache == Role::Background) l.bg_valid_ = false;  // a cache cannot take a line out: redraw it
      if (c.cache == Role::Live) l.live_valid_ = false;
      c.cache = cache;
      c.drawn = 0;
      c.drawn_points = 0;
    }
    const Role role = is_top || l.selected_ == id ? Role::Series : cache;
    if (role == c.role) continue;
    if (c.role == Role::Background || role == Role::Background) band_dirty_ = true;
    c.role = role;
    c.series_dirty = true;
  }
}

QLineSeries* CurveChart::make_trial_series(int64_t trial) {
  auto* s = new QLineSeries;
  chart()->addSeries(s);
  s->attachAxis(x_axis_);
  s->attachAxis(y_axis_);
  connect(s, &QLineSeries::hovered, this, [this, trial](const QPointF&, bool on) {
    if (on) QToolTip::showText(QCursor::pos(), describe(trial), this);
    else QToolTip::hideText();
  });
  connect(s, &QLineSeries::clicked, this, [this, trial] { emit trial_clicked(trial); });
  return s;
}

void CurveChart::update_series() {
  CurveLayer& l = *layer_;
  std::set<int64_t> wanted(ranked_.begin(), ranked_.end());
  if (l.selected_ && l.curves_.count(*l.selected_)) wanted.insert(*l.selected_);
  for (auto it = series_.begin(); it != series_.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    chart()->removeSeries(it->second);
    delete it->second;
    it = series_.erase(it);
  }
  for (int64_t id : wanted) {
    auto& c = l.curves_.at(id);
    auto [it, added] = series_.try_emplace(id, nullptr);
    if (added) it->second = make_trial_series(id);
    QLineSeries* s = it->second;
    const auto rank = std::find(ranked_.begin(), ranked_.end(), id);
    const bool selected = l.selected_ == id;
    QPen pen(selected ? palette().color(QPalette::Highlight) : rank_color(static_cast<size_t>(rank - ranked_.begin())));
    pen.setWidthF(selected ? 3.0 : rank == ranked_.begin() ? 2.5 : 1.5);
    if (s->pen() != pen) s->setPen(pen);
    // Just the id (the value is in the tooltip): a legend that changes width at every result would
    // resize the plot, and so redraw the cached lines, while results stream in.
    QString name = QStringLiteral("#%1").arg(id);
    if (selected) name += tr(" (selected)");
    if (s->name() != name) s->setName(name);
    if (!c.series_dirty) continue;
    c.series_dirty = false;
    QList<QPointF> pts;
    for (size_t i : l.kept(c)) pts.append(QPointF(c.xs[i], c.ys[i]));
    s->replace(pts);
  }
  // The legend lists the series in the order they were added: best first, then the selected trial.
  std::vector<int64_t> order = ranked_;
  if (l.selected_ && series_.count(*l.selected_) && !std::count(order.begin(), order.end(), *l.selected_)) {
    order.push_back(*l.selected_);
  }
  if (order != legend_order_) {
    for (int64_t id : order) chart()->removeSeries(series_.at(id));
    for (int64_t id : order) {
      QLineSeries* s = series_.at(id);
      chart()->addSeries(s);
      s->attachAxis(x_axis_);
      s->attachAxis(y_axis_);
    }
    legend_order_ = order;
  }
  chart()->legend()->setVisible(!series_.empty() || band_area_);
}

// The median and the 10 and 90 % quantiles of the background trials, per x value (iteration); with
// many distinct x values (time), per one of 200 bins.
void CurveChart::update_band() {
  using Role = CurveLayer::Role;
  band_dirty_ = false;
  band_ = {};
  std::map<double, std::vector<double>> groups;
  double lo = kInf, hi = -kInf;
  for (const auto& [id, c] : layer_->curves_) {
    if (c.role != Role::Background) continue;
    for (size_t i = 0; i < c.xs.size(); ++i) {
      lo = std::min(lo, c.xs[i]);
      hi = std::max(hi, c.xs[i]);
      if (groups.size() <= 400) groups[c.xs[i]].push_back(c.ys[i]);
    }
  }
  if (groups.size() > 400 && hi > lo) {  // bin by x
    groups.clear();
    const int bins = 200;
    const double width = (hi - lo) / bins;
    for (const auto& [id, c] : layer_->curves_) {
      if (c.role != Role::Background) continue;
      for (size_t i = 0; i < c.xs.size(); ++i) {
        const int b = std::min(bins - 1, static_cast<int>((c.xs[i] - lo) / width));
        groups[lo + (b + 0.5) * width].push_back(c.ys[i]);
      }
    }
  }
  for (auto& [x, ys] : groups) {
    std::sort(ys.begin(), ys.end());
    band_.xs.push_back(x);
    band_.low.push_back(quantile(ys, 0.1));
    band_.median.push_back(quantile(ys, 0.5));
    band_.high.push_back(quantile(ys, 0.9));
  }
  if (!band_area_) {
    auto* upper = new QLineSeries;
    auto* lower = new QLineSeries;
    band_area_ = new QAreaSeries(upper, lower);
    upper->setParent(band_area_);
    lower->setParent(band_area_);
    band_area_->setColor(QColor(110, 110, 110, 60));
    band_area_->setBorderColor(QColor(110, 110, 110, 90));
    band_median_ = new QLineSeries;
    QPen pen(QColor(80, 80, 80));
    pen.setWidthF(1.5);
    pen.setStyle(Qt::DashLine);
    band_median_->setPen(pen);
    for (QAbstractSeries* s : {static_cast<QAbstractSeries*>(band_area_), static_cast<QAbstractSeries*>(band_median_)}) {
      chart()->addSeries(s);
      s->attachAxis(x_axis_);
      s->attachAxis(y_axis_);
    }
  }
  QList<QPointF> up, down, mid;
  for (size_t i = 0; i < band_.xs.size(); ++i) {
    up.append(QPointF(band_.xs[i], band_.high[i]));
    down.append(QPointF(band_.xs[i], band_.low[i]));
    mid.append(QPointF(band_.xs[i], band_.median[i]));
  }
  band_area_->upperSeries()->replace(up);
  band_area_->lowerSeries()->replace(down);
  band_median_->replace(mid);
  const int n = background_trials();
  band_area_->setName(tr("10–90 % of %1 others").arg(n));
  band_median_->setName(tr("median of %1 others").arg(n));
}

void CurveChart::apply_ranges(bool exact) {
  CurveLayer& l = *layer_;
  if (!l.have_data_) return;
  const bool outside = l.data_x0_ < l.x0_ || l.data_x1_ > l.x1_ || l.data_y0_ < l.y0_ || l.data_y1_ > l.y1_;
  if (!exact && l.ranged_ && !outside) return;  // keep the ranges while the data fits: no redraw
  NiceAxisOptions xo;
  double x1 = l.data_x1_;
  if (exact) {
    xo.exact_max = true;  // the x axis ends at the last iteration
  } else {
    // While points stream in: headroom (half the span, rounded out to a tick), so that the ranges and
    // the cached images change about ten times over a curve of 200 points.
    x1 += (l.data_x1_ - l.data_x0_) * (l.ranged_ ? 0.5 : 0.1);
  }
  const NiceAxis x = nice_axis(l.data_x0_, x1, xo);
  // Streaming: room for the span to double above (a rising metric) and for a quarter of it below (a
  // falling one); a fraction stays within [0, 1] and data that is all positive above 0 (nice_axis).
  const double span_y = l.data_y1_ - l.data_y0_;
  const bool fraction = l.data_y0_ >= 0 && l.data_y1_ <= 1;
  const double up = exact ? 0 : fraction ? std::min(span_y, 1 - l.data_y1_) : span_y;
  const double down = exact ? 0 : span_y * 0.25;
  const NiceAxis y = nice_axis(l.data_y0_ - down < 0 && l.data_y0_ >= 0 ? 0.0 : l.data_y0_ - down, l.data_y1_ + up);
  apply_nice_axis(x_axis_, x);
  apply_nice_axis(y_axis_, y);
  l.set_ranges(x.min, x.max, y.min, y.max);
  l.ranged_ = true;
}

void CurveChart::flush() {
  if (!isVisible()) {  // a hidden chart only stores points
    pending_ = true;
    return;
  }
  pending_ = false;
  CurveLayer& l = *layer_;
  if (roles_dirty_) update_roles();
  apply_ranges(l.fit_pending_);
  l.fit_pending_ = false;
  update_series();
  if (others_ == Others::Band) {
    if (band_dirty_) update_band();
  } else if (band_area_) {
    chart()->removeSeries(band_area_);
    chart()->removeSeries(band_median_);
    delete band_area_;
    delete band_median_;
    band_area_ = nullptr;
    band_median_ = nullptr;
    band_ = {};
  }
  const auto running = running_trials();
  const int full = static_cast<int>(l.curves_.size()) - background_trials();
  summary_->setText(tr("%1 in full, %2 %3").arg(full).arg(background_trials()).arg(others_ == Others::Band ? tr("in the band") : tr("faded")));
  summary_->setToolTip(tr("%1 trials; in full: the %2 best%3 and %4 more running; %5 others %6")
                           .arg(l.curves_.size())
                           .arg(ranked_.size())
                           .arg(l.selected_ && l.curves_.count(*l.selected_) ? tr(", the selected one") : QString())
                           .arg(running.size())
                           .arg(background_trials())
                           .arg(others_ == Others::Band ? tr("as a median and 10–90 % band") : tr("as faded lines")));
  l.update();
}

void CurveChart::fit() {
  layer_->fit_pending_ = true;
  flush();
}

bool CurveChart::has_data() const { return layer_->have_data_; }
int CurveChart::series_count() const { return static_cast<int>(layer_->curves_.size()); }
int CurveChart::full_redraws() const { return layer_->full_redraws_; }

int CurveChart::drawn_points(int64_t trial) const {
  if (auto s = series_.find(trial); s != series_.end()) return static_cast<int>(s->second->count());
  auto it = layer_->curves_.find(trial);
  return it == layer_->curves_.end() ? -1 : it->second.drawn_points;
}

std::vector<int64_t> CurveChart::best_trials() const { return ranked_; }

std::vector<int64_t> CurveChart::running_trials() const {
  std::vector<int64_t> out;
  for (const auto& [id, c] : layer_->curves_) {
    if (c.role == CurveLayer::Role::Live) out.push_back(id);
  }
  return out;
}

std::vector<int64_t> CurveChart::full_trials() const {
  std::vector<int64_t> out;
  for (const auto& [id, c] : layer_->curves_) {
    if (c.role != CurveLayer::Role::Background) out.push_back(id);
  }
  return out;
}

int CurveChart::background_trials() const {
  int n = 0;
  for (const auto& [id, c] : layer_->curves_) n += c.role == CurveLayer::Role::Background ? 1 : 0;
  return n;
}

QString CurveChart::describe(int64_t trial) const {
  auto it = layer_->curves_.find(trial);
  if (it == layer_->curves_.end()) return {};
  const auto& c = it->second;
  QStringList roles;
  const auto rank = std::find(ranked_.begin(), ranked_.end(), trial);
  if (rank != ranked_.end()) roles << tr("best #%1").arg(rank - ranked_.begin() + 1);
  if (layer_->selected_ == trial) roles << tr("selected");
  roles << (c.finished ? tr("finished") : tr("running"));
  QString text = tr("trial %1 (%2)").arg(trial).arg(roles.join(QStringLiteral(", ")));
  if (!c.label.isEmpty()) text += QLatin1Char('\n') + c.label;
  if (!c.xs.empty()) {
    text += tr("\nlast: %1 at %2 (%3 points)").arg(c.ys.back(), 0, 'g', 5).arg(c.xs.back(), 0, 'g', 6).arg(c.xs.size());
  }
  if (c.score) text += tr("\nscore: %1").arg(*c.score, 0, 'g', 5);
  return text;
}

}  // namespace tunelab::ui
