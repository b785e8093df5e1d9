#include "ui/views/analyze_view.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QScopeGuard>
#include <QTabWidget>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

#include "core/analysis/chart_data.h"
#include "core/analysis/config_format.h"
#include "ui/charts/scatter_chart.h"
#include "ui/charts/study_charts.h"
#include "ui/views/parallel_coordinates.h"

namespace tunelab::ui {

AnalyzeView::AnalyzeView(QWidget* parent)
    : QWidget(parent),
      x_(new QComboBox),
      y_(new QComboBox),
      color_(new QComboBox),
      x_mode_(new QComboBox),
      y_mode_(new QComboBox),
      at_iteration_(new QSpinBox),
      status_(new QLabel),
      tabs_(new QTabWidget),
      scatter_(new ScatterChart),
      pareto_(new ParetoChart),
      history_(new HistoryChart),
      parallel_(new ParallelCoordinates),
      importance_(new ImportanceChart) {
  x_mode_->addItems({QStringLiteral("max"), QStringLiteral("min")});
  y_mode_->addItems({QStringLiteral("max"), QStringLiteral("min")});
  x_mode_->setToolTip(tr("Pareto: is a larger x better (max) or a smaller one (min)?"));
  y_mode_->setToolTip(tr("Pareto: is a larger y better (max) or a smaller one (min)?"));
  at_iteration_->setRange(0, 100000000);
  at_iteration_->setSpecialValueText(tr("best"));
  at_iteration_->setPrefix(tr("at iteration "));
  at_iteration_->setToolTip(tr("Scatter: each trial's metric at this iteration, for the trials that reached it "
                               "(\"best\": each trial's best result, however long it ran)"));
  color_->setToolTip(tr("Scatter: colour the points by status (completed, stopped early, errored), by the "
                        "iterations each trial reached, or by a column"));
  auto* copy = new QToolButton;
  copy->setText(tr("Copy best config"));
  copy->setPopupMode(QToolButton::InstantPopup);
  auto* menu = new QMenu(copy);
  menu->addAction(tr("as JSON"), this, [this] { copy_best(QStringLiteral("json")); });
  menu->addAction(tr("as a Python dict"), this, [this] { copy_best(QStringLiteral("python")); });
  menu->addAction(tr("as command-line arguments"), this, [this] { copy_best(QStringLiteral("cli")); });
  copy->setMenu(menu);
  auto* export_chart_button = new QPushButton(tr("Export chart…"));
  auto* export_csv_button = new QPushButton(tr("Export table…"));
  auto* bar = new QHBoxLayout;
  bar->addWidget(new QLabel(tr("x")));
  bar->addWidget(x_, 1);
  bar->addWidget(x_mode_);
  bar->addWidget(new QLabel(tr("y")));
  bar->addWidget(y_, 1);
  bar->addWidget(y_mode_);
  bar->addWidget(new QLabel(tr("colour")));
  bar->addWidget(color_, 1);
  bar->addWidget(at_iteration_);
  bar->addWidget(copy);
  bar->addWidget(export_chart_button);
  bar->addWidget(export_csv_button);
  tabs_->addTab(scatter_, tr("Scatter"));
  tabs_->addTab(pareto_, tr("Pareto front"));
  tabs_->addTab(history_, tr("History"));
  tabs_->addTab(parallel_, tr("Parallel coordinates"));
  tabs_->addTab(importance_, tr("Importance"));
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(bar);
  layout->addWidget(tabs_, 1);
  layout->addWidget(status_);
  timer_.setInterval(2000);
  connect(&timer_, &QTimer::timeout, this, [this] {
    const bool due = !since_refresh_.isValid() || since_refresh_.elapsed() >= refresh_interval_ms(refresh_cost_ms_);
    if (due && stamp() != last_stamp_) refresh();
  });
  for (QComboBox* b : {x_, y_, color_, x_mode_, y_mode_}) {
    connect(b, &QComboBox::currentIndexChanged, this, &AnalyzeView::redraw);
  }
  connect(at_iteration_, &QSpinBox::valueChanged, this, &AnalyzeView::redraw);
  connect(scatter_, &ScatterChart::trial_clicked, this, &AnalyzeView::trial_selected);
  connect(parallel_, &ParallelCoordinates::brushed, this, &AnalyzeView::brushed);
  connect(export_chart_button, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export chart"), QStringLiteral("chart.png"),
                                                      tr("Images (*.png *.svg)"));
    if (path.isEmpty()) return;
    const QString error = export_chart(path);
    if (!error.isEmpty()) QMessageBox::warning(this, tr("Export chart"), error);
  });
  connect(export_csv_button, &QPushButton::clicked, this, [this] {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export trial table"), QStringLiteral("trials.csv"),
                                                      tr("CSV (*.csv)"));
    if (path.isEmpty()) return;
    const QString error = export_table_csv(path);
    if (!error.isEmpty()) QMessageBox::warning(this, tr("Export trial table"), error);
  });
}

