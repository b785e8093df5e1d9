#include "ui/charts/chart_panel.h"

#include <QChart>
#include <QChartView>
#include <QCoreApplication>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QPainter>
#include <QScopeGuard>
#include <QVBoxLayout>
#include <QAbstractAxis>
#include <QAbstractSeries>
#include <QValueAxis>

#include <algorithm>
#include <array>
#include <cmath>

#include "core/util/nice_axis.h"

#ifdef TUNELAB_HAVE_SVG
#include <QSvgGenerator>
#endif

namespace tunelab::ui {

ChartPanel::ChartPanel(QWidget* parent) : QWidget(parent), chart_(new QChart), view_(new QChartView(chart_)) {
  view_->setRenderHint(QPainter::Antialiasing);
  chart_->legend()->hide();
  chart_->setMargins(QMargins(4, 4, 4, 4));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(view_);
}

ChartPanel::~ChartPanel() = default;

void ChartPanel::set_title(const QString& title) { chart_->setTitle(title); }

void ChartPanel::clear_chart() {
  chart_->removeAllSeries();
  for (QAbstractAxis* a : chart_->axes()) {
    chart_->removeAxis(a);
    delete a;
  }
}

void ChartPanel::set_axis(QAbstractAxis* axis, Qt::Alignment side) {
  for (QAbstractAxis* a : chart_->axes(side == Qt::AlignBottom ? Qt::Horizontal : Qt::Vertical)) {
    chart_->removeAxis(a);
    delete a;
  }
  chart_->addAxis(axis, side);
  for (QAbstractSeries* s : chart_->series()) s->attachAxis(axis);
}

QString ChartPanel::save_image(const QString& path, QSize size) {
  if (size.isEmpty()) size = this->size();
  if (size.isEmpty()) size = QSize(800, 500);
  // A chart on screen gets its size back once drawn, and so does the panel (its view sizes the chart only when
  // the view itself is resized).
  const auto restore = qScopeGuard([this, panel = this->size(), shown = chart_->size()] {
    resize(panel);
    chart_->resize(shown);
  });
  resize(size);
  view_->resize(size);
  chart_->resize(size);
  // Lay out what changed since the last event loop turn (legend, axes) before drawing. The panel's own layout
  // may then have given the view less than `size` (a parent's controls take their share), so the chart is set
  // to the image's size again and its scene, not the view, is drawn: the image is all chart.
  QCoreApplication::sendPostedEvents();
  chart_->resize(size);
  QCoreApplication::sendPostedEvents();
  const QRectF source(chart_->pos(), QSizeF(size));
  const QString ext = QFileInfo(path).suffix().toLower();
  if (ext == QStringLiteral("svg")) {
#ifdef TUNELAB_HAVE_SVG
    QSvgGenerator svg;
    svg.setFileName(path);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(chart_->title());
    QPainter p;
    if (!p.begin(&svg)) return tr("cannot write %1").arg(path);
    chart_->scene()->render(&p, QRectF(QPoint(0, 0), size), source);
    p.end();
    return {};
#else
    return tr("this build cannot write SVG (Qt Svg was not found)");
#endif
  }
  if (ext != QStringLiteral("png") && ext != QStringLiteral("jpg")) return tr("the file must end in .png or .svg");
  QImage image(size, QImage::Format_ARGB32);
  image.fill(palette().color(QPalette::Window));
  QPainter p(&image);
  p.setRenderHint(QPainter::Antialiasing);
  chart_->scene()->render(&p, QRectF(QPoint(0, 0), size), source);
  p.end();
  if (!image.save(path)) return tr("cannot write %1").arg(path);
  return {};
}

void apply_nice_axis(QValueAxis* axis, const NiceAxis& nice, const QString& unit) {
  // Ticks first: a range change lays the axis out at once, a tick change only later (Qt 6.4).
  axis->setTickType(QValueAxis::TicksDynamic);
  axis->setTickAnchor(nice.ticks.empty() ? 0.0 : nice.ticks.front());
  axis->setTickInterval(nice.step);
  axis->setMinorTickCount(0);
  const double mag = std::max(std::abs(nice.min), std::abs(nice.max));
  const QString number = mag >= 1e7 || (nice.step < 1e-5 && mag < 1e-3) ? QStringLiteral("%g")
                                                                        : QStringLiteral("%.%1f").arg(nice.decimals);
  axis->setLabelFormat(number + QString(unit).replace(QLatin1Char('%'), QStringLiteral("%%")));
  axis->setRange(nice.min, nice.max);
}

QColor color_map(double t) {
  static const std::array<QColor, 5> stops = {QColor(68, 1, 84), QColor(59, 82, 139), QColor(33, 145, 140),
                                              QColor(94, 201, 98), QColor(253, 231, 37)};
  t = std::clamp(t, 0.0, 1.0) * (stops.size() - 1);
  const size_t i = std::min(static_cast<size_t>(t), stops.size() - 2);
  const double f = t - static_cast<double>(i);
  auto mix = [f](int a, int b) { return static_cast<int>(a + (b - a) * f); };
  return QColor(mix(stops[i].red(), stops[i + 1].red()), mix(stops[i].green(), stops[i + 1].green()),
                mix(stops[i].blue(), stops[i + 1].blue()));
}

}  // namespace tunelab::ui
