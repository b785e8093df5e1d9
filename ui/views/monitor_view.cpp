#include "ui/views/monitor_view.h"

#include <QComboBox>
#include <QDateTime>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <cmath>

#include "core/store/store.h"
#include "ui/bridge/db_control.h"
#include "ui/bridge/engine_bridge.h"
#include "ui/charts/curve_chart.h"
#include "ui/models/trial_filter_proxy.h"
#include "ui/models/trial_table_model.h"
#include "ui/views/load_panel.h"
#include "ui/views/output_viewer.h"
#include "ui/views/trial_controls.h"

namespace tunelab::ui {

namespace {
QString format_eta(double s) {
  if (s < 90) return QStringLiteral("%1 s").arg(static_cast<int>(s));
  if (s < 5400) return QStringLiteral("%1 min").arg(static_cast<int>(s / 60));
  return QStringLiteral("%1 h").arg(s / 3600, 0, 'f', 1);
}
// A trial's config on one line, for the curve chart's tooltips.
QString curve_label(const TrialData& t) {
  QStringList parts;
  for (const auto& [k, v] : t.flat_config) {
    parts << QString::fromStdString(k) + QLatin1Char('=') +
                 (v.is_number_float() ? QString::number(v.get<double>(), 'g', 4) : QString::fromStdString(dump_compact(v)));
  }
  return parts.join(QStringLiteral(", "));
}
}  // namespace

MonitorView::MonitorView(EngineBridge* bridge, QWidget* parent)
    : QWidget(parent),
      bridge_(bridge),
      control_(new StudyControl(bridge, this)),
      model_(new TrialTableModel(&state_, this)),
      proxy_(new TrialFilterProxy(this)),
      table_(new QTableView),
      filter_(new QLineEdit),
      curves_(new CurveChart),
      curve_metric_(new QComboBox),
      curve_x_(new QComboBox),
      progress_(new QLabel(tr("No study yet"))),
      log_(new QPlainTextEdit),
      controls_(new TrialControls),
      output_(new OutputViewer),
      load_(new LoadPanel) {
  proxy_->setSourceModel(model_);
  table_->setModel(proxy_);
  table_->setSortingEnabled(true);
  table_->sortByColumn(0, Qt::AscendingOrder);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->verticalHeader()->hide();
  table_->verticalHeader()->setDefaultSectionSize(22);
  table_->horizontalHeader()->setStretchLastSection(true);
  filter_->setPlaceholderText(tr("Filter trials (words match any column, e.g. \"running relu\")"));
  filter_->setClearButtonEnabled(true);
  log_->setReadOnly(true);
  log_->setMaximumBlockCount(20000);
  progress_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  // Its text changes with every batch; a fixed policy keeps that from re-laying out the whole view.
  progress_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Fixed);
  curve_x_->addItems({tr("iteration"), tr("time (s)")});

  auto* table_box = new QWidget;
  auto* tl = new QVBoxLayout(table_box);
  tl->setContentsMargins(0, 0, 0, 0);
  tl->addWidget(filter_);
  tl->addWidget(table_);
  auto* curve_box = new QWidget;
  auto* cl = new QVBoxLayout(curve_box);
  cl->setContentsMargins(0, 0, 0, 0);
  auto* curve_bar = new QHBoxLayout;
  curve_bar->addWidget(new QLabel(tr("Curves:")));
  curve_bar->addWidget(curve_metric_, 1);
  curve_bar->addWidget(new QLabel(tr("against")));
  curve_bar->addWidget(curve_x_);
  cl->addLayout(curve_bar);
  cl->addWidget(curves_, 1);
  auto* bottom = new QTabWidget;
  bottom->addTab(log_, tr("Events"));
  bottom->addTab(output_, tr("Output"));
  bottom->addTab(load_, tr("Resources"));
  auto* top = new QSplitter(Qt::Horizontal);
  top->addWidget(table_box);
  top->addWidget(curve_box);
  top->setStretchFactor(0, 3);
  top->setStretchFactor(1, 2);
  auto* split = new QSplitter(Qt::Vertical);
  split->addWidget(top);
  split->addWidget(bottom);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(controls_);
  layout->addWidget(progress_);
  layout->addWidget(split, 1);

