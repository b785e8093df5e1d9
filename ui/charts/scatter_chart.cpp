#include "ui/charts/scatter_chart.h"

#include <QChart>
#include <QLegend>
#include <QLegendMarker>
#include <QLogValueAxis>
#include <QScatterSeries>
#include <QToolTip>
#include <QValueAxis>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/util/nice_axis.h"

namespace tunelab::ui {

QAbstractAxis* make_value_axis(const ChartColumn& column, const std::vector<double>& values, bool* is_log) {
  const bool positive = std::all_of(values.begin(), values.end(), [](double v) { return v > 0; });
  if (is_log) *is_log = column.log && positive;
  if (column.log && positive && !values.empty()) {
    const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
    // A small margin in decades (so that points at a decade are not cut in half); the ticks stay on
    // the decades inside the range.
    const double l0 = std::log10(*lo), l1 = std::log10(*hi);
    const double pad = std::max(0.05, (l1 - l0) * 0.04);
    auto* a = new QLogValueAxis;
    a->setBase(10);
    a->setLabelFormat(QStringLiteral("%g"));
    a->setTitleText(QString::fromStdString(column.name) + QStringLiteral(" (log)"));
    a->setRange(std::pow(10.0, l0 - pad), std::pow(10.0, l1 + pad));
    a->setMinorTickCount(8);
    return a;
  }
  auto* a = new QValueAxis;
  a->setTitleText(QString::fromStdString(column.name));
  apply_nice_axis(a, nice_axis_of(values));
  return a;
}

QAbstractAxis* make_sequence_axis(const std::string& title, const std::vector<double>& values) {
  auto* a = new QValueAxis;
  a->setTitleText(QString::fromStdString(title));
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  if (values.empty() || !std::isfinite(*lo) || !std::isfinite(*hi) || !(*hi > *lo)) {
    apply_nice_axis(a, nice_axis_of(values));
    return a;
  }
  NiceAxisOptions o;
  o.exact_max = true;
  apply_nice_axis(a, nice_axis(*lo, *hi + 0.02 * (*hi - *lo), o));
  return a;
}

ScatterData value_at_iteration(const ScatterData& data, const std::vector<CurveData>& x_curves,
                               const std::vector<CurveData>& y_curves, double n) {
  // The value at n of each trial that reached n.
  auto at = [n](const std::vector<CurveData>& curves) {
    std::map<int64_t, double> out;
    for (const auto& c : curves) {
      std::optional<double> v;
      bool reached = false;
      for (size_t i = 0; i < c.xs.size() && i < c.ys.size(); ++i) {
        if (c.xs[i] >= n) reached = true;
        if (c.xs[i] <= n && std::isfinite(c.ys[i])) v = c.ys[i];
      }
      if (reached && v) out[c.trial_id] = *v;
    }
    return out;
  };
  const bool x_metric = !data.x.is_param, y_metric = !data.y.is_param;
  const auto xs = at(x_curves), ys = at(y_curves);
  ScatterData out = data;
  out.trial_ids.clear();
  out.xs.clear();
  out.ys.clear();
  out.colors.clear();
  for (size_t i = 0; i < data.trial_ids.size(); ++i) {
    const int64_t id = data.trial_ids[i];
    auto xi = xs.find(id);
    auto yi = ys.find(id);
    if ((x_metric && xi == xs.end()) || (y_metric && yi == ys.end())) continue;
    out.trial_ids.push_back(id);
    out.xs.push_back(x_metric ? xi->second : data.xs[i]);
    out.ys.push_back(y_metric ? yi->second : data.ys[i]);
    if (!data.colors.empty()) out.colors.push_back(data.colors[i]);
  }
  return out;
}

ScatterChart::ScatterChart(QWidget* parent) : ChartPanel(parent) {}

void ScatterChart::set_data(const ScatterData& input) {
  set_data(input, StudySummary{}, Colour::Status);
}

QScatterSeries* ScatterChart::add_points(const QString& name, const std::vector<size_t>& rows, const QColor& color) {
  auto* s = new QScatterSeries;
  s->setName(name);
  s->setMarkerSize(8);
  s->setBorderColor(Qt::transparent);
  s->setColor(color);
  QList<QPointF> pts;
  std::vector<int64_t> ids;
  for (size_t i : rows) {
    pts.append(QPointF(data_.xs[i], data_.ys[i]));
    ids.push_back(data_.trial_ids[i]);
    colors_[data_.trial_ids[i]] = color;
  }
  s->append(pts);
  chart()->addSeries(s);
  groups_.emplace_back(name, std::move(ids));
  connect(s, &QScatterSeries::hovered, this, [this](const QPointF& p, bool state) {
    if (!state) return QToolTip::hideText();
    if (auto i = nearest(p)) QToolTip::showText(QCursor::pos(), tooltip(*i), this);
  });
  connect(s, &QScatterSeries::clicked, this, [this](const QPointF& p) {
    if (auto i = nearest(p)) emit trial_clicked(data_.trial_ids[*i]);
  });
  return s;
}

void ScatterChart::set_data(const ScatterData& input, const StudySummary& study, Colour by, const QString& note) {
  data_ = input;
  clear_chart();
  info_.clear();
  groups_.clear();
  colors_.clear();
  marked_best_.reset();
  for (const auto& t : study.trials) {
    Info info;
    info.iterations = t.iterations;
    switch (t.rec.status) {
      case TrialStatus::Completed: info.status = tr("completed"); break;
      case TrialStatus::Stopped: info.status = tr("stopped early"); break;
      case TrialStatus::Error: info.status = tr("errored"); break;
      default: info.status = tr("not finished"); break;
    }
    QStringList parts;
    if (t.rec.config.is_object()) {
      for (auto it = t.rec.config.begin(); it != t.rec.config.end(); ++it) {
        parts << QString::fromStdString(it.key()) + QLatin1Char('=') +
                     (it.value().is_number_float() ? QString::number(it.value().get<double>(), 'g', 4)
                                                   : QString::fromStdString(dump_compact(it.value())));
      }
    }
    info.config = parts.join(QStringLiteral(", "));
    info_[t.rec.id] = info;
  }
  const QString axes = tr("%1 vs %2").arg(QString::fromStdString(data_.y.name), QString::fromStdString(data_.x.name));
  QString title = axes;
  std::vector<size_t> all(data_.xs.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  if (!data_.colors.empty()) {
    // A colour column: a colour map over its range.
    QScatterSeries* points = add_points(QString::fromStdString(data_.color->name), all, QColor(40, 110, 200, 200));
    const auto [lo, hi] = std::minmax_element(data_.colors.begin(), data_.colors.end());
    const double span = *hi - *lo;
    for (size_t i = 0; i < data_.colors.size(); ++i) {
      const double t = span > 0 ? (data_.colors[i] - *lo) / span : 0.5;
      points->setPointConfiguration(static_cast<int>(i), QXYSeries::PointConfiguration::Color, color_map(t));
      colors_[data_.trial_ids[i]] = color_map(t);
    }
    title = tr("%1, colour: %2 (%3 .. %4)")
                .arg(axes, QString::fromStdString(data_.color->name))
                .arg(*lo, 0, 'g', 3)
                .arg(*hi, 0, 'g', 3);
  } else if (info_.empty()) {
    add_points(tr("trials"), all, QColor(40, 110, 200, 200));
  } else if (by == Colour::Status) {
    // Completed, stopped early, errored, not finished: a trial stopped at epoch 2 next to one trained
    // for 20 epochs does not pass for its equal.
    const std::pair<QString, QColor> kinds[] = {{tr("completed"), QColor(40, 110, 200, 210)},
                                                {tr("stopped early"), QColor(240, 150, 40, 210)},
                                                {tr("errored"), QColor(200, 30, 30, 230)},
                                                {tr("not finished"), QColor(140, 140, 140, 200)}};
    for (const auto& [name, color] : kinds) {
      std::vector<size_t> rows;
      for (size_t i : all) {
        auto it = info_.find(data_.trial_ids[i]);
        if (it != info_.end() && it->second.status == name) rows.push_back(i);
      }
      if (!rows.empty()) add_points(QStringLiteral("%1 (%2)").arg(name).arg(rows.size()), rows, color);
    }
    title = tr("%1, colour: status").arg(axes);
  } else {
    // By the iterations each trial reached: one legend entry per value when there are few (the rungs
    // of a successive-halving scheduler), else a colour map over the range.
    std::map<int64_t, std::vector<size_t>> by_iter;
    for (size_t i : all) {
      auto it = info_.find(data_.trial_ids[i]);
      by_iter[it == info_.end() ? 0 : it->second.iterations].push_back(i);
    }
    const double lo = static_cast<double>(by_iter.begin()->first), hi = static_cast<double>(by_iter.rbegin()->first);
    auto color_of = [&](int64_t n) { return hi > lo ? color_map((static_cast<double>(n) - lo) / (hi - lo)) : color_map(0.5); };
    if (by_iter.size() <= 8) {
      for (const auto& [n, rows] : by_iter) {
        add_points(tr("%1 iterations (%2)").arg(n).arg(rows.size()), rows, color_of(n));
      }
    } else {
      QScatterSeries* points = add_points(tr("iterations reached"), all, QColor(40, 110, 200, 200));
      for (size_t i : all) {
        const auto it = info_.find(data_.trial_ids[i]);
        const QColor c = color_of(it == info_.end() ? 0 : it->second.iterations);
        points->setPointConfiguration(static_cast<int>(i), QXYSeries::PointConfiguration::Color, c);
        colors_[data_.trial_ids[i]] = c;
      }
    }
    title = tr("%1, colour: iterations reached (%2 .. %3)").arg(axes).arg(lo).arg(hi);
  }
  if (study.best_trial) {
    for (size_t i : all) {
      if (data_.trial_ids[i] != *study.best_trial) continue;
      auto* best = new QScatterSeries;
      best->setName(tr("best: trial %1").arg(*study.best_trial));
      best->setMarkerShape(QScatterSeries::MarkerShapeStar);
      best->setMarkerSize(22);
      best->setColor(QColor(255, 200, 0));
      best->setBorderColor(QColor(120, 80, 0));
      best->append(data_.xs[i], data_.ys[i]);
      chart()->addSeries(best);
      connect(best, &QScatterSeries::hovered, this, [this, i](const QPointF&, bool state) {
        if (!state) return QToolTip::hideText();
        QToolTip::showText(QCursor::pos(), tooltip(i), this);
      });
      marked_best_ = *study.best_trial;
      break;
    }
  }
  selected_ = new QScatterSeries;
  selected_->setMarkerSize(15);
  selected_->setColor(Qt::transparent);
  selected_->setBorderColor(QColor(230, 60, 20));
  QPen pen(QColor(230, 60, 20));
  pen.setWidth(3);
  selected_->setPen(pen);
  chart()->addSeries(selected_);
  chart()->legend()->setVisible(groups_.size() > 1 || marked_best_);
  chart()->legend()->setAlignment(Qt::AlignBottom);
  if (auto markers = chart()->legend()->markers(selected_); !markers.isEmpty()) markers.first()->setVisible(false);
  set_title(note.isEmpty() ? title : title + QStringLiteral("; ") + note);
  set_axis(make_value_axis(data_.x, data_.xs, &x_log_), Qt::AlignBottom);
  set_axis(make_value_axis(data_.y, data_.ys), Qt::AlignLeft);
}

QString ScatterChart::tooltip(size_t i) const {
  const int64_t id = data_.trial_ids[i];
  QString text = tr("trial %1").arg(id);
  if (marked_best_ == id) text += tr(" (the best)");
  if (auto it = info_.find(id); it != info_.end()) {
    text += tr("\n%1 after %2 iterations").arg(it->second.status).arg(it->second.iterations);
  }
  text += QStringLiteral("\n%1 = %2\n%3 = %4")
              .arg(QString::fromStdString(data_.x.name))
              .arg(data_.xs[i], 0, 'g', 5)
              .arg(QString::fromStdString(data_.y.name))
              .arg(data_.ys[i], 0, 'g', 5);
  if (!data_.colors.empty()) {
    text += QStringLiteral("\n%1 = %2").arg(QString::fromStdString(data_.color->name)).arg(data_.colors[i], 0, 'g', 5);
  }
  if (auto it = info_.find(id); it != info_.end() && !it->second.config.isEmpty()) text += QLatin1Char('\n') + it->second.config;
  return text;
}

std::vector<std::pair<QString, std::vector<int64_t>>> ScatterChart::groups() const { return groups_; }

QColor ScatterChart::point_color(int64_t trial) const {
  auto it = colors_.find(trial);
  return it == colors_.end() ? QColor() : it->second;
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
