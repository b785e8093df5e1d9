#include "ui/charts/plot_renderer.h"

#include <QStringList>

#include <map>

#include "core/analysis/chart_data.h"
#include "ui/charts/curve_chart.h"
#include "ui/charts/scatter_chart.h"
#include "ui/charts/study_charts.h"

namespace tunelab::ui {

namespace {

// The first parameter and the objective, when the user names no columns.
QString default_x(const StudySummary& s) {
  for (const auto& c : chart_columns(s)) {
    if (c.is_param && c.numeric) return QString::fromStdString(c.name);
  }
  for (const auto& c : chart_columns(s)) {
    if (c.is_param) return QString::fromStdString(c.name);
  }
  return {};
}

Sense sense_for(const StudySummary& s, const QString& column, const QString& mode) {
  if (mode == QStringLiteral("min")) return Sense::Minimize;
  if (mode == QStringLiteral("max")) return Sense::Maximize;
  if (column.toStdString() == s.objective.metric) return s.objective.maximize ? Sense::Maximize : Sense::Minimize;
  return Sense::Maximize;
}

}  // namespace

QStringList plot_kinds() {
  return {QStringLiteral("curves"), QStringLiteral("scatter"), QStringLiteral("pareto"), QStringLiteral("history"),
          QStringLiteral("importance")};
}

QString render_plot(const Store& store, const StudySummary& s, const PlotRequest& req) {
  const QString objective = QString::fromStdString(s.objective.metric);
  QString y = req.y.isEmpty() ? objective : req.y;
  if (req.x_mode.size() && req.x_mode != QStringLiteral("min") && req.x_mode != QStringLiteral("max")) {
    return QStringLiteral("--x-mode must be min or max");
  }
  if (req.y_mode.size() && req.y_mode != QStringLiteral("min") && req.y_mode != QStringLiteral("max")) {
    return QStringLiteral("--y-mode must be min or max");
  }
  std::unique_ptr<ChartPanel> panel;
  if (req.kind == QStringLiteral("curves")) {
    auto curves = curve_data(store, s, y.toStdString(), req.by_time);
    if (!curves) return QString::fromStdString(curves.error_text());
    if (req.others != QStringLiteral("faded") && req.others != QStringLiteral("band")) {
      return QStringLiteral("--others must be faded or band");
    }
    if (req.best < 0 || req.best > 100) return QStringLiteral("--best must be a whole number from 0 to 100");
    auto chart = std::make_unique<CurveChart>();
    chart->resize(req.size);
    chart->show();  // offscreen: draws nothing on a screen, but lets the chart flush
    chart->set_axis_titles(req.by_time ? QStringLiteral("time_total_s") : QStringLiteral("training_iteration"), y);
    chart->set_maximize(y.toStdString() == s.objective.metric ? s.objective.maximize : true);
    chart->set_best_count(req.best);
    chart->set_others(req.others == QStringLiteral("band") ? CurveChart::Others::Band : CurveChart::Others::Faded);
    std::map<int64_t, const TrialSummary*> trials;
    for (const auto& t : s.trials) trials[t.rec.id] = &t;
    for (const auto& c : *curves) {
      chart->append(c.trial_id, c.xs, c.ys);
      chart->set_finished(c.trial_id, is_finished(c.status));
      // Ranked by the objective when the curves show it, else by their own best value.
      auto t = trials.find(c.trial_id);
      if (t != trials.end() && y.toStdString() == s.objective.metric) chart->set_score(c.trial_id, t->second->best_value);
    }
    chart->set_best(y.toStdString() == s.objective.metric ? s.best_trial : std::nullopt);
    chart->set_title(QStringLiteral("Learning curves: %1").arg(y));
    chart->fit();
    panel = std::move(chart);
  } else if (req.kind == QStringLiteral("scatter")) {
    const QString x = req.x.isEmpty() ? default_x(s) : req.x;
    if (req.color_by != QStringLiteral("status") && req.color_by != QStringLiteral("iterations")) {
      return QStringLiteral("--color-by must be status or iterations");
    }
    if (req.at_iteration < 0) return QStringLiteral("--at-iteration must be a positive whole number");
    auto data = scatter_data(s, x.toStdString(), y.toStdString(), req.color.toStdString());
    if (!data) return QString::fromStdString(data.error_text());
    QString note;
    if (req.at_iteration > 0) {
      std::vector<CurveData> xc, yc;
      for (auto [column, out] : {std::pair(&data->x, &xc), std::pair(&data->y, &yc)}) {
        if (column->is_param) continue;
        auto c = curve_data(store, s, column->name);
        if (!c) return QString::fromStdString(c.error_text());
        *out = std::move(*c);
      }
      const size_t all = data->trial_ids.size();
      *data = value_at_iteration(*data, xc, yc, req.at_iteration);
      note = QStringLiteral("value at iteration %1: %2 of %3 trials reached it").arg(req.at_iteration).arg(data->trial_ids.size()).arg(all);
    }
    auto chart = std::make_unique<ScatterChart>();
    chart->set_data(*data, s, req.color_by == QStringLiteral("iterations") ? ScatterChart::Colour::Iterations
                                                                          : ScatterChart::Colour::Status, note);
    panel = std::move(chart);
  } else if (req.kind == QStringLiteral("pareto")) {
    QString x = req.x;
    if (x.isEmpty()) {
      for (const auto& c : chart_columns(s)) {
        if (!c.is_param && QString::fromStdString(c.name) != y) {
          x = QString::fromStdString(c.name);
          break;
        }
      }
    }
    if (x.isEmpty()) {
      return QStringLiteral("a Pareto plot needs a second metric besides %1, and the trials reported none: give --x M").arg(y);
    }
    auto data = pareto_data(s, x.toStdString(), sense_for(s, x, req.x_mode), y.toStdString(),
                            sense_for(s, y, req.y_mode));
    if (!data) return QString::fromStdString(data.error_text());
    auto chart = std::make_unique<ParetoChart>();
    chart->set_data(*data);
    panel = std::move(chart);
  } else if (req.kind == QStringLiteral("history")) {
    auto chart = std::make_unique<HistoryChart>();
    chart->set_data(history_data(s, req.by_time), objective);
    panel = std::move(chart);
  } else if (req.kind == QStringLiteral("importance")) {
    auto imp = importance_data(s);
    if (!imp) return QString::fromStdString(imp.error_text());
    auto chart = std::make_unique<ImportanceChart>();
    chart->set_data(*imp);
    panel = std::move(chart);
  } else {
    return QStringLiteral("unknown kind \"%1\" (expected %2)").arg(req.kind, plot_kinds().join(QStringLiteral(", ")));
  }
  if (!panel->has_data()) return QStringLiteral("nothing to plot: no trial has values for this chart yet");
  return panel->save_image(req.out, req.size);
}

}  // namespace tunelab::ui