AnalyzeView::~AnalyzeView() = default;

qint64 AnalyzeView::stamp() const {
  const QFileInfo db(db_path_), wal(db_path_ + QStringLiteral("-wal"));
  return db.lastModified().toMSecsSinceEpoch() + (wal.exists() ? wal.lastModified().toMSecsSinceEpoch() + wal.size() : 0);
}

void AnalyzeView::set_database(const QString& db_path) {
  db_path_ = db_path;
  summary_.reset();
  last_stamp_ = -1;
  if (isVisible()) refresh();
}

qint64 AnalyzeView::refresh_interval_ms(qint64 last_refresh_cost_ms) {
  return std::clamp<qint64>(10 * last_refresh_cost_ms, 2000, 60000);
}

void AnalyzeView::refresh() {
  if (db_path_.isEmpty()) return;
  last_stamp_ = stamp();
  QElapsedTimer cost;
  cost.start();
  const auto measured = qScopeGuard([&] {
    refresh_cost_ms_ = cost.elapsed();
    since_refresh_.start();
  });
  auto store = Store::open(db_path_.toStdString(), Store::Mode::ReadOnly);
  if (!store) {
    status_->setText(QString::fromStdString(store.error_text()));
    return;
  }
  auto s = summarize(**store);
  if (!s) {
    status_->setText(QString::fromStdString(s.error_text()));
    return;
  }
  summary_ = std::move(*s);
  fill_columns();
  redraw();
}

void AnalyzeView::fill_columns() {
  const auto cols = chart_columns(*summary_);
  auto fill = [&](QComboBox* box, bool with_none, const QString& fallback) {
    const QString current = box->currentText();
    const QSignalBlocker block(box);
    box->clear();
    if (with_none) box->addItems({tr("(status)"), tr("(iterations reached)")});
    for (const auto& c : cols) box->addItem(QString::fromStdString(c.name));
    const int i = box->findText(current.isEmpty() ? fallback : current);
    box->setCurrentIndex(i >= 0 ? i : 0);
  };
  QString first_param, second_metric;
  for (const auto& c : cols) {
    if (c.is_param && c.numeric && first_param.isEmpty()) first_param = QString::fromStdString(c.name);
  }
  const QString objective = QString::fromStdString(summary_->objective.metric);
  fill(x_, false, first_param);
  fill(y_, false, objective);
  fill(color_, true, tr("(status)"));
  const QSignalBlocker block(y_mode_);
  y_mode_->setCurrentIndex(summary_->objective.maximize ? 0 : 1);
}

