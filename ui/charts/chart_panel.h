#pragma once
// ChartPanel: the base of every chart widget. It hides the charting library (Qt Charts today; Qt
// Graphs later) behind a plain QWidget, and saves itself as PNG or SVG at any size.
#include <QWidget>

QT_BEGIN_NAMESPACE
class QChart;
class QChartView;
class QAbstractAxis;
class QValueAxis;
QT_END_NAMESPACE

namespace tunelab {
struct NiceAxis;
}

namespace tunelab::ui {

class ChartPanel : public QWidget {
  Q_OBJECT
 public:
  explicit ChartPanel(QWidget* parent = nullptr);
  ~ChartPanel() override;

  void set_title(const QString& title);
  // Writes the chart to `path` (.png or .svg, by extension) at `size` (the widget's size when empty).
  // Returns an error text, empty on success.
  QString save_image(const QString& path, QSize size = {});
  // Whether anything is drawn (a series with points).
  virtual bool has_data() const = 0;

 protected:
  QChart* chart() const { return chart_; }
  QChartView* view() const { return view_; }
  // Removes every series and axis.
  void clear_chart();
  // Replaces the axis on one side (Qt::AlignBottom or Qt::AlignLeft) and attaches it to every series.
  void set_axis(QAbstractAxis* axis, Qt::Alignment side);

 private:
  QChart* chart_;
  QChartView* view_;
};

// Puts a nice axis (core/util/nice_axis.h) on a QValueAxis: its range, ticks every `step` from a
// multiple of it, and labels with just the digits the step needs (followed by `unit`, e.g. " s").
void apply_nice_axis(QValueAxis* axis, const NiceAxis& nice, const QString& unit = {});

// Viridis-like colour for t in [0, 1].
QColor color_map(double t);

}  // namespace tunelab::ui