  // The study's controls act on the whole study: they follow the engine, not the table's selection.
  connect(bridge_, &EngineBridge::started, this, &MonitorView::update_controls);
  connect(control_, &StudyControl::state_changed, this, &MonitorView::update_controls);
  connect(control_, &StudyControl::outcome, this, &MonitorView::on_outcome);
  connect(load_, &LoadPanel::trial_gpu_changed, this, [this] { model_->set_gpu_usage(load_->trial_gpu()); });
  connect(filter_, &QLineEdit::textChanged, proxy_, &TrialFilterProxy::set_text);
  connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &MonitorView::on_selection);
  connect(curves_, &CurveChart::trial_clicked, this, &MonitorView::select_trial);
  connect(curve_metric_, &QComboBox::currentTextChanged, this, &MonitorView::rebuild_curves);
  connect(curve_x_, &QComboBox::currentIndexChanged, this, &MonitorView::rebuild_curves);
  connect(controls_, &TrialControls::stop_trial, this, [this] {
    if (auto id = selected_trial()) control_->stop_trial(*id);
  });
  connect(controls_, &TrialControls::pause_trial, this, [this] {
    if (auto id = selected_trial()) control_->pause_trial(*id);
  });
  connect(controls_, &TrialControls::resume_trial, this, [this] {
    if (auto id = selected_trial()) control_->resume_trial(*id);
  });
  connect(controls_, &TrialControls::stop_study, control_, &StudyControl::stop_study);
  connect(controls_, &TrialControls::pause_study, this, [this] {
    control_->pause_study();
    if (control_->watching()) return;  // a watched study is paused once its engine says so (on_outcome)
    study_paused_ = true;
    update_controls();
  });
  connect(controls_, &TrialControls::resume_study, this, [this] {
    control_->resume_study();
    if (control_->watching()) return;
    study_paused_ = false;
    update_controls();
  });
  connect(controls_, &TrialControls::concurrency_changed, this, [this](int n) {
    control_->set_max_concurrent(n);
    if (!control_->watching()) log_->appendPlainText(tr("max concurrent trials set to %1").arg(n));
  });
  connect(controls_, &TrialControls::add_trial, this, [this] { add_trial(false); });
  connect(controls_, &TrialControls::clone_trial, this, [this] { add_trial(true); });
}

// The table reads state_, a member that dies before the child widgets do: detach it first.
MonitorView::~MonitorView() { table_->setModel(nullptr); }

void MonitorView::begin_study(const Objective& objective, std::vector<std::string> param_names, const QString& db_path,
                              bool live, int64_t max_concurrent) {
  table_->selectionModel()->clearSelection();
  state_.reset(objective, std::move(param_names));
  model_->reset();
  db_path_ = db_path;
  live_ = live;
  study_paused_ = false;
  if (live) {
    control_->use_engine();
  } else {
    control_->watch(db_path);
  }
  curves_->clear();
  output_->set_trial_dir({});
  first_objective_.reset();
  load_->set_study(db_path);
  log_->clear();
  {
    const QSignalBlocker block(curve_metric_);
    curve_metric_->clear();
    curve_metric_->addItem(QString::fromStdString(objective.metric));
  }
  curves_->set_axis_titles(curve_x_->currentText(), QString::fromStdString(objective.metric));
  curves_->set_maximize(objective.maximize);
  controls_->set_concurrency(static_cast<int>(std::max<int64_t>(1, max_concurrent)));
  progress_->setText(live ? tr("Starting…") : tr("Opened %1").arg(db_path));
  update_controls();
}

void MonitorView::apply(const std::vector<StudyEvent>& batch) { present(state_.apply(batch)); }

void MonitorView::apply_results(const ResultBlock& block) {
  if (!block.empty()) present(state_.apply_results(block));
}