void AnalyzeView::redraw() {
  if (!summary_) return;
  const std::string x = x_->currentText().toStdString(), y = y_->currentText().toStdString();
  const std::string color = color_->currentIndex() > 1 ? color_->currentText().toStdString() : std::string();
  const auto by = color_->currentIndex() == 1 ? ScatterChart::Colour::Iterations : ScatterChart::Colour::Status;
  QStringList problems;
  if (auto d = scatter_data(*summary_, x, y, color)) {
    const int n = at_iteration_->value();
    QString note;
    if (n > 0 && (!d->x.is_param || !d->y.is_param)) {
      // Each metric axis at iteration n: read the curves of the axis's metric from the store.
      std::vector<CurveData> xc, yc;
      if (auto store = Store::open(db_path_.toStdString(), Store::Mode::ReadOnly)) {
        auto curves = [&](const ChartColumn& column, std::vector<CurveData>& out) {
          if (column.is_param) return;
          if (auto c = curve_data(**store, *summary_, column.name)) out = std::move(*c);
          else problems << QString::fromStdString(c.error_text());
        };
        curves(d->x, xc);
        curves(d->y, yc);
      } else {
        problems << QString::fromStdString(store.error_text());
      }
      const size_t all = d->trial_ids.size();
      *d = value_at_iteration(*d, xc, yc, n);
      note = tr("value at iteration %1: %2 of %3 trials reached it").arg(n).arg(d->trial_ids.size()).arg(all);
    }
    scatter_->set_data(*d, *summary_, by, note);
  } else {
    problems << QString::fromStdString(d.error_text());
  }
  auto sense = [](QComboBox* b) { return b->currentIndex() == 0 ? Sense::Maximize : Sense::Minimize; };
  if (auto d = pareto_data(*summary_, x, sense(x_mode_), y, sense(y_mode_))) pareto_->set_data(*d);
  else problems << QString::fromStdString(d.error_text());
  history_->set_data(history_data(*summary_), QString::fromStdString(summary_->objective.metric));
  parallel_->set_summary(*summary_);
  if (auto imp = importance_data(*summary_)) importance_->set_data(*imp);
  int with_values = 0;
  for (const auto& t : summary_->trials) with_values += t.best_value ? 1 : 0;
  status_->setText(problems.isEmpty()
                       ? tr("%1 trials, %2 with results. Importance: omega squared of the objective over binned "
                            "parameter values (docs/gui.md).")
                             .arg(summary_->trials.size())
                             .arg(with_values)
                       : problems.join(QStringLiteral("; ")));
}

void AnalyzeView::set_selected(std::optional<int64_t> trial) { scatter_->set_selected(trial); }

QString AnalyzeView::best_config_text(const QString& format) const {
  if (!summary_ || !summary_->best_trial) return {};
  for (const auto& t : summary_->trials) {
    if (t.rec.id != *summary_->best_trial) continue;
    if (format == QStringLiteral("python")) return QString::fromStdString(config_as_python(t.rec.config));
    if (format == QStringLiteral("cli")) return QString::fromStdString(config_as_cli_args(t.rec.config));
    return QString::fromStdString(config_as_json(t.rec.config));
  }
  return {};
}

void AnalyzeView::copy_best(const QString& format) {
  const QString text = best_config_text(format);
  if (text.isEmpty()) {
    status_->setText(tr("No best trial yet."));
    return;
  }
  QApplication::clipboard()->setText(text);
  status_->setText(tr("Copied the best trial's config (%1).").arg(format));
}

QString AnalyzeView::export_chart(const QString& path, QSize size) {
  QWidget* w = tabs_->currentWidget();
  if (auto* chart = qobject_cast<ChartPanel*>(w)) return chart->save_image(path, size);
  // Parallel coordinates: a plain widget.
  if (QFileInfo(path).suffix().toLower() != QStringLiteral("png")) return tr("parallel coordinates export as PNG");
  return w->grab().save(path) ? QString() : tr("cannot write %1").arg(path);
}

QString AnalyzeView::export_table_csv(const QString& path) const {
  if (!summary_) return tr("no study");
  QSaveFile f(path);
  if (!f.open(QIODevice::WriteOnly)) return tr("cannot write %1").arg(path);
  f.write(QByteArray::fromStdString(to_csv(trials_table(*summary_))));
  return f.commit() ? QString() : tr("cannot write %1").arg(path);
}

void AnalyzeView::showEvent(QShowEvent* e) {
  QWidget::showEvent(e);
  if (stamp() != last_stamp_) refresh();
  timer_.start();
}

void AnalyzeView::hideEvent(QHideEvent* e) {
  QWidget::hideEvent(e);
  timer_.stop();
}

}  // namespace tunelab::ui
