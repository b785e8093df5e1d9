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
  QSize size{1000, 600};
  QString out;                               // .png or .svg
};

// Draws `req` for the study in `store` into req.out. Returns an error text, empty on success.
QString render_plot(const Store& store, const StudySummary& summary, const PlotRequest& req);

// The kinds render_plot knows.
QStringList plot_kinds();

}  // namespace tunelab::ui
