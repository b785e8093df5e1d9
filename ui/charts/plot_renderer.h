#pragma once
// Renders one chart of a stored study to an image file, with the same chart widgets the workbench
// shows: `tunelab plot` and the GUI's export use it. Needs a QApplication (offscreen is fine).
#include <QSize>
#include <QString>

#include "core/analysis/summary.h"

namespace tunelab::ui {

struct PlotRequest {
  QString kind = QStringLiteral("scatter");  // curves | scatter | pareto | history | importance
  QString x, y, color;                       // column names; empty: a sensible default
  QString x_mode, y_mode;                    // pareto: "min" or "max" (default: the objective's mode, else max)
  bool by_time = false;                      // curves, history: x is time
  QString others = QStringLiteral("faded");   // curves: the trials not drawn in full, "faded" or "band"
  int best = 10;                             // curves: how many of the best trials are drawn in full
  int at_iteration = 0;                      // scatter: metric values at this iteration (0: each trial's best)
  QString color_by = QStringLiteral("status");  // scatter without --color: "status" or "iterations"
  QSize size{1000, 600};
  QString out;                               // .png or .svg
};

// Draws `req` for the study in `store` into req.out. Returns an error text, empty on success.
QString render_plot(const Store& store, const StudySummary& summary, const PlotRequest& req);

// The kinds render_plot knows.
QStringList plot_kinds();

}  // namespace tunelab::ui
