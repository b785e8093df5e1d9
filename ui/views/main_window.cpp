#include "ui/views/main_window.h"

#include <QDateTime>
#include <QDir>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>

#include "ui/bridge/engine_bridge.h"
#include "ui/models/trial_table_model.h"

namespace tunelab::ui {

MainWindow::MainWindow(QString spec_text, QString base_dir, QWidget* parent)
    : QMainWindow(parent), base_dir_(std::move(base_dir)), bridge_(new EngineBridge(this)) {
  setWindowTitle(tr("TuneLab"));
  spec_view_ = new QPlainTextEdit(spec_text);
  spec_view_->setLineWrapMode(QPlainTextEdit::NoWrap);
  table_ = new QTableView;
  table_->setSortingEnabled(true);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->horizontalHeader()->setStretchLastSection(true);
  log_ = new QPlainTextEdit;
  log_->setReadOnly(true);
  log_->setMaximumBlockCount(5000);
  progress_ = new QLabel(tr("Not started"));
  run_button_ = new QPushButton(tr("Run"));
  stop_trial_button_ = new QPushButton(tr("Stop trial"));
  stop_study_button_ = new QPushButton(tr("Stop study"));
  stop_trial_button_->setEnabled(false);
  stop_study_button_->setEnabled(false);

  auto* controls = new QHBoxLayout;
  controls->addWidget(run_button_);
  controls->addWidget(stop_trial_button_);
  controls->addWidget(stop_study_button_);
  controls->addWidget(progress_, 1);
  auto* right = new QSplitter(Qt::Vertical);
  right->addWidget(table_);
  right->addWidget(log_);
  right->setStretchFactor(0, 3);
  auto* split = new QSplitter(Qt::Horizontal);
  split->addWidget(spec_view_);
  split->addWidget(right);
  split->setStretchFactor(1, 2);
  auto* central = new QWidget;
  auto* layout = new QVBoxLayout(central);
  layout->addLayout(controls);
  layout->addWidget(split, 1);
  setCentralWidget(central);
  resize(1200, 760);

  connect(run_button_, &QPushButton::clicked, this, [this] { start_study(); });
  connect(stop_trial_button_, &QPushButton::clicked, this, &MainWindow::stop_selected_trial);
  connect(stop_study_button_, &QPushButton::clicked, bridge_, &EngineBridge::stop_study);
  connect(bridge_, &EngineBridge::events, this, &MainWindow::on_events);
  connect(bridge_, &EngineBridge::finished, this, [this](const QString& status) {
    log_->appendPlainText(tr("Study %1.").arg(status));
    run_button_->setEnabled(true);
    stop_trial_button_->setEnabled(false);
    stop_study_button_->setEnabled(false);
  });
}

MainWindow::~MainWindow() = default;

QString MainWindow::status_text() const { return progress_->text(); }

bool MainWindow::start_study() {
  auto json = parse_json_text(spec_view_->toPlainText().toStdString(), "spec");
  Result<StudySpec> spec = json ? parse_spec(*json, base_dir_.toStdString()) : Result<StudySpec>(json.errors());
  if (!spec) {
    log_->appendPlainText(tr("The spec has errors:\n%1").arg(QString::fromStdString(spec.error_text())));
    return false;
  }
  const QString stamp = QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmmss"));
  const QString db = QDir(base_dir_).filePath(QStringLiteral("tunelab_results/%1-%2/study.db")
                                                  .arg(QString::fromStdString(spec->name), stamp));
  metric_ = QString::fromStdString(spec->objective.metric);
  const bool maximize = spec->objective.maximize;
  ControllerOptions options;
  options.interrupt = bridge_->interrupt_flag();
  auto controller = Controller::create(std::move(*spec), db.toStdString(), std::move(options));
  if (!controller) {
    log_->appendPlainText(QString::fromStdString(controller.error_text()));
    return false;
  }
  auto* old = model_;
  model_ = new TrialTableModel(metric_, maximize, this);
  auto* proxy = new QSortFilterProxyModel(model_);
  proxy->setSourceModel(model_);
  proxy->setSortRole(TrialTableModel::SortRole);
  table_->setModel(proxy);
  delete old;
  log_->appendPlainText(tr("Study started: %1").arg(db));
  run_button_->setEnabled(false);
  stop_trial_button_->setEnabled(true);
  stop_study_button_->setEnabled(true);
  return bridge_->start(std::move(*controller));
}

void MainWindow::stop_selected_trial() {
  const auto rows = table_->selectionModel() ? table_->selectionModel()->selectedRows() : QModelIndexList{};
  if (rows.isEmpty()) return;
  auto* proxy = static_cast<QSortFilterProxyModel*>(table_->model());
  bridge_->stop_trial(model_->trial_at(proxy->mapToSource(rows.first()).row()));
}

void MainWindow::on_events(const std::vector<StudyEvent>& batch) {
  model_->apply(batch);
  for (const auto& e : batch) {
    if (e.kind == StudyEvent::Kind::Log || e.kind == StudyEvent::Kind::Decision) {
      log_->appendPlainText(QString::fromStdString(e.message));
    }
    if (e.kind == StudyEvent::Kind::Progress || e.kind == StudyEvent::Kind::Finished) {
      const Progress& p = e.progress;
      QString best = p.best_value ? QStringLiteral("%1 (trial %2)").arg(*p.best_value, 0, 'g', 5).arg(*p.best_trial)
                                  : QStringLiteral("-");
      progress_->setText(tr("done %1/%2  running %3  stopped %4  errored %5  best %6 %7")
                             .arg(p.finished())
                             .arg(p.total)
                             .arg(p.running)
                             .arg(p.stopped)
                             .arg(p.errored)
                             .arg(metric_, best));
    }
  }
}

}  // namespace tunelab::ui
