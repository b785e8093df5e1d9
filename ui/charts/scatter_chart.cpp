#include "ui/charts/scatter_chart.h"

#include <QChart>
#include <QLogValueAxis>
#include <QScatterSeries>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>
#include <cmath>

namespace tunelab::ui {

QAbstractAxis* make_value_axis(const ChartColumn& column, const std::vector<double>& values, bool* is_log) {
  const bool positive = std::all_of(values.begin(), values.end(), [](double v) { return v > 0; });
  const auto [lo, hi] = values.empty() ? std::pair(0.0, 1.0)
                                       : std::pair(*std::min_element(values.begin(), values.end()),
                                                   *std::max_element(values.begin(), values.end()));
  if (is_log) *is_log = column.log && positive;
  if (column.log && positive) {
    auto* a = new QLogValueAxis;
    a->setBase(10);
    a->setLabelFormat(QStringLiteral("%g"));
    a->setTitleText(QString::fromStdString(column.name) + QStringLiteral(" (log)"));
    a->setRange(lo / 1.3, hi * 1.3);
    a->setMinorTickCount(8);
    return a;
  }
  auto* a = new QValueAxis;
  a->setLabelFormat(QStringLiteral("%g"));
  a->setTitleText(QString::fromStdString(column.name));
  const double pad = hi > lo ? (hi - lo) * 0.05 : 0.5;
  a->setRange(lo - pad, hi + pad);
  return a;
}

ScatterChart::ScatterChart(QWidget* parent) : ChartPanel(parent) {}

void ScatterChart::set_data(const ScatterData& input) {
  data_ = input;
  clear_chart();
  points_ = new QScatterSeries;
  points_->setMarkerSize(8);
  points_->setBorderColor(Qt::transparent);
  points_->setColor(QColor(40, 110, 200, 200));
  QList<QPointF> pts;
  for (size_t i = 0; i < data_.xs.size(); ++i) pts.append(QPointF(data_.xs[i], data_.ys[i]));
  points_->append(pts);
  selected_ = new QScatterSeries;
  selected_->setMarkerSize(15);
  selected_->setColor(Qt::transparent);
  selected_->setBorderColor(QColor(230, 60, 20));
  QPen pen(QColor(230, 60, 20));
  pen.setWidth(3);
  selected_->setPen(pen);
  chart()->addSeries(points_);
  chart()->addSeries(selected_);
  if (!data_.colors.empty()) {
    const auto [lo, hi] = std::minmax_element(data_.colors.begin(), data_.colors.end());
    const double span = *hi - *lo;
    for (size_t i = 0; i < data_.colors.size(); ++i) {
      const double t = span > 0 ? (data_.colors[i] - *lo) / span : 0.5;
      points_->setPointConfiguration(static_cast<int>(i), QXYSeries::PointConfiguration::Color, color_map(t));
    }
    set_title(tr("%1 vs %2, colour: %3 (%4 .. %5)")
                  .arg(QString::fromStdString(data_.y.name), QString::fromStdString(data_.x.name),
                       QString::fromStdString(data_.color->name))
                  .arg(*lo, 0, 'g', 3)
                  .arg(*hi, 0, 'g', 3));
  } else {
    set_title(tr("%1 vs %2").arg(QString::fromStdString(data_.y.name), QString::fromStdString(data_.x.name)));
  }
  set_axis(make_value_axis(data_.x, data_.xs, &x_log_), Qt::AlignBottom);
  set_axis(make_value_axis(data_.y, data_.ys), Qt::AlignLeft);
  connect(points_, &QScatterSeries::hovered, this, [this](const QPointF& p, bool state) {
    if (!state) return QToolTip::hideText();
    if (auto i = nearest(p)) {
      QString text = tr("trial %1\n%2 = %3\n%4 = %5")
                         .arg(data_.trial_ids[*i])
                         .arg(QString::fromStdString(data_.x.name))
                         .arg(data_.xs[*i], 0, 'g', 5)
                         .arg(QString::fromStdString(data_.y.name))
                         .arg(data_.ys[*i], 0, 'g', 5);
      if (!data_.colors.empty()) {
        text += QStringLiteral("\n%1 = %2").arg(QString::fromStdString(data_.color->name)).arg(data_.colors[*i], 0, 'g', 5);
      }
      QToolTip::showText(QCursor::pos(), text, this);
    }
  });
  connect(points_, &QScatterSeries::clicked, this, [this](const QPointF& p) {
    if (auto i = nearest(p)) emit trial_clicked(data_.trial_ids[*i]);
  });
}

std::optional<size_t> ScatterChart::nearest(QPointF value) const {
  std::optional<size_t> best;
  double best_d = 0;
  for (size_t i = 0; i < data_.xs.size(); ++i) {
    const double dx = x_log_ ? std::log10(data_.xs[i]) - std::log10(std::max(value.x(), 1e-300)) : data_.xs[i] - value.x();
    const double dy = data_.ys[i] - value.y();
    const double d = dx * dx + dy * dy;
    if (!best || d < best_d) {
      best = i;
      best_d = d;
    }
  }
  return best;
}

void ScatterChart::set_selected(std::optional<int64_t> trial) {
  if (!selected_) return;
  selected_->clear();
  if (!trial) return;
  for (size_t i = 0; i < data_.trial_ids.size(); ++i) {
    if (data_.trial_ids[i] == *trial) selected_->append(data_.xs[i], data_.ys[i]);
  }
}

}  // namespace tunelab::ui