void MonitorView::present(const StudyDelta& d) {
  model_->update(d);
  // New metrics become choices for the curves.
  for (const auto& m : state_.metric_names()) {
    const QString name = QString::fromStdString(m);
    if (curve_metric_->findText(name) < 0) {
      const QSignalBlocker block(curve_metric_);
      curve_metric_->addItem(name);
    }
  }
  const std::string metric = curve_metric_->currentText().toStdString();
  const bool by_time = curve_x_->currentIndex() == 1;
  const auto& trials = state_.trials();
  if (!d.rewound.empty()) rebuild_curves();  // a restarted trial's curve lost points: every curve is drawn again
  for (const auto& [i, first] : d.appended) {
    if (!d.rewound.empty()) break;
    const TrialData& t = trials[i];
    auto it = t.metrics.find(metric);
    if (it == t.metrics.end()) continue;
    const auto& xs_all = by_time ? t.times : t.iterations;
    curves_->append(t.id, std::vector<double>(xs_all.begin() + static_cast<std::ptrdiff_t>(first), xs_all.end()),
                    std::vector<double>(it->second.begin() + static_cast<std::ptrdiff_t>(first), it->second.end()));
  }
  for (size_t i : d.ended) curves_->set_finished(trials[i].id, true);
  for (size_t i : d.added) curves_->set_label(trials[i].id, curve_label(trials[i]));
  for (size_t i : d.changed) curves_->set_score(trials[i].id, trials[i].best);  // the best K by the objective
  if (d.best_changed) curves_->set_best(state_.best_trial());
  if (!first_objective_ && !d.appended.empty()) {
    // The objective of the study's first result: the earliest trial's first value.
    for (const TrialData& t : trials) {
      auto it = t.metrics.find(state_.objective().metric);
      if (it == t.metrics.end()) continue;
      for (double v : it->second) {
        if (!std::isnan(v)) {
          first_objective_ = v;
          break;
        }
      }
      if (first_objective_) break;
    }
  }
  if (!d.appended.empty()) load_->set_objective_range(first_objective_, state_.best_value());
  curves_->flush();
  if (!d.log_lines.empty()) {
    // One append for the batch. A watched study's lines carry the time they were stored; the engine's
    // arrive as they happen.
    QStringList lines;
    lines.reserve(static_cast<qsizetype>(d.log_lines.size()));
    for (size_t i = 0; i < d.log_lines.size(); ++i) {
      const double ts = i < d.log_times.size() ? d.log_times[i] : 0.0;
      const QDateTime when = ts > 0 ? QDateTime::fromMSecsSinceEpoch(static_cast<qint64>(ts * 1000))
                                    : QDateTime::currentDateTime();
      lines << when.toString(QStringLiteral("[HH:mm:ss] ")) + QString::fromStdString(d.log_lines[i]);
    }
    log_->appendPlainText(lines.join(QLatin1Char('\n')));
  }
  if (d.progress && d.progress->study_paused != study_paused_) {
    study_paused_ = d.progress->study_paused;
    update_controls();
  }
  if (d.progress || !d.changed.empty()) {
    // Counts from the trials as shown (the engine's progress comes once a second); total, ETA and the
    // paused flag from its last progress event.
    Progress p = state_.progress().value_or(Progress{});
    const Progress& shown = state_.counts();
    p.pending = shown.pending;
    p.running = shown.running;
    p.paused = shown.paused;
    p.completed = shown.completed;
    p.stopped = shown.stopped;
    p.errored = shown.errored;
    QString best = QStringLiteral("-");
    if (state_.best_trial() && state_.best_value()) {
      best = QStringLiteral("%1 (trial %2)").arg(*state_.best_value(), 0, 'g', 5).arg(*state_.best_trial());
    }
    const QString total = p.total >= 0 ? QString::number(p.total) : QStringLiteral("?");
    progress_->setText((p.study_paused ? tr("PAUSED   ") : QString()) +
                       tr("done %1/%2   running %3   paused %4   stopped early %5   errored %6   best %7 %8   ETA %9")
                           .arg(p.finished())
                           .arg(total)
                           .arg(p.running)
                           .arg(p.paused)
                           .arg(p.stopped)
                           .arg(p.errored)
                           .arg(QString::fromStdString(state_.objective().metric), best,
                                p.eta_s && !d.finished ? format_eta(*p.eta_s) : QStringLiteral("-")));
  }
  if (d.finished) {
    curves_->fit();
    live_ = false;
    update_controls();
  }
}

void MonitorView::study_finished(const QString& status) {
  live_ = false;
  log_->appendPlainText(tr("Study %1.").arg(status));
  update_controls();
}

