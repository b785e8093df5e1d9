#include "ui/charts/study_charts.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QHorizontalBarSeries>
#include <QLegend>
#include <QLineSeries>
#include <QScatterSeries>
#include <QValueAxis>

#include "core/util/nice_axis.h"
#include "ui/charts/scatter_chart.h"

namespace tunelab::ui {

ParetoChart::ParetoChart(QWidget* parent) : ChartPanel(parent) {}

void ParetoChart::set_data(const ParetoData& input) {
  data_ = input;
  clear_chart();
  auto* dominated = new QScatterSeries;
  dominated->setName(tr("dominated"));
  dominated->setMarkerSize(7);
  dominated->setColor(QColor(120, 120, 120, 70));
  dominated->setBorderColor(Qt::transparent);
  auto* front = new QScatterSeries;
  front->setName(tr("Pareto front"));
  front->setMarkerSize(10);
  front->setColor(QColor(220, 80, 20));
  auto* line = new QLineSeries;
  QPen pen(QColor(220, 80, 20));
  pen.setWidthF(1.5);
  line->setPen(pen);
  for (size_t i = 0; i < data_.xs.size(); ++i) (data_.on_front[i] ? front : dominated)->append(data_.xs[i], data_.ys[i]);
  for (size_t i : data_.front) line->append(data_.xs[i], data_.ys[i]);
  chart()->addSeries(dominated);
  chart()->addSeries(line);
  chart()->addSeries(front);
  auto sense = [](Sense s) { return s == Sense::Maximize ? QStringLiteral("max") : QStringLiteral("min"); };
  set_title(tr("Pareto front: %1 (%2) vs %3 (%4), %5 of %6 trials on the front")
                .arg(QString::fromStdString(data_.y.name), sense(data_.y_sense), QString::fromStdString(data_.x.name),
                     sense(data_.x_sense))
                .arg(data_.front.size())
                .arg(data_.xs.size()));
  set_axis(make_value_axis(data_.x, data_.xs), Qt::AlignBottom);
  set_axis(make_value_axis(data_.y, data_.ys), Qt::AlignLeft);
}

HistoryChart::HistoryChart(QWidget* parent) : ChartPanel(parent) {}

void HistoryChart::set_data(const HistoryData& input, const QString& metric) {
  data_ = input;
  clear_chart();
  auto* values = new QScatterSeries;
  values->setMarkerSize(6);
  values->setColor(QColor(40, 110, 200, 150));
  values->setBorderColor(Qt::transparent);
  auto* best = new QLineSeries;
  QPen pen(QColor(220, 80, 20));
  pen.setWidthF(2);
  best->setPen(pen);
  for (size_t i = 0; i < data_.xs.size(); ++i) {
    values->append(data_.xs[i], data_.values[i]);
    if (i > 0) best->append(data_.xs[i], data_.best[i - 1]);  // a step: best so far holds until improved
    best->append(data_.xs[i], data_.best[i]);
  }
  chart()->addSeries(values);
  chart()->addSeries(best);
  set_title(tr("Optimisation history: %1 and the best so far").arg(metric));
  const ChartColumn y{metric.toStdString(), false, false, true};
  set_axis(make_sequence_axis(data_.by_time ? "seconds since the study started" : "trial", data_.xs), Qt::AlignBottom);
  set_axis(make_value_axis(y, data_.values), Qt::AlignLeft);
}

ImportanceChart::ImportanceChart(QWidget* parent) : ChartPanel(parent) {}

void ImportanceChart::set_data(const std::vector<ParamImportance>& input) {
  data_ = input;
  clear_chart();
  auto* set = new QBarSet(tr("importance"));
  set->setColor(QColor(40, 110, 200));
  QStringList names;
  // The bar chart draws its first category at the bottom: add the least important first.
  for (auto it = data_.rbegin(); it != data_.rend(); ++it) {
    *set << it->importance;
    names << QString::fromStdString(it->name);
  }
  auto* series = new QHorizontalBarSeries;
  series->append(set);
  series->setLabelsVisible(true);
  series->setLabelsFormat(QStringLiteral("@value"));
  series->setLabelsPrecision(2);
  chart()->addSeries(series);
  auto* cats = new QBarCategoryAxis;
  cats->append(names);
  set_axis(cats, Qt::AlignLeft);
  auto* values = new QValueAxis;
  apply_nice_axis(values, nice_axis(0, 1));
  values->setTitleText(tr("share of the objective's variance explained (omega squared, normalised)"));
  set_axis(values, Qt::AlignBottom);
  set_title(tr("Parameter importance"));
}

LoadChart::LoadChart(QWidget* parent) : ChartPanel(parent) {
  chart()->legend()->show();
  chart()->legend()->setAlignment(Qt::AlignTop);
  auto* cpu = new QLineSeries;
  cpu->setName(tr("CPU %"));
  auto* mem = new QLineSeries;
  mem->setName(tr("memory %"));
  chart()->addSeries(cpu);
  chart()->addSeries(mem);
  auto* x = new QValueAxis;
  apply_nice_axis(x, nice_axis(0, 10), QStringLiteral(" s"));
  auto* y = new QValueAxis;
  apply_nice_axis(y, nice_axis(0, 100));
  set_axis(x, Qt::AlignBottom);
  set_axis(y, Qt::AlignLeft);
}

void LoadChart::add_sample(double t_s, double cpu_percent, double memory_percent) {
  samples_.push_back({t_s, cpu_percent, memory_percent});
  while (samples_.size() > 300) samples_.pop_front();
  const auto series = chart()->series();
  auto* cpu = static_cast<QLineSeries*>(series.at(0));
  auto* mem = static_cast<QLineSeries*>(series.at(1));
  cpu->append(t_s, cpu_percent);
  mem->append(t_s, memory_percent);
  if (cpu->count() > 300) {
    cpu->removePoints(0, cpu->count() - 300);
    mem->removePoints(0, mem->count() - 300);
  }
  auto* x = static_cast<QValueAxis*>(chart()->axes(Qt::Horizontal).at(0));
  NiceAxisOptions window;  // the time window as it is, ticks inside it
  window.exact_min = window.exact_max = true;
  apply_nice_axis(x, nice_axis(samples_.front().t, std::max(samples_.back().t, samples_.front().t + 10), window),
                  QStringLiteral(" s"));
}

}  // namespace tunelab::ui