void MonitorView::rebuild_curves() {
  curves_->clear();
  const std::string metric = curve_metric_->currentText().toStdString();
  const bool by_time = curve_x_->currentIndex() == 1;
  curves_->set_axis_titles(curve_x_->currentText(), curve_metric_->currentText());
  for (const TrialData& t : state_.trials()) {
    auto it = t.metrics.find(metric);
    if (it != t.metrics.end()) curves_->append(t.id, by_time ? t.times : t.iterations, it->second);
    if (is_finished(t.status)) curves_->set_finished(t.id, true);
    curves_->set_label(t.id, curve_label(t));
    curves_->set_score(t.id, t.best);
  }
  curves_->set_best(state_.best_trial());
  curves_->set_selected(selected_trial());
  curves_->fit();
}

QString MonitorView::progress_text() const { return progress_->text(); }
QString MonitorView::log_text() const { return log_->toPlainText(); }

std::optional<int64_t> MonitorView::selected_trial() const {
  const auto rows = table_->selectionModel()->selectedRows();
  if (rows.isEmpty()) return std::nullopt;
  return rows.first().data(TrialTableModel::TrialIdRole).toLongLong();
}

void MonitorView::select_trial(int64_t id) {
  const auto row = model_->row_of(id);
  if (!row) return;
  const QModelIndex index = proxy_->mapFromSource(model_->index(*row, 0));
  if (!index.isValid()) return;
  table_->selectionModel()->select(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  table_->scrollTo(index);
}

void MonitorView::set_allowed_trials(std::optional<std::set<int64_t>> ids) { proxy_->set_allowed_ids(std::move(ids)); }

void MonitorView::on_selection() {
  const auto id = selected_trial();
  curves_->set_selected(id);
  update_controls();
  if (!id) return;
  output_->set_trial_dir(trial_dir(*id), tr("trial %1").arg(*id));
  emit trial_selected(*id);
}

void MonitorView::update_controls() {
  const bool available = control_->watching() ? control_->available() : live_ && bridge_->running();
  controls_->set_state(available, selected_trial().has_value(), study_paused_);
  controls_->set_unavailable_reason(available || !control_->watching() ? QString() : control_->unavailable_reason());
}

void MonitorView::on_outcome(const QString& kind, bool applied, const QString& text) {
  if (applied && kind == QLatin1String("pause_study")) study_paused_ = true;
  if (applied && kind == QLatin1String("resume_study")) study_paused_ = false;
  if (!applied && text.contains(QLatin1String("already paused"))) study_paused_ = true;
  if (!applied && text.contains(QLatin1String("not paused"))) study_paused_ = false;
  const QString line = applied ? tr("applied: %1").arg(text) : tr("refused: %1").arg(text);
  log_->appendPlainText(line);
  emit message(line);
  update_controls();
}

QString MonitorView::trial_dir(int64_t id) const {
  if (db_path_.isEmpty()) return {};
  auto store = Store::open(db_path_.toStdString(), Store::Mode::ReadOnly);
  if (!store) return {};
  auto trials = (*store)->load_trials();
  if (!trials) return {};
  for (const auto& t : *trials) {
    if (t.id == id) return QString::fromStdString(t.trial_dir);
  }
  return {};
}

void MonitorView::add_trial(bool clone) {
  std::optional<int64_t> parent;
  Json config = Json::object();
  if (clone) {
    parent = selected_trial();
    if (!parent) return;
    if (auto i = state_.index_of(*parent)) config = state_.trials()[*i].config;
  } else if (!state_.trials().empty()) {
    config = state_.trials().back().config;
  }
  bool ok = false;
  const QString text = QInputDialog::getMultiLineText(
      this, clone ? tr("Clone trial %1").arg(*parent) : tr("Add a trial"),
      tr("The trial's config (JSON). Values outside the search space are refused with the reason in the log."),
      QString::fromStdString(config.dump(2)), &ok);
  if (!ok) return;
  auto json = parse_json_text(text.toStdString(), "config");
  if (!json || !json->is_object()) {
    QMessageBox::warning(this, tr("Add a trial"),
                         json ? tr("The config must be a JSON object.") : QString::fromStdString(json.error_text()));
    return;
  }
  control_->add_trial(*json, parent);
}

}  // namespace tunelab::ui
